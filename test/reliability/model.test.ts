import { describeModel } from './model-run.js';

/*
 * Model-based test, core family: random histories of calls, settlements in random order, clock
 * advances, manual transitions, snapshots and restores run against the real breaker and the reference
 * model (./model.ts); every answer, every stateChange event and the status figures must agree.
 * The other families: model-detectors.test.ts, model-recovery.test.ts. How to replay: ./model-run.ts.
 *
 * Extending: a new state-machine rule goes into BreakerModel (its option into ModelConfig and the family
 * arbitraries in ./model-run.ts); a new kind of step is one more command class in ./model-commands.ts.
 */
describeModel('core');
