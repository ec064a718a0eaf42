/** Renders a value for an error message: `0` (number), `"abc"` (string), `NaN` (number), ... */
export function describeValue(value: unknown): string {
  let shown: string;
  if (typeof value === 'string') shown = JSON.stringify(value);
  else if (typeof value === 'function') shown = `[function ${value.name || 'anonymous'}]`;
  else if (typeof value === 'object' && value !== null) {
    try {
      shown = JSON.stringify(value) ?? String(value);
    } catch {
      shown = Object.prototype.toString.call(value);
    }
    if (shown.length > 60) shown = `${shown.slice(0, 57)}...`;
  } else shown = String(value);
  const type = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  return `\`${shown}\` (${type})`;
}

/** ``Expected `option` to be <allowed>, got `value` (type)``, as a TypeError or RangeError. */
export function invalid(option: string, allowed: string, value: unknown, Kind: typeof TypeError = TypeError): Error {
  return new Kind(`Expected \`${option}\` to be ${allowed}, got ${describeValue(value)}`);
}

export function checkInteger(option: string, value: unknown, min: number): number {
  if (typeof value !== 'number') throw invalid(option, integerText(min), value);
  if (!Number.isInteger(value) || value < min) throw invalid(option, integerText(min), value, RangeError);
  return value;
}

function integerText(min: number): string {
  return min === 1 ? 'a positive integer' : min === 0 ? 'a non-negative integer' : `an integer >= ${min}`;
}

export function checkDuration(option: string, value: unknown, allowZero = true): number {
  const allowed = allowZero ? 'a finite number of milliseconds >= 0' : 'a finite number of milliseconds > 0';
  if (typeof value !== 'number') throw invalid(option, allowed, value);
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) throw invalid(option, allowed, value, RangeError);
  return value;
}

export function checkFunction<F>(option: string, value: unknown): F {
  if (typeof value !== 'function') throw invalid(option, 'a function', value);
  return value as F;
}

export function checkOneOf<T extends string>(option: string, value: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) throw invalid(option, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, value);
  return value as T;
}

export function checkName(option: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') throw invalid(option, 'a non-empty string', value);
  return value;
}

/** Rejects option names this library does not know (a typo in JavaScript would otherwise pass silently). */
export function checkKnownKeys(where: string, options: object, known: ReadonlySet<string>): void {
  for (const key of Object.keys(options)) {
    if (!known.has(key)) {
      const hint = closest(key, known);
      throw new TypeError(
        `Unknown ${where} option \`${key}\`${hint === undefined ? '' : ` (did you mean \`${hint}\`?)`}; known options are ${[...known].join(', ')}`,
      );
    }
  }
}

function closest(key: string, known: ReadonlySet<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const d = distance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min((previous[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length] ?? 0;
}
