export type { ServiceResponseErrorFields } from './errors.js';
export { isServiceResponseError, SERVICE_RESPONSE_ERROR, ServiceResponseError } from './errors.js';
export type { HealthCheckOptions, HealthCheckResult } from './health-check.js';
export type { AnswerContext, ReadableResponse } from './json.js';
export { readAnswer } from './json.js';
export type { RegisteredService, ServiceHealth, ServicesHealth } from './registry.js';
export { ServiceRegistry } from './registry.js';
export type { ServiceCallOptions, ServiceOptions, ServiceRequestOptions } from './service.js';
export { createService, ServiceClient } from './service.js';
