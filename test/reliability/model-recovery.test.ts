import { describeModel } from './model-run.js';

// Model-based test of exponential backoff, halfOpenMaxWait and per-call timeouts (see model.test.ts and ./model-run.ts).
describeModel('recovery');
