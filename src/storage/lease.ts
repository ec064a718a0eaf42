import { checkDuration, invalid } from '../validate.js';

/** The longest duration a breaker or store uses: timers overflow beyond 2^31−1 ms. */
export const maxDurationMs = 2 ** 31 - 1;

/**
 * Validates a duration > 0 and at most {@link maxDurationMs}, naming the option.
 * @throws {TypeError | RangeError} naming the option, the value and what is allowed.
 */
export function boundedDuration(option: string, value: unknown): number {
  const ms = checkDuration(option, value, false);
  if (ms > maxDurationMs) throw invalid(option, `a number of milliseconds <= ${maxDurationMs}`, value, RangeError);
  return ms;
}

/**
 * Whether a probe lease granted at `grantedAt` is still honoured at `now`: renewed while the holder
 * runs a trial (`probing`, which settles its `halfOpenMaxWait`) for at most `maxProbeTime`, otherwise
 * it lasts until `until`. This is the liveness bound both stores share: a peer may probe again at most
 * `leaseTtl` after the holder's last trial ended (or it died, stopped or left), and never later than
 * `maxProbeTime + leaseTtl` after the lease was granted.
 */
export function leaseRenewable(probing: boolean, grantedAt: number, now: number, maxProbeTime: number): boolean {
  return probing && now - grantedAt < maxProbeTime;
}
