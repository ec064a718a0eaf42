// The presets: one line of configuration per kind of dependency, as wrappers and as decorators.
import { cacheOperation, circuitBreaker, databaseOperation, externalService, messageQueue, Registry } from 'tripswitch';

const registry = new Registry();

for (const preset of [externalService('rates-api'), databaseOperation('users-db'), cacheOperation('sessions'), messageQueue('orders')]) {
  const { name, failureThreshold, successThreshold, recoveryTimeout } = preset;
  console.log(`${name}: failureThreshold=${failureThreshold} successThreshold=${successThreshold} recoveryTimeout=${recoveryTimeout}ms`);
}

// A cache that fails answers null (a miss), never an error.
const readCache = circuitBreaker(
  async (_key: string): Promise<string | null> => {
    throw new Error('ECONNRESET');
  },
  cacheOperation('sessions', { registry }),
);
console.log('cache read while the cache is down:', await readCache('session:42'));

// A decorated method with the external-service preset and a fallback.
class Rates {
  @circuitBreaker({ ...externalService('rates', { fallback: () => ({ EUR: 1, stale: true }) }), registry })
  async latest(): Promise<{ EUR: number; stale?: boolean }> {
    throw new Error('rates API returned 503');
  }
}
const rates = new Rates();
for (let i = 0; i < 5; i++) await rates.latest().catch(() => {});
console.log(`rates breaker is ${registry.get('rates').state}; latest() answers`, await rates.latest());
