// The logger option: every state transition, with its reason, goes to a logger (warn when opening).
// `logger: console` works as is; this one prints one line per transition to stdout.
import { type BreakerLogger, CircuitBreaker } from 'tripswitch';

const logger: BreakerLogger = {
  info: (message) => console.log(`INFO ${message}`),
  warn: (message, event) => console.log(`WARN ${message} at t=${event.at}ms`),
};

let now = 0;
const breaker = new CircuitBreaker('search', {
  registry: false,
  logger,
  clock: { now: () => now },
  failureThreshold: 2,
  successThreshold: 1,
  recoveryTimeout: 1_000,
});
const failing = (): never => {
  throw new Error('search cluster timeout');
};
for (let i = 0; i < 2; i++) {
  try {
    breaker.call(failing);
  } catch {}
}
now += 1_000; // the recovery timeout passes (an injected clock keeps the example instant)
console.log(
  'trial call answers:',
  breaker.call(() => 'results'),
);
