export type { Backoff, ExponentialBackoffOptions, JitterOptions } from './backoff.js';
export { constantBackoff, exponentialBackoff, withJitter } from './backoff.js';
export { CircuitBreaker } from './breaker.js';
export type { Clock } from './clock.js';
export { monotonicClock } from './clock.js';
export type { AnyMethodFallback, CircuitBreakerDecorator, CircuitBreakerDecoratorOptions, MethodFallback } from './decorators.js';
export type { CombinedOptions } from './detectors/combined.js';
export { CombinedDetector } from './detectors/combined.js';
export type { ConsecutiveFailuresOptions } from './detectors/consecutive.js';
export { ConsecutiveFailuresDetector } from './detectors/consecutive.js';
export type { CountWindowOptions } from './detectors/count-window.js';
export { CountWindowDetector } from './detectors/count-window.js';
export type { DetectorContext, DetectorFactory, DetectorName } from './detectors/create.js';
export type { DetectorSnapshot, DetectorStats, FailureDetector, TripReason } from './detectors/detector.js';
export type { RateOptions } from './detectors/rate.js';
export type { RateWindowOptions } from './detectors/rate-window.js';
export { RateWindowDetector } from './detectors/rate-window.js';
export type { SlowCallOptions } from './detectors/slow-calls.js';
export { SlowCallDetector } from './detectors/slow-calls.js';
export type { TimeWindowOptions } from './detectors/time-window.js';
export { TimeWindowDetector } from './detectors/time-window.js';
export type { CircuitOpenErrorFields } from './errors.js';
export {
  CallTimeoutError,
  CircuitBreakerError,
  CircuitOpenError,
  ErrorCode,
  isCallTimeoutError,
  isCircuitBreakerError,
  isCircuitOpenError,
} from './errors.js';
export type {
  BreakerEvents,
  FailureEvent,
  FallbackEvent,
  IgnoredEvent,
  Listener,
  ListenerErrorEvent,
  RejectedEvent,
  StateChangeEvent,
  SuccessEvent,
  TransitionReason,
  Unsubscribe,
} from './events.js';
export type { HealthOptions, HealthReport, HealthStatus } from './health.js';
export { defaultUnhealthyStates } from './health.js';
export type { KeyedBreakers, KeyedCircuitBreakerFunction, KeyedCircuitBreakerOptions, KeyedStatus } from './keyed.js';
export { keyedCircuitBreaker } from './keyed.js';
export type { BreakerLogger, TransitionLogFields } from './logger.js';
export type { CallKind, CircuitBreakerOptions, ErrorClass, Fallback } from './options.js';
export { defaults } from './options.js';
export type { Permit } from './permit.js';
export type { CacheOperationOptions, PresetInput, PresetOptions } from './presets.js';
export { cacheOperation, databaseOperation, externalService, messageQueue, presetTimeouts } from './presets.js';
export type { RegistryOptions } from './registry.js';
export { Registry } from './registry.js';
export type { BreakerSnapshot } from './snapshot.js';
export { CircuitState } from './state.js';
export type { BreakerStatus } from './status.js';
export type { MemoryStateStoreOptions } from './storage/memory-store.js';
export { MemoryStateStore } from './storage/memory-store.js';
export type { SharedCountingOptions } from './storage/shared-counting.js';
export type { BreakerPort, LocalTransition, SharedState, StateStore, StoreLink } from './storage/state-store.js';
export type { CircuitBreakerFunction, CircuitBreakerFunctionOptions } from './wrap.js';
export { circuitBreaker } from './wrap.js';
