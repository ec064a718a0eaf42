import type { CircuitBreaker, Registry } from 'tripswitch';

/**
 * The per-host breakers of one fetch wrapper, at most `maxHosts` of them. A host used again moves to
 * the back of the line; adding one past the bound evicts the host used least recently: its breaker is
 * disposed (leaving its store) and deleted from its registry, so health reports and metrics forget it.
 * A host seen again later starts with a fresh breaker.
 */
export class HostPool {
  readonly #breakers = new Map<string, CircuitBreaker>();
  readonly #maxHosts: number;
  readonly #create: (host: string) => CircuitBreaker;
  readonly #registry: Registry | false;

  constructor(maxHosts: number, registry: Registry | false, create: (host: string) => CircuitBreaker) {
    this.#maxHosts = maxHosts;
    this.#registry = registry;
    this.#create = create;
  }

  /** The live map, oldest use first. */
  get breakers(): ReadonlyMap<string, CircuitBreaker> {
    return this.#breakers;
  }

  /** The breaker of `host`, created on first use; marks the host as the most recently used. */
  get(host: string): CircuitBreaker {
    const breakers = this.#breakers;
    let breaker = breakers.get(host);
    if (breaker !== undefined) {
      // Map keeps insertion order: delete and set move the host to the back, the most recent end.
      if (breakers.size > 1) {
        breakers.delete(host);
        breakers.set(host, breaker);
      }
      return breaker;
    }
    breaker = this.#create(host);
    breakers.set(host, breaker);
    while (breakers.size > this.#maxHosts) {
      const oldest = breakers.keys().next().value as string;
      this.evict(oldest);
    }
    return breaker;
  }

  /** Drops the breaker of `host` (see the class comment); `false` when there is none. */
  evict(host: string): boolean {
    const breaker = this.#breakers.get(host);
    if (breaker === undefined) return false;
    this.#breakers.delete(host);
    if (this.#registry !== false && this.#registry.find(breaker.name) === breaker) this.#registry.delete(breaker.name);
    breaker.dispose();
    return true;
  }
}
