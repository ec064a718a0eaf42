// The logger option: every state transition becomes one line a person reads, with structured fields
// beside it (circuit, from, to, reason, retryInMs, the detector's figures) for pino or winston.
// `logger: console` works as is; this one prints the line and the fields it would index.
import { type BreakerLogger, CircuitBreaker } from 'tripswitch';

const logger: BreakerLogger = {
  info: (message) => console.log(`INFO ${message}`),
  warn: (message, fields) =>
    console.log(`WARN ${message}`, JSON.stringify({ circuit: fields.circuit, reason: fields.reason, retryInMs: fields.retryInMs })),
};
// With pino, whose methods take the fields first:
//   const log = pino();
//   const logger = { info: (msg, fields) => log.info(fields, msg), warn: (msg, fields) => log.warn(fields, msg) };

let now = 0;
const breaker = new CircuitBreaker('payments', {
  registry: false,
  logger,
  clock: { now: () => now },
  failureThreshold: 5,
  successThreshold: 1,
  recoveryTimeout: 30_000,
});
const failing = (): never => {
  throw new Error('payments API timeout');
};
for (let i = 0; i < 5; i++) {
  try {
    breaker.call(failing);
  } catch {}
}
now += 30_000; // the recovery timeout passes (an injected clock keeps the example instant)
console.log(
  'trial call answers:',
  breaker.call(() => 'charged'),
);
