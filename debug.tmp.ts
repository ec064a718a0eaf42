import { Redis } from 'ioredis';
import { CircuitBreaker } from './src/index.js';
import { RedisStateStore } from './src/redis/index.js';
import { clientKinds, waitFor } from './test/redis/helpers.js';

const fail = async () => Promise.reject(new Error('down'));
const admin = new Redis();
for (let run = 0; run < 40; run++) {
  for (const kind of clientKinds) {
    const prefix = `dbg:${process.pid}:${run}:${kind.name}:`;
    const mk = async () => {
      const c = await kind.create();
      const store = new RedisStateStore({ client: c.client, prefix, reconcileInterval: 100, commandTimeout: 300 });
      const log: string[] = [];
      store.on('error', (e) => log.push(`error ${e.message}`));
      const breaker = new CircuitBreaker('shared', {
        store,
        registry: false,
        kind: 'async',
        failureThreshold: 1,
        successThreshold: 1,
        recoveryTimeout: 100,
      });
      breaker.on('stateChange', (e) => log.push(`${(performance.now() % 100000).toFixed(1)} ${e.from}>${e.to}:${e.reason}`));
      return { c, store, breaker, log };
    };
    const [a, b] = await Promise.all([mk(), mk()]);
    await a.breaker.call(fail).catch(() => {});
    try {
      await waitFor('b open', () => b.breaker.state === 'open', 2000);
      await waitFor(
        'close',
        async () => {
          await a.breaker.call(async () => 'ok').catch(() => {});
          return b.breaker.state === 'closed';
        },
        3000,
      );
    } catch (e) {
      console.log(
        run,
        kind.name,
        String(e),
        'a:',
        a.breaker.state,
        a.log,
        'b:',
        b.breaker.state,
        b.log,
        await admin.hgetall(`${prefix}breaker:shared`),
      );
    }
    for (const x of [a, b]) {
      await x.store.close();
      x.c.close();
    }
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length) await admin.del(...keys);
  }
}
admin.disconnect();
console.log('done');
