import { do_not_optimize } from 'mitata';
import { CircuitBreaker, ConsecutiveFailuresDetector, MemoryStateStore } from 'tripswitch';
import { throwsSync } from './verify.js';

/** The scenario of shared counting's per-call cost; its goal: `shared counting` ≤ 2x `local`. */
export const sharedCountingScenario = 'sync failure recorded, closed, shared counting';
export const sharedCountingSubjects = { local: 'tripswitch, local counting', shared: 'tripswitch, shared counting (MemoryStateStore)' };

const failure = new Error('bench failure');
// Never trips: a detector instance takes any threshold; the fleet threshold at its largest (2^31 − 1) is more
// failures than a run makes within the 10 s window.
const NEVER = Number.MAX_SAFE_INTEGER;
const FLEET_NEVER = 2 ** 31 - 1;

/**
 * The failure path with and without shared counting: what a call adds is the tap into the flusher's
 * counters (two increments); the flush itself runs on a timer, every 250 ms, off the call's path.
 * RedisStateStore taps the same counter: its flush command is measured by bench/shared-counting.ts.
 */
export function sharedCountingCases() {
  const bare = (): never => {
    throw failure;
  };
  const breaker = (sharedCounting: boolean) =>
    new CircuitBreaker('bench', {
      registry: false,
      detector: new ConsecutiveFailuresDetector({ failureThreshold: NEVER }),
      recoveryTimeout: 3_600_000,
      ...(sharedCounting ? { store: new MemoryStateStore({ sharedCounting: { failureThreshold: FLEET_NEVER } }) } : {}),
    });
  const local = breaker(false).wrap(bare);
  const sharedBreaker = breaker(true);
  const shared = sharedBreaker.wrap(bare);
  const caught = (run: () => unknown) => () => {
    try {
      run();
    } catch (error) {
      do_not_optimize(error);
    }
  };
  const rows: [string, 'bare' | undefined, () => unknown][] = [
    ['bare, caught', 'bare', bare],
    [sharedCountingSubjects.local, undefined, local],
    [sharedCountingSubjects.shared, undefined, shared],
  ];
  return rows.map(([subject, role, run]) => ({
    scenario: sharedCountingScenario,
    subject,
    ...(role === undefined ? {} : { role }),
    run: caught(run),
    verify: () => throwsSync(run, (error) => error === failure),
    after: () => {
      if (sharedBreaker.state !== 'closed') throw new Error(`shared counting breaker left closed: ${sharedBreaker.state}`);
    },
  }));
}
