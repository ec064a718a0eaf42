import { describeModel } from './model-run.js';

// Model-based test with the countWindow and slowCalls detectors (see model.test.ts and ./model-run.ts).
describeModel('detectors');
