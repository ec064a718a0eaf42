import type { CircuitBreakerOptions, DetectorFactory, DetectorName } from 'tripswitch';
import { breakerOptionNames, validateOptions } from '../options.js';
import { checkKnownKeys, invalid } from '../validate.js';

/**
 * Options of each breaker the HTTP clients create. They set `isResultFailure`, `kind`, `registry` and
 * `fallback` themselves and time requests with their own `timeout`, which also aborts them. The
 * `detector` is a name or a factory: each breaker needs a detector of its own.
 */
export type HttpBreakerOptions = Omit<
  CircuitBreakerOptions<[], Promise<Response>>,
  'isResultFailure' | 'kind' | 'registry' | 'fallback' | 'timeout' | 'detector'
> & {
  readonly detector?: DetectorName | DetectorFactory;
};

const reserved = ['isResultFailure', 'kind', 'registry', 'fallback', 'timeout', 'name'];
const knownNames: ReadonlySet<string> = new Set([...breakerOptionNames].filter((name) => !reserved.includes(name)));

/**
 * Validates the breaker options of an HTTP client once, without building a breaker (so no store is
 * attached and no detector factory is called). Refuses a detector instance: every host would share it.
 * @throws {TypeError | RangeError} naming the option.
 */
export function checkHttpBreakerOptions(option: string, value: unknown): HttpBreakerOptions {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null) throw invalid(option, 'an object of breaker options', value);
  const { detector } = value as { detector?: unknown };
  if (typeof detector === 'object' && detector !== null) {
    throw new TypeError(
      `Expected \`${option}.detector\` to be a detector name or a factory (\`({ clock }) => detector\`), got a detector instance: every breaker would share it`,
    );
  }
  checkKnownKeys(option, value, knownNames);
  validateOptions(value as CircuitBreakerOptions);
  return value as HttpBreakerOptions;
}
