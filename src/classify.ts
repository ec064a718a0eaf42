import type { ErrorClass } from './options.js';

/** The options that decide whether a thrown value counts as a failure. */
export interface ClassifierOptions {
  readonly ignoreErrors: readonly ErrorClass[] | undefined;
  readonly recordErrors: readonly ErrorClass[] | undefined;
  readonly isFailure: ((error: unknown) => boolean) | undefined;
}

/** Where errors thrown by user code while deciding go (the breaker's emitter). */
export interface Reporter {
  report(source: string, error: unknown): void;
}

// Shared by every breaker without a rule, so an idle breaker carries no closure for it.
const countsEverything = (): boolean => true;

/**
 * Builds the rule that says whether a thrown value counts as a failure: `ignoreErrors` wins, then
 * `recordErrors` (when set, only those count), then `isFailure` (only an explicit `false` ignores).
 * User code that throws while deciding (a predicate, a hostile `instanceof`) is passed to `report`, and
 * the value then counts: an error is never turned into a success by a bug in the rule.
 */
export function createErrorClassifier(options: ClassifierOptions, reporter: Reporter): (error: unknown) => boolean {
  const { ignoreErrors, recordErrors, isFailure } = options;
  if (ignoreErrors === undefined && recordErrors === undefined && isFailure === undefined) return countsEverything;
  const report = (source: string, error: unknown): void => reporter.report(source, error);
  const isInstance = (source: string, classes: readonly ErrorClass[], error: unknown): boolean | undefined => {
    try {
      return classes.some((c) => error instanceof c);
    } catch (classificationError) {
      report(source, classificationError);
      return undefined;
    }
  };
  return (error) => {
    if (ignoreErrors !== undefined && isInstance('ignoreErrors', ignoreErrors, error) === true) return false;
    if (recordErrors !== undefined && isInstance('recordErrors', recordErrors, error) === false) return false;
    if (isFailure === undefined) return true;
    try {
      return isFailure(error) !== false;
    } catch (predicateError) {
      report('isFailure', predicateError);
      return true;
    }
  };
}
