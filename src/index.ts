export type { BreakerStatus } from './breaker.js';
export { CircuitBreaker } from './breaker.js';
export type { Clock } from './clock.js';
export { monotonicClock } from './clock.js';
export type { CircuitBreakerDecorator, CircuitBreakerDecoratorOptions } from './decorators.js';
export type { ConsecutiveFailuresOptions } from './detectors/consecutive.js';
export { ConsecutiveFailuresDetector } from './detectors/consecutive.js';
export type { DetectorSnapshot, DetectorStats, FailureDetector } from './detectors/detector.js';
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
export type { CallKind, CircuitBreakerOptions, ErrorClass, Fallback } from './options.js';
export { defaults } from './options.js';
export { Registry } from './registry.js';
export { CircuitState } from './state.js';
export type { MemoryStateStoreOptions } from './storage/memory-store.js';
export { MemoryStateStore } from './storage/memory-store.js';
export type { BreakerPort, LocalTransition, SharedState, StateStore, StoreLink } from './storage/state-store.js';
export type { CircuitBreakerFunction, CircuitBreakerFunctionOptions } from './wrap.js';
export { circuitBreaker } from './wrap.js';
