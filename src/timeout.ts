/**
 * Settles with the first of: `work` fulfilling (`onValue`), `work` rejecting (`onError`), or `ms`
 * passing (`onTimeout`). The handler that wins decides the returned promise (its return value resolves
 * it, its throw rejects it); the others are never called, so a call that settles after timing out is
 * not recorded twice. The timer is unref'd where the runtime has it, so it never keeps a process alive.
 */
export function raceTimeout<T>(
  work: PromiseLike<T>,
  ms: number,
  onValue: (value: T) => unknown,
  onError: (error: unknown) => unknown,
  onTimeout: () => unknown,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (handler: () => unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      try {
        resolve(handler());
      } catch (error) {
        reject(error);
      }
    };
    const timer = setTimeout(() => settle(onTimeout), ms);
    const handle = timer as unknown as { unref?: () => void };
    if (typeof handle === 'object' && handle !== null && typeof handle.unref === 'function') handle.unref();
    Promise.resolve(work).then(
      (value) => settle(() => onValue(value)),
      (error: unknown) => settle(() => onError(error)),
    );
  });
}
