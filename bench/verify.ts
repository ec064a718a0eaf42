/** Checks run before a case is measured, so that every figure measures what its row claims. */

/** Stops the run: a case does not do what its row says, so its figure would mean nothing. */
export const fail = (message: string): never => {
  throw new Error(`bench case is wrong: ${message}`);
};

/** `run` resolves (or returns) exactly `expected`. */
export async function returns(run: () => unknown, expected: unknown): Promise<void> {
  const value = await run();
  if (value !== expected) fail(`expected ${String(expected)}, got ${String(value)}`);
}

/** `run` rejects (or throws) with an error `isExpected` accepts. */
export async function rejects(run: () => unknown, isExpected: (error: unknown) => boolean): Promise<void> {
  let settled = false;
  try {
    await run();
    settled = true;
  } catch (error) {
    if (!isExpected(error)) fail(`unexpected rejection ${String(error)}`);
  }
  if (settled) fail('expected a rejection');
}

/** `run` throws synchronously, an error `isExpected` accepts. */
export function throwsSync(run: () => unknown, isExpected: (error: unknown) => boolean): Promise<void> {
  let value: unknown;
  try {
    value = run();
  } catch (error) {
    if (!isExpected(error)) fail(`unexpected throw ${String(error)}`);
    return Promise.resolve();
  }
  return fail(`expected a sync throw, got ${value instanceof Promise ? 'a promise' : String(value)}`);
}

/** `run` returns the plain value `expected`, not a promise. */
export function isSync(run: () => unknown, expected: unknown): Promise<void> {
  const value = run();
  if (value !== expected) fail(`expected a plain ${String(expected)}, got ${String(value)}`);
  return Promise.resolve();
}
