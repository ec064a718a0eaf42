// A per-call timeout that aborts the work it gives up on, and a recovery timeout that backs off while
// trial calls keep failing. The timeout part runs on real timers (50 ms); the backoff part on a hand-moved clock.
import { CircuitBreaker, exponentialBackoff, isCallTimeoutError } from 'tripswitch';

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts (clearing its timer). */
function slowLookup(ms: number, signal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms, 'found');
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  });
}

const lookup = new CircuitBreaker('lookup', { registry: false, timeout: 50 });
console.log('fast call:', await lookup.callWithSignal((signal) => slowLookup(10, signal)));
const started = performance.now();
try {
  await lookup.callWithSignal((signal) => slowLookup(5_000, signal));
} catch (error) {
  if (!isCallTimeoutError(error)) throw error;
  console.log(`slow call: ${error.message} (gave up after ~${Math.round(performance.now() - started)} ms, work aborted)`);
}
console.log('lookup status:', JSON.stringify({ successes: lookup.status().successes, failures: lookup.status().failures }));

let now = 0;
const payments = new CircuitBreaker('payments', {
  registry: false,
  clock: { now: () => now },
  failureThreshold: 1,
  successThreshold: 1,
  recoveryTimeout: exponentialBackoff({ initialDelay: 1_000, maxDelay: 4_000 }),
});
const down = (): never => {
  throw new Error('payments down');
};
const steps: number[] = [];
try {
  payments.call(down);
} catch {
  steps.push(payments.status().recoveryTimeoutMs);
}
for (let trial = 0; trial < 3; trial++) {
  now += payments.status().recoveryTimeoutMs; // wait out the current step, then the trial fails too
  try {
    payments.call(down);
  } catch {
    steps.push(payments.status().recoveryTimeoutMs);
  }
}
console.log('open periods while trials fail (ms):', steps.join(', '));
now += payments.status().recoveryTimeoutMs;
payments.call(() => 'charged');
console.log(`after a good trial: ${payments.state}, next opening would wait ${payments.status().recoveryTimeoutMs} ms`);
if (steps.join() !== '1000,2000,4000,4000' || payments.state !== 'closed') process.exit(1);
