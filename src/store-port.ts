import type { Clock } from './clock.js';
import type { StateMachine } from './machine.js';
import { CircuitState } from './state.js';
import type { BreakerPort } from './storage/state-store.js';

/** The store's handle on one breaker's state machine (see {@link BreakerPort}); built once, never exposed to users. */
export function createPort(machine: StateMachine, name: string, clock: Clock): BreakerPort {
  return {
    name,
    applyRemote: (shared) => machine.applyRemote(shared),
    grantProbe: () => machine.grantProbe(),
    sharedState: () => {
      const inner = machine.inner;
      if (inner.state === CircuitState.CLOSED) return { state: 'closed' };
      if (inner.state !== CircuitState.OPEN) return null;
      return { state: 'open', remainingMs: Math.max(0, inner.until - clock.now()), attempt: inner.attempt };
    },
    openMs: () => machine.firstOpenMs(),
    probing: () => {
      // current() settles halfOpenMaxWait first: a trial that waited too long reopens the breaker.
      if (machine.current() !== CircuitState.HALF_OPEN) return false;
      const inner = machine.inner;
      return inner.state === CircuitState.HALF_OPEN && inner.inFlight > 0;
    },
  };
}
