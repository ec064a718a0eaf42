export type { DashboardActionFields, DashboardHandler, DashboardLogger, DashboardOptions } from './handler.js';
export { dashboard } from './handler.js';
export type { BreakerView, DashboardSnapshot, DashboardUpdate, TransitionView } from './sampler.js';
