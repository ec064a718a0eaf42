import type { BreakerStatus, CircuitBreaker, CircuitState, DetectorStats, Registry, StateChangeEvent, Unsubscribe } from 'tripswitch';

/** One breaker as the page draws it. Rates are per second over the last sampling interval. */
export interface BreakerView {
  readonly name: string;
  readonly state: CircuitState;
  readonly callsPerSec: number;
  readonly failuresPerSec: number;
  readonly rejectedPerSec: number;
  /** failures / (successes + failures) over the last interval, or `null` when no call was counted. */
  readonly failureRate: number | null;
  /** Milliseconds until a trial call, while open. */
  readonly retryInMs: number | null;
  readonly totals: { readonly successes: number; readonly failures: number; readonly rejected: number; readonly ignored: number };
  readonly detector: DetectorStats;
  readonly failureThreshold: number;
}

/** A transition as the page lists it; `at` is epoch ms. */
export interface TransitionView {
  readonly name: string;
  readonly from: CircuitState;
  readonly to: CircuitState;
  readonly reason: string;
  readonly at: number;
  readonly detector?: DetectorStats;
}

/** What a new client receives first: every breaker with its history, and the recent transitions. */
export interface DashboardSnapshot {
  readonly t: number;
  readonly intervalMs: number;
  readonly historySize: number;
  readonly breakers: readonly (BreakerView & { readonly history: readonly [number, number][] })[];
  readonly transitions: readonly TransitionView[];
}

/** What every client receives each interval (only breakers whose figures changed) or soon after a transition. */
export interface DashboardUpdate {
  readonly t: number;
  /** Whether this update ends a sampling interval (the page then adds a sparkline point to every breaker). */
  readonly tick: boolean;
  readonly breakers: readonly BreakerView[];
  readonly removed: readonly string[];
  readonly transitions: readonly TransitionView[];
}

/** Options of {@link Sampler}. */
export interface SamplerOptions {
  readonly intervalMs: number;
  readonly historySize: number;
  /** Shortest gap between two pushes, so a flapping breaker cannot flood the stream. */
  readonly minGapMs: number;
}

interface Tracked {
  readonly breaker: CircuitBreaker;
  readonly off: Unsubscribe;
  /** Totals at the last sample, for the rates. */
  last: BreakerStatus | undefined;
  /** The last view sent, serialised, to send a breaker only when it changed. */
  sent: string;
  /** The last view sent, whose interval rates a push between two samples keeps. */
  view: BreakerView | undefined;
  /** `[callsPerSec, failuresPerSec]` per interval, oldest first. */
  readonly history: [number, number][];
}

const RECENT_TRANSITIONS = 50;
const round = (n: number): number => Math.round(n * 100) / 100;

/**
 * Samples every breaker of a registry while someone watches, and only then: the first subscriber starts
 * one unref'd timer and the registry and `stateChange` listeners; the last one to leave stops them all
 * and drops the history. Pushes are coalesced: one per interval, plus at most one per `minGapMs` when a
 * breaker changes state, whatever the call rate.
 */
export class Sampler {
  readonly #registry: Registry;
  readonly #options: SamplerOptions;
  readonly #subscribers = new Set<(update: DashboardUpdate) => void>();
  readonly #tracked = new Map<CircuitBreaker, Tracked>();
  #recent: TransitionView[] = [];
  #pending: TransitionView[] = [];
  #removed: string[] = [];
  #stops: Unsubscribe[] = [];
  #timer: ReturnType<typeof setInterval> | undefined;
  #flushTimer: ReturnType<typeof setTimeout> | undefined;
  #lastPush = 0;
  /** Breakers that changed state or joined since the last push: all an early push needs to read. */
  readonly #dirty = new Set<Tracked>();
  #lastTick = 0;

  constructor(registry: Registry, options: SamplerOptions) {
    this.#registry = registry;
    this.#options = options;
  }

  /** Whether anyone is subscribed (and so whether any timer or listener exists). */
  get active(): boolean {
    return this.#subscribers.size > 0;
  }

