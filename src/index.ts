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
export type { HealthOptions, HealthReport, HealthStatus } from './health.js';
export { defaultUnhealthyStates } from './health.js';
export type { BreakerLogger } from './logger.js';
export type { CallKind, CircuitBreakerOptions, ErrorClass, Fallback } from './options.js';
export { defaults } from './options.js';
export type { CacheOperationOptions, PresetInput, PresetOptions } from './presets.js';
export { cacheOperation, databaseOperation, externalService, messageQueue, presetTimeouts } from './presets.js';
export { Registry } from './registry.js';
export { CircuitState } from './state.js';
export type { CircuitBreakerFunction, CircuitBreakerFunctionOptions } from './wrap.js';
export { circuitBreaker } from './wrap.js';
