import { ConsecutiveBreaker, circuitBreaker as cockatielBreaker, handleAll } from 'cockatiel';
import Opossum from 'opossum';
import { CircuitBreaker } from 'tripswitch';
import { MinimalBreaker } from './minimal.js';

/** Bytes retained per idle breaker, and timers left armed by creating them. */
export interface MemoryResult {
  readonly subject: string;
  readonly bytesPerBreaker: number;
  /** Timers (`Timeout` resources) the breakers keep armed while idle. */
  readonly timers: number;
}

interface MemoryCase {
  readonly subject: string;
  readonly create: () => unknown;
  readonly dispose?: (breaker: unknown) => void;
}

const action = async (): Promise<number> => 1;

const memoryCases: readonly MemoryCase[] = [
  { subject: 'minimal breaker', create: () => new MinimalBreaker() },
  // One name for all: the name string is the caller's, not the breaker's cost.
  { subject: 'tripswitch', create: () => new CircuitBreaker('idle', { registry: false }) },
  {
    subject: 'cockatiel',
    create: () => cockatielBreaker(handleAll, { halfOpenAfter: 60_000, breaker: new ConsecutiveBreaker(5) }),
  },
  { subject: 'opossum', create: () => new Opossum(action), dispose: (b) => (b as Opossum).shutdown() },
];

function collect(gc: () => void): number {
  for (let i = 0; i < 4; i++) gc();
  return process.memoryUsage().heapUsed;
}

function timers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

/** Creates `count` idle breakers of each kind, forces GC, and divides the heap growth by `count`. */
export function measureMemory(gc: () => void, count: number): MemoryResult[] {
  return memoryCases.map(({ subject, create, dispose }) => {
    const held: unknown[] = new Array(count);
    const timersBefore = timers();
    const before = collect(gc);
    for (let i = 0; i < count; i++) held[i] = create();
    const after = collect(gc);
    const armed = timers() - timersBefore;
    if (dispose !== undefined) for (const breaker of held) dispose(breaker);
    return { subject, bytesPerBreaker: (after - before) / count, timers: armed };
  });
}
