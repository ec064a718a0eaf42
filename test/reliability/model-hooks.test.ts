import { describeModel } from './model-run.js';

// Model-based test with re-entrant listeners, a recording store and throwing hooks (see model.test.ts and ./model-run.ts).
describeModel('hooks');
