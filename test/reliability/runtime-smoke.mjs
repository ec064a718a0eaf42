// One scenario every runtime runs against the built package: Node, Bun, Deno and a headless browser.
// Plain JavaScript with no Node API, so the page can import it as is.

/**
 * Wraps a function, trips the breaker with two failures, sees a rejection, lets the recovery timeout
 * pass and closes it with a trial call; also checks that a sync function stays sync and that the
 * default clock (performance.now) works in this runtime.
 */
export async function smoke(lib) {
  const { circuitBreaker, CircuitBreaker, Registry, isCircuitOpenError } = lib;
  let now = 0;
  let healthy = false;
  const transitions = [];
  const double = circuitBreaker(
    async (x) => {
      if (!healthy) throw new Error('down');
      return x * 2;
    },
    {
      name: 'smoke',
      registry: new Registry(),
      failureThreshold: 2,
      successThreshold: 1,
      recoveryTimeout: 1000,
      clock: { now: () => now },
      onStateChange: (e) => transitions.push(`${e.from}->${e.to}`),
    },
  );
  const failures = [];
  for (let i = 0; i < 2; i++) failures.push(await double(1).then(String, (e) => e.message));
  const rejection = await double(1).then(
    () => 'not rejected',
    (e) => ({ isCircuitOpenError: isCircuitOpenError(e), name: e.name, retryAfterMs: e.retryAfterMs }),
  );
  now += 1000;
  healthy = true;
  const value = await double(21);

  const add = new CircuitBreaker('sync', { registry: false }).wrap((a, b) => a + b);
  const syncValue = add(1, 2);

  const realClock = new CircuitBreaker('default-clock', { registry: false, failureThreshold: 1, recoveryTimeout: 60_000 });
  try {
    realClock.call(() => {
      throw new Error('down');
    });
  } catch {}

  return {
    failures,
    rejection,
    value,
    transitions,
    state: double.breaker.state,
    syncValue,
    defaultClock: { state: realClock.state, recoveryAbout60s: realClock.status().timeUntilRecoveryMs > 59_000 },
  };
}

/** What {@link smoke} returns in every runtime. */
export const expected = {
  failures: ['down', 'down'],
  rejection: { isCircuitOpenError: true, name: 'CircuitOpenError', retryAfterMs: 1000 },
  value: 42,
  transitions: ['closed->open', 'open->half_open', 'half_open->closed'],
  state: 'closed',
  syncValue: 3,
  defaultClock: { state: 'open', recoveryAbout60s: true },
};
