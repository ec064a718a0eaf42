/**
 * The identity of decorated methods: their default breaker name, where they were declared, and the rule
 * for two decorators that arrive at one name. A breaker's name is its identity everywhere (registry,
 * store peers, metric labels), so the default is derived from the declaring class alone, and a
 * collision is an error, never a silently shared breaker.
 */
import type { CircuitBreaker } from './breaker.js';
import { CircuitBreakerError, ErrorCode } from './errors.js';
import type { Registry } from './registry.js';

/** A decorated method as the collision messages name it. */
export interface MethodOwner {
  /** `Class.method`: the declaring class and the method's key. */
  readonly label: string;
  /** The decorator's source location (`file:line:column`), or `''` where the runtime gives no stack. */
  readonly site: string;
}

/** Who created a breaker through a decorator, and with which options. */
export interface Claim {
  readonly owner: MethodOwner;
  /** Breaker options of the decorator (without `name`, `perInstance`, `registry`). */
  readonly options: Readonly<Record<string, unknown>>;
  /** Whether the decorator gave an explicit `name`. */
  readonly explicit: boolean;
}

/** `Class.method`; a symbol key reads `Class.Symbol(description)`, a private one `Class.#method`. */
export function defaultName(className: string, key: string | symbol): string {
  return `${className || 'anonymous'}.${typeof key === 'symbol' ? String(key) : key}`;
}

// Shared by every copy of the package in the process (ESM and CJS side by side), like the default registry.
const claimsKey = Symbol.for('tripswitch.decoratorClaims.v1');

function claims(): WeakMap<CircuitBreaker, Claim> {
  const holder = globalThis as unknown as Record<symbol, WeakMap<CircuitBreaker, Claim> | undefined>;
  let map = holder[claimsKey];
  if (map === undefined) {
    map = new WeakMap();
    Object.defineProperty(globalThis, claimsKey, { value: map, configurable: true });
  }
  return map;
}

/**
 * The breaker named `name` in `registry` for a decorated method, created by `create()` when the name is
 * free. Two default names that meet are an error, unless the same source runs again (module re-evaluation
 * in HMR or `jest.resetModules()`), which reuses the breaker. An explicit name is shared on purpose: a
 * later decorator joins when it gives no options or the same ones, and is refused when they differ.
 * @throws {CircuitBreakerError} (code `ERR_CIRCUIT_BREAKER_DUPLICATE_NAME`) naming both methods.
 */
export function claimBreaker(registry: Registry, name: string, claim: Claim, create: () => CircuitBreaker): CircuitBreaker {
  const existing = registry.find(name);
  if (existing === undefined) {
    const breaker = create();
    claims().set(breaker, claim);
    return breaker;
  }
  const prior = claims().get(existing);
  const { owner, explicit, options } = claim;
  const given = Object.keys(options).length > 0;
  let problem: string;
  if (prior === undefined) {
    if (explicit && !given) return existing;
    problem = `${describe(owner)}: a breaker named "${name}" already exists, created outside a decorator; ${
      explicit ? 'its options cannot change now: drop the options here, or set them once with registry.configure(name, options)' : ownName
    }`;
  } else if (!explicit && !prior.explicit) {
    if (prior.owner.label === owner.label && prior.owner.site !== '' && prior.owner.site === owner.site) return existing;
    problem = `${describe(prior.owner)} and ${describe(owner)} both default to the breaker name "${name}" and would share one breaker; ${ownName} (or both the same \`name\` to share on purpose)`;
  } else {
    // A shared breaker has one configuration: a later decorator joins with no options or the same ones.
    const keys = [...new Set([...Object.keys(prior.options), ...Object.keys(options)])];
    const differing = keys.filter((key) => !sameValue(prior.options[key], options[key]));
    if (!given || differing.length === 0) return existing;
    problem = `${describe(owner)} shares the breaker "${name}" with ${describe(prior.owner)} but sets other options (${differing
      .map((k) => `\`${k}\``)
      .join(', ')}); pass the same options to both, give them to one decorator only, or use distinct names`;
  }
  throw new CircuitBreakerError(ErrorCode.DUPLICATE_NAME, `@circuitBreaker on ${problem}`);
}

const ownName = 'give the method its own `name` option';

function describe(owner: MethodOwner): string {
  return owner.site === '' ? owner.label : `${owner.label} (${owner.site})`;
}

function sameValue(a: unknown, b: unknown): boolean {
  return Object.is(a, b) || (Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => Object.is(v, b[i])));
}

/** The directory of this module's file, so frames of tripswitch itself are skipped when locating a decorator. */
const ownDirectory = directoryOf(frames(new Error().stack)[0]?.location ?? '');

/** Compiler helpers that apply decorators (TypeScript, tslib, esbuild, Babel, SWC): the call site is their caller. */
const helper = /(?:^|\.)(?:__decorate\w*|__esDecorate|__runInitializers|_ts_decorate|_?applyDecs\w*|_apply_decs\w*|_decorate\w*)$/;

/**
 * Where the decorator being applied was written: the first stack frame outside tripswitch, tslib and the
 * compilers' decorator helpers. Only for messages; `''` when the runtime gives no stack.
 */
export function captureSite(): string {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 30;
  let stack: string | undefined;
  try {
    stack = new Error().stack;
  } finally {
    Error.stackTraceLimit = limit;
  }
  const frame = frames(stack).find(
    ({ fn, location }) =>
      (ownDirectory === '' || !location.startsWith(ownDirectory)) && !/[\\/]tslib[\\/]|^node:/.test(location) && !helper.test(fn),
  );
  return frame?.location ?? '';
}

function frames(stack: string | undefined): Array<{ fn: string; location: string }> {
  if (typeof stack !== 'string') return [];
  const found: Array<{ fn: string; location: string }> = [];
  for (const line of stack.split('\n')) {
    // V8: "    at fn (file:1:2)" or "    at file:1:2"; SpiderMonkey/JSC: "fn@file:1:2".
    const v8 = /^\s*at (?:(.*?) \()?([^\s()]+:\d+:\d+)\)?\s*$/.exec(line);
    const other = v8 === null ? /^([^@\s]*)@(\S+:\d+:\d+)\s*$/.exec(line) : null;
    const match = v8 ?? other;
    if (match?.[2] !== undefined) found.push({ fn: (match[1] ?? '').replace(/^(?:async |new )/, ''), location: match[2] });
  }
  return found;
}

function directoryOf(location: string): string {
  const file = location.replace(/:\d+:\d+$/, '');
  const slash = Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\'));
  return slash < 0 ? '' : file.slice(0, slash + 1);
}
