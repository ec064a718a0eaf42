import { describe, expect, it } from 'vitest';
import { type BreakerPort, CircuitBreaker, type LocalTransition, type StateStore } from '../../src/index.js';

/** A store that records what the breaker tells it and answers probe requests only when the test says so. */
function recordingStore() {
  const told: LocalTransition[] = [];
  let probeRequests = 0;
  let port: BreakerPort | undefined;
  const store: StateStore = {
    attach(p) {
      port = p;
      return {
        transitioned: (change) => told.push(change),
        requestProbe: () => probeRequests++,
        detach: () => {},
      };
    },
  };
  return {
    store,
    told,
    probeRequests: () => probeRequests,
    port: () => {
      if (port === undefined) throw new Error('not attached');
      return port;
    },
  };
}

function setup() {
  let now = 0;
  const recorder = recordingStore();
  const breaker = new CircuitBreaker('db', {
    store: recorder.store,
    registry: false,
    clock: { now: () => now },
    failureThreshold: 1,
    successThreshold: 1,
    recoveryTimeout: 100,
  });
  const reasons: string[] = [];
  breaker.on('stateChange', (e) => reasons.push(`${e.from}>${e.to}:${e.reason}`));
  return { breaker, recorder, reasons, advance: (ms: number) => (now += ms) };
}

const fail = () => {
  throw new Error('down');
};

describe('CircuitBreaker with a StateStore', () => {
  it('tells the store each transition it makes, with the open time and attempt', () => {
    const { breaker, recorder } = setup();
    expect(() => breaker.call(fail)).toThrow('down');
    expect(recorder.told).toEqual([{ from: 'closed', to: 'open', reason: 'failure_threshold', remainingMs: 100, attempt: 1 }]);
  });

  it('keeps rejecting after the recovery timeout until the store grants the probe, asking once', () => {
    const { breaker, recorder, advance } = setup();
    expect(() => breaker.call(fail)).toThrow('down');
    advance(100);
    for (let i = 0; i < 5; i++) expect(() => breaker.call(() => 'ran')).toThrow(expect.objectContaining({ name: 'CircuitOpenError' }));
    expect(breaker.state).toBe('open');
    expect(recorder.probeRequests()).toBe(1);
    expect(recorder.port().grantProbe()).toBe(true);
    expect(breaker.state).toBe('half_open');
    expect(breaker.call(() => 'ran')).toBe('ran');
    expect(breaker.state).toBe('closed');
    expect(recorder.told.map((t) => `${t.to}:${t.reason}`)).toEqual([
      'open:failure_threshold',
      'half_open:recovery_timeout',
      'closed:trial_succeeded',
    ]);
  });

  it('asks again once a denial has given it a new open period that passed', () => {
    const { breaker, recorder, advance } = setup();
    expect(() => breaker.call(fail)).toThrow('down');
    advance(100);
    expect(() => breaker.call(() => 'ran')).toThrow(expect.objectContaining({ name: 'CircuitOpenError' }));
    recorder.port().applyRemote({ state: 'open', remainingMs: 50, attempt: 1 });
    expect(breaker.status().timeUntilRecoveryMs).toBe(50);
    advance(50);
    expect(() => breaker.call(() => 'ran')).toThrow(expect.objectContaining({ name: 'CircuitOpenError' }));
    expect(recorder.probeRequests()).toBe(2);
  });

  it('does not ask for the probe when only its state is read', () => {
    const { breaker, recorder, advance } = setup();
    expect(() => breaker.call(fail)).toThrow('down');
    advance(500);
    expect(breaker.state).toBe('open');
    expect(breaker.status().state).toBe('open');
    expect(recorder.probeRequests()).toBe(0);
  });

  it('applies a remote transition with reason remote and does not tell it back', () => {
    const { breaker, recorder, reasons } = setup();
    recorder.port().applyRemote({ state: 'open', remainingMs: 70, attempt: 2 });
    expect(breaker.state).toBe('open');
    expect(breaker.status().timeUntilRecoveryMs).toBe(70);
    recorder.port().applyRemote({ state: 'open', remainingMs: 90, attempt: 2 });
    recorder.port().applyRemote({ state: 'closed' });
    expect(reasons).toEqual(['closed>open:remote', 'open>closed:remote']);
    expect(recorder.told).toEqual([]);
  });

  it('ignores remote transitions while forced open or disabled', () => {
    const { breaker, recorder } = setup();
    breaker.trip();
    recorder.port().applyRemote({ state: 'closed' });
    expect(breaker.state).toBe('forced_open');
    breaker.disable();
    recorder.port().applyRemote({ state: 'open', remainingMs: 10, attempt: 1 });
    expect(breaker.state).toBe('disabled');
  });

  it('refuses a late grant once it is no longer open', () => {
    const { breaker, recorder, advance } = setup();
    expect(() => breaker.call(fail)).toThrow('down');
    advance(100);
    expect(() => breaker.call(() => 'ran')).toThrow(expect.objectContaining({ name: 'CircuitOpenError' }));
    recorder.port().applyRemote({ state: 'closed' });
    expect(recorder.port().grantProbe()).toBe(false);
    expect(breaker.state).toBe('closed');
  });

  it('reports its shared state and whether it is using its probe', () => {
    const { breaker, recorder, advance } = setup();
    const port = recorder.port();
    expect(port.sharedState()).toEqual({ state: 'closed' });
    expect(() => breaker.call(fail)).toThrow('down');
    advance(40);
    expect(port.sharedState()).toEqual({ state: 'open', remainingMs: 60, attempt: 1 });
    advance(60);
    expect(port.grantProbe()).toBe(true);
    expect(port.sharedState()).toBeNull();
    expect(port.probing()).toBe(false);
    const pending = breaker.call(() => new Promise(() => {}));
    expect(pending).toBeInstanceOf(Promise);
    expect(port.probing()).toBe(true);
  });

  it('is not probing once idle after a successful trial, nor past halfOpenMaxWait (which it settles)', () => {
    let now = 0;
    const recorder = recordingStore();
    const breaker = new CircuitBreaker('db', {
      store: recorder.store,
      registry: false,
      clock: { now: () => now },
      failureThreshold: 1,
      successThreshold: 3,
      recoveryTimeout: 100,
      halfOpenMaxWait: 50,
    });
    const port = recorder.port();
    expect(() => breaker.call(fail)).toThrow('down');
    now += 100;
    expect(port.grantProbe()).toBe(true);
    expect(breaker.call(() => 'ok')).toBe('ok');
    expect(port.probing()).toBe(false); // one success of three, no trial running: the lease may lapse
    void breaker.call(() => new Promise(() => {}));
    expect(port.probing()).toBe(true);
    now += 50;
    expect(port.probing()).toBe(false);
    expect(recorder.told.at(-1)).toMatchObject({ from: 'half_open', to: 'open', reason: 'trial_timed_out' });
  });
});
