/**
 * Tests that need something this machine may lack (upstream data, a tool) say so here, once:
 * the run's summary reporter (summary-reporter.js) lists every missing thing with the command
 * that brings it, after all suites, instead of a message per suite. Under CI=true nothing is
 * skipped: what is missing fails the run (but see WITHOUT_SHARED_ENV).
 */
import { appendFileSync } from 'fs';

/** Something tests need: what it is, and the one command (or step) that brings it. */
export interface Requirement {
  readonly what: string;
  /** Which one of `what`, when several share what and fix (a file of the upstream test data). */
  readonly item?: string;
  readonly fix: string;
  /** Made in ../shared itself, fetchable from nowhere (test/support/upstream-data.json, onlyInShared). */
  readonly onlyInShared?: boolean;
}

/**
 * Set (to "true") by a CI run without ../shared: suites that need files only ../shared has are
 * skipped and listed there too; everything else a command can bring must still be present.
 */
export const WITHOUT_SHARED_ENV = 'MESH_CI_WITHOUT_SHARED';

/** Whether a run must fail rather than skip for `missing`. */
function mustRun(missing: readonly Requirement[]): boolean {
  if (process.env.CI !== 'true') return false;
  return !(process.env[WITHOUT_SHARED_ENV] === 'true' && missing.every((m) => m.onlyInShared));
}

/** The file the summary reporter collects skip records from (set by it for the run). */
export const SKIP_LOG_ENV = 'MESH_TEST_SKIP_LOG';

function testPath(): string | undefined {
  try {
    return expect.getState().testPath ?? undefined;
  } catch {
    return undefined;
  }
}

/** Records that `suite` is skipped for `missing`, for the run's summary. */
export function recordSkip(suite: string, missing: readonly Requirement[]): void {
  const log = process.env[SKIP_LOG_ENV];
  const records = missing.map((m) => ({ suite, testPath: testPath(), what: m.what, item: m.item, fix: m.fix }));
  if (log) {
    appendFileSync(log, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
    return;
  }
  // A run without the summary reporter (a custom --reporters): say it here.
  // eslint-disable-next-line no-console
  console.warn(records.map((r) => `skipped "${suite}": needs ${r.what}${r.item ? ` (${r.item})` : ''}; ${r.fix}`).join('\n'));
}

function failureMessage(missing: readonly Requirement[]): string {
  return missing.map((m) => `missing ${m.what}${m.item ? ` (${m.item})` : ''}; fix: ${m.fix}`).join('\n');
}

/**
 * `describe` for tests that need `missing` to be empty: else the suite is skipped and recorded
 * for the summary, or under CI=true replaced by one failing test naming what is missing.
 */
export function describeNeeding(name: string, missing: readonly Requirement[], fn: () => void): void {
  if (missing.length === 0) {
    describe(name, fn);
  } else if (mustRun(missing)) {
    describe(name, () => {
      it('has what it needs', () => {
        throw new Error(failureMessage(missing));
      });
    });
  } else {
    recordSkip(name, missing);
    describe.skip(name, () => {
      // A body that reads what is missing while it registers its tests (test.each over a
      // file's content) cannot register them: it stands skipped as one.
      try {
        fn();
      } catch {
        it.skip(`(its tests are listed from ${missing.map((m) => m.item ?? m.what).join(', ')})`, () => undefined);
      }
    });
  }
}

/**
 * `it` for the tests described by `label`, or `it.skip` recorded (once) for the summary when
 * `missing` is not empty; under CI=true always `it`, so that what is missing fails them.
 */
export function itNeeding(label: string, missing: readonly Requirement[]): jest.It {
  if (missing.length === 0 || mustRun(missing)) return it;
  recordSkip(label, missing);
  return it.skip;
}

/** A command on PATH, as a requirement, unless `available`. */
export function toolRequirement(available: boolean, what: string, fix: string): Requirement[] {
  return available ? [] : [{ what, fix }];
}
