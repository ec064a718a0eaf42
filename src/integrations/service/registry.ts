import type { CircuitState } from 'tripswitch';
import type { HealthCheckResult } from './health-check.js';
import type { ServiceClient } from './service.js';

/** What the registry needs from a service. */
export interface RegisteredService {
  readonly name: string;
  health(): ServiceHealth;
  close(): void;
}

/** Health of one service: its breaker's state and its last health check. */
export interface ServiceHealth {
  readonly name: string;
  readonly state: CircuitState;
  /** The breaker lets calls through (closed or disabled) and the last health check, if any, passed. */
  readonly healthy: boolean;
  /** The last active health check, or `null` without one (or before the first ends). */
  readonly lastCheck: HealthCheckResult | null;
}

/** Health of every service of a {@link ServiceRegistry}. */
export interface ServicesHealth {
  readonly status: 'healthy' | 'degraded';
  readonly services: Record<string, ServiceHealth>;
  /** Names of the services that are not healthy. */
  readonly unhealthy: string[];
}

/**
 * Service clients by name: the guide's `register_service` / `get_service` / `get_all_services_health`.
 * `createService({ registry })` registers a service; `service.close()` removes it.
 * @example
 * const services = new ServiceRegistry();
 * createService({ name: 'users', baseUrl: 'https://users.internal', registry: services });
 * services.get('users'); // the client
 * services.get('nope');  // undefined
 * services.health();     // { status, services: { users: { state, healthy, lastCheck } }, unhealthy }
 */
export class ServiceRegistry<S extends RegisteredService = ServiceClient> {
  readonly #services = new Map<string, S>();

  /** Number of services. */
  get size(): number {
    return this.#services.size;
  }

  /**
   * Adds a service under its name.
   * @throws {Error} when another service has that name.
   */
  register(service: S): void {
    const existing = this.#services.get(service.name);
    if (existing !== undefined && existing !== service) {
      throw new Error(`A service named "${service.name}" is already registered; close it first or pick another name`);
    }
    this.#services.set(service.name, service);
  }

  /** The service registered under `name`, or `undefined` for an unknown name. */
  get(name: string): S | undefined {
    return this.#services.get(name);
  }

  /** Whether a service is registered under `name`. */
  has(name: string): boolean {
    return this.#services.has(name);
  }

  /** Removes `service` (only that instance) from the registry; `false` when it was not there. */
  unregister(service: S): boolean {
    if (this.#services.get(service.name) !== service) return false;
    return this.#services.delete(service.name);
  }

  /** Every name, in registration order. */
  names(): string[] {
    return [...this.#services.keys()];
  }

  /** Every service's breaker state and last health check; `degraded` when any is not healthy. */
  health(): ServicesHealth {
    const services: Record<string, ServiceHealth> = {};
    const unhealthy: string[] = [];
    for (const [name, service] of this.#services) {
      const health = service.health();
      services[name] = health;
      if (!health.healthy) unhealthy.push(name);
    }
    return { status: unhealthy.length === 0 ? 'healthy' : 'degraded', services, unhealthy };
  }

  /** Closes every service (stops their health checks) and empties the registry. */
  close(): void {
    for (const service of [...this.#services.values()]) service.close();
    this.#services.clear();
  }

  [Symbol.iterator](): IterableIterator<S> {
    return this.#services.values();
  }
}