  /** Starts sampling if needed; returns the snapshot a new client starts from and a function to leave. */
  subscribe(listener: (update: DashboardUpdate) => void): { snapshot: DashboardSnapshot; unsubscribe: Unsubscribe } {
    if (this.#subscribers.size === 0) this.#start();
    this.#subscribers.add(listener);
    const snapshot: DashboardSnapshot = {
      t: Date.now(),
      intervalMs: this.#options.intervalMs,
      historySize: this.#options.historySize,
      breakers: [...this.#tracked.values()].map((t) => ({ ...this.#view(t, false), history: t.history })),
      transitions: this.#recent,
    };
    return {
      snapshot,
      unsubscribe: () => {
        if (this.#subscribers.delete(listener) && this.#subscribers.size === 0) this.#stop();
      },
    };
  }

  /** Stops every timer and listener and forgets every subscriber. */
  close(): void {
    this.#subscribers.clear();
    this.#stop();
  }

  #start(): void {
    this.#stops = [this.#registry.onAdd((b) => this.#track(b, true)), this.#registry.onRemove((b) => this.#untrack(b))];
    for (const breaker of this.#registry) this.#track(breaker, false);
    this.#lastTick = Date.now();
    this.#timer = setInterval(() => this.#push(true), this.#options.intervalMs);
    unref(this.#timer);
  }

  #stop(): void {
    for (const stop of this.#stops) stop();
    this.#stops = [];
    for (const t of this.#tracked.values()) t.off();
    this.#tracked.clear();
    clearInterval(this.#timer);
    clearTimeout(this.#flushTimer);
    this.#timer = this.#flushTimer = undefined;
    this.#recent = [];
    this.#pending = [];
    this.#dirty.clear();
    this.#removed = [];
  }

  /** Follows a breaker; `announce` for one added while clients watch, which the next push then carries. */
  #track(breaker: CircuitBreaker, announce: boolean): void {
    if (this.#tracked.has(breaker)) return;
    const off = breaker.on('stateChange', (e) => this.#onTransition(tracked, e));
    const tracked: Tracked = { breaker, off, last: undefined, sent: '', view: undefined, history: [] };
    this.#tracked.set(breaker, tracked);
    tracked.last = breaker.status();
    // What a snapshot shows of it counts as sent: later pushes carry only what changes.
    if (announce) {
      this.#dirty.add(tracked);
      this.#soon();
    } else this.#remember(tracked, this.#view(tracked, false));
  }

  #untrack(breaker: CircuitBreaker): void {
    const tracked = this.#tracked.get(breaker);
    if (tracked === undefined) return;
    tracked.off();
    this.#tracked.delete(breaker);
    this.#removed.push(breaker.name);
    this.#soon();
  }

  #onTransition(tracked: Tracked, event: StateChangeEvent): void {
    this.#dirty.add(tracked);
    // `at` is converted to epoch ms from the event's own clock reading only when it is not one already.
    const at = event.at > 1e12 ? event.at : Date.now();
    const view: TransitionView = {
      name: event.name,
      from: event.from,
      to: event.to,
      reason: event.reason,
      at,
      ...(event.detector ? { detector: event.detector } : {}),
    };
    this.#pending.push(view);
    this.#recent = [view, ...this.#recent].slice(0, RECENT_TRANSITIONS);
    this.#soon();
  }

  /** Schedules one early push, no sooner than `minGapMs` after the previous one. */
  #soon(): void {
    if (this.#flushTimer !== undefined || this.#subscribers.size === 0) return;
    const wait = Math.max(0, this.#lastPush + this.#options.minGapMs - Date.now());
    this.#flushTimer = setTimeout(() => {
      this.#flushTimer = undefined;
      this.#push(false);
    }, wait);
    unref(this.#flushTimer);
  }

  #push(tick: boolean): void {
    const now = Date.now();
    const elapsedMs = Math.max(1, now - this.#lastTick);
    const breakers: BreakerView[] = [];
    for (const tracked of tick ? this.#tracked.values() : this.#dirty.values()) {
      if (!this.#tracked.has(tracked.breaker)) continue; // removed since it changed
      const view = tick ? this.#sample(tracked, elapsedMs) : this.#view(tracked, false);
      if (this.#remember(tracked, view)) breakers.push(view);
    }
    this.#dirty.clear();
    if (tick) this.#lastTick = now;
    this.#lastPush = now;
    const update: DashboardUpdate = { t: now, tick, breakers, removed: this.#removed, transitions: this.#pending };
    this.#removed = [];
    this.#pending = [];
    for (const subscriber of this.#subscribers) subscriber(update);
  }

  /** Records `view` as sent; false when it equals the last one sent. */
  #remember(tracked: Tracked, view: BreakerView): boolean {
    const text = JSON.stringify(view);
    if (text === tracked.sent) return false;
    tracked.sent = text;
    tracked.view = view;
    return true;
  }

  /** Reads a breaker at the end of an interval: rates from the totals' growth, one history point. */
  #sample(tracked: Tracked, elapsedMs: number): BreakerView {
    const view = this.#view(tracked, true, elapsedMs);
    tracked.history.push([view.callsPerSec, view.failuresPerSec]);
    if (tracked.history.length > this.#options.historySize) tracked.history.shift();
    return view;
  }

  #view(tracked: Tracked, advance: boolean, elapsedMs = 0): BreakerView {
    const s = tracked.breaker.status();
    const last = tracked.last ?? s;
    const perSec = (n: number): number => (advance ? round((n * 1000) / elapsedMs) : 0);
    const successes = s.successes - last.successes;
    const failures = s.failures - last.failures;
    if (advance) tracked.last = s;
    const previous = advance ? undefined : tracked.view;
    return {
      name: s.name,
      state: s.state,
      callsPerSec: previous?.callsPerSec ?? perSec(successes + failures + (s.ignored - last.ignored)),
      failuresPerSec: previous?.failuresPerSec ?? perSec(failures),
      rejectedPerSec: previous?.rejectedPerSec ?? perSec(s.rejected - last.rejected),
      failureRate:
        previous === undefined ? (successes + failures === 0 ? null : round(failures / (successes + failures))) : previous.failureRate,
      retryInMs: s.timeUntilRecoveryMs === null ? null : Math.round(s.timeUntilRecoveryMs),
      totals: { successes: s.successes, failures: s.failures, rejected: s.rejected, ignored: s.ignored },
      detector: s.detector,
      failureThreshold: s.failureThreshold,
    };
  }
}

/** Lets the process exit while a dashboard timer runs (Node); harmless elsewhere. */
function unref(timer: unknown): void {
  (timer as { unref?: () => void }).unref?.();
}
