// Heap and timer check, run by leaks.test.ts as `node --expose-gc test/reliability/heap.mjs` against the
// built package (dist/). Prints one JSON line of figures. It never calls process.exit: when the work is
// done the process must end on its own, so a timer or handle left behind would show up as a hang.
import { CircuitBreaker, circuitBreaker, Registry } from '../../dist/index.js';

if (typeof globalThis.gc !== 'function') {
  console.error('run with node --expose-gc');
  process.exitCode = 2;
} else {
  const CALLS = Number(process.env.HEAP_CALLS ?? 1_000_000);
  const BREAKERS = Number(process.env.HEAP_BREAKERS ?? 100_000);

  const heap = () => {
    for (let i = 0; i < 3; i++) globalThis.gc();
    return process.memoryUsage().heapUsed;
  };

  class Ignored extends Error {}
  const boom = new Error('down');
  const skip = new Ignored('skip');
  let now = 0;
  const clock = { now: () => now };

  // 1. One breaker, every path: success, counted failure, ignored error, rejection while open, recovery.
  const breaker = new CircuitBreaker('heap', {
    registry: false,
    clock,
    failureThreshold: 3,
    successThreshold: 2,
    halfOpenMaxCalls: 2,
    recoveryTimeout: 5,
    ignoreErrors: [Ignored],
  });
  let events = 0;
  breaker.on('stateChange', () => events++);
  breaker.on('failure', () => events++);
  // Failures come in bursts of 64 calls every 320, so the breaker keeps opening, rejecting and recovering.
  const sync = breaker.wrap((i) => {
    if ((i >> 6) % 5 === 0) throw boom;
    if (i % 11 === 5) throw skip;
    return i;
  });
  const async = breaker.wrap(async (i) => {
    if ((i >> 6) % 5 === 0) throw boom;
    return i;
  });

  const outcomes = { values: 0, errors: 0 };
  async function run(from, to) {
    for (let i = from; i < to; i++) {
      if (i % 4 === 0) now++;
      try {
        if (i % 10 === 0) await async(i);
        else sync(i);
        outcomes.values++;
      } catch {
        outcomes.errors++;
      }
    }
  }

  await run(0, 100_000); // warm-up: JIT, inline caches, the WeakMap of call sites
  const callsBefore = heap();
  const callsStarted = performance.now();
  await run(100_000, 100_000 + CALLS);
  const callsMs = performance.now() - callsStarted;
  const callsAfter = heap();
  const status = breaker.status();

  // 2. Short-lived per-key breakers: created in a registry, used, dropped with registry.delete(name).
  const registry = new Registry();
  const perKey = (i) => {
    const name = `tenant-${i}`;
    const b = registry.getOrCreate(name, { clock, failureThreshold: 1, recoveryTimeout: 5 });
    b.wrap((x) => x)(i);
    try {
      b.call(() => {
        throw boom;
      });
    } catch {}
    b.on('stateChange', () => {});
    if (!registry.delete(name)) throw new Error(`delete(${name}) returned false`);
  };
  for (let i = 0; i < 10_000; i++) perKey(i);
  const breakersBefore = heap();
  const breakersStarted = performance.now();
  for (let i = 0; i < BREAKERS; i++) perKey(i);
  // And unregistered ones that simply go out of scope.
  for (let i = 0; i < BREAKERS; i++) new CircuitBreaker(`loose-${i}`, { registry: false }).wrap((x) => x)(i);
  // And objects with a per-instance decorated method (legacy decorator form: .mjs has no decorator syntax on Node 20).
  class Client {
    get(x) {
      return x;
    }
  }
  const descriptor = Object.getOwnPropertyDescriptor(Client.prototype, 'get');
  Object.defineProperty(Client.prototype, 'get', circuitBreaker({ perInstance: true, clock })(Client.prototype, 'get', descriptor));
  for (let i = 0; i < BREAKERS; i++) new Client().get(i);
  const breakersMs = performance.now() - breakersStarted;
  const breakersAfter = heap();

  // A dropped breaker is unreachable: nothing in the registry (or a listener, or the clock) keeps it.
  let ref;
  (() => {
    const b = registry.getOrCreate('weak', { clock });
    b.on('stateChange', () => {});
    b.wrap((x) => x)(1);
    ref = new WeakRef(b);
    registry.delete('weak');
  })();
  await new Promise((resolve) => setImmediate(resolve)); // WeakRef targets are kept alive until the current job ends
  heap();
  const droppedBreakerCollected = ref.deref() === undefined;

  const resources = process.getActiveResourcesInfo();
  console.log(
    JSON.stringify({
      calls: CALLS,
      callsMs: Math.round(callsMs),
      callsHeapBefore: callsBefore,
      callsHeapAfter: callsAfter,
      outcomes,
      status: {
        state: status.state,
        successes: status.successes,
        failures: status.failures,
        rejected: status.rejected,
        ignored: status.ignored,
      },
      events,
      breakers: BREAKERS * 3,
      breakersMs: Math.round(breakersMs),
      breakersHeapBefore: breakersBefore,
      breakersHeapAfter: breakersAfter,
      registrySize: registry.size,
      droppedBreakerCollected,
      activeResources: resources,
    }),
  );
}
