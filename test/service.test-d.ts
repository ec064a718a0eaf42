import { describe, expectTypeOf, it } from 'vitest';
import { ConsecutiveFailuresDetector, externalService } from '../src/index.js';
import { createFetch } from '../src/integrations/fetch.js';
import { createService, type ServiceClient, ServiceRegistry } from '../src/integrations/service/index.js';

describe('createService types', () => {
  const users = createService({ name: 'users', baseUrl: 'http://users.test', breaker: externalService('users') });

  it('types the JSON helpers by their type argument', () => {
    expectTypeOf(users.get<{ id: string }>('users/1')).toEqualTypeOf<Promise<{ id: string }>>();
    expectTypeOf(users.post('users', { name: 'Ada' })).toEqualTypeOf<Promise<unknown>>();
    expectTypeOf(users.request('GET', 'users/1')).toEqualTypeOf<Promise<Response>>();
  });

  it('types the per-call options', () => {
    users.get('users', { query: { page: 2, active: true }, timeout: 1_000, retry: false });
    // @ts-expect-error a query value is a string, number, boolean, null or undefined
    users.get('users', { query: { page: [1, 2] } });
    // @ts-expect-error unknown per-call option
    users.get('users', { retries: 3 });
  });

  it('gives the registry clients back, or undefined', () => {
    const services = new ServiceRegistry();
    expectTypeOf(services.get('users')).toEqualTypeOf<ServiceClient | undefined>();
  });

  it('refuses a detector instance for per-host breakers', () => {
    // @ts-expect-error every host would share one instance: pass a factory
    createFetch({ breaker: { detector: new ConsecutiveFailuresDetector({ failureThreshold: 3 }) } });
    createFetch({ breaker: { detector: () => new ConsecutiveFailuresDetector({ failureThreshold: 3 }) } });
  });
});
