/**
 * Assertions on inventory problems: a test names the problems it expects
 * (severity, file, field, line, message and fix) and every other error of the
 * run fails it, so a rule that cascades into spurious errors is caught too.
 */
import { formatProblem, Problem, Severity } from '../../lib/report/problems';

export interface ProblemMatch {
  readonly severity?: Severity;
  /** Path relative to the project root, e.g. clusters/k3scl1.yaml. */
  readonly file: string;
  /** Field path, e.g. nodes[0].ip; '' for the file (or folder) as a whole. */
  readonly field: string;
  /** The line the problem points at; null when it is about a whole file. */
  readonly line: number | null;
  readonly message: RegExp;
  readonly fix: RegExp;
}

interface HasProblems {
  readonly problems: readonly Problem[];
}

function matches(p: Problem, m: ProblemMatch): boolean {
  return (
    p.severity === (m.severity ?? 'error') &&
    p.file === m.file &&
    p.field === m.field &&
    (m.line === null ? p.line === undefined : p.line === m.line) &&
    m.message.test(p.message) &&
    m.fix.test(p.fix)
  );
}

function describeMatch(m: ProblemMatch): string {
  return `${m.severity ?? 'error'} ${m.file}${m.line === null ? '' : `:${m.line}`} field='${m.field}' message=${m.message} fix=${m.fix}`;
}

function listing(problems: readonly Problem[]): string {
  return problems.length === 0 ? '  (none)' : problems.map((p) => `  ${formatProblem(p)}  [field='${p.field}']`).join('\n');
}

/**
 * Every match is found among the problems, and every error is one of the
 * matches (warnings not matched are allowed). Returns the matched problems.
 */
export function expectProblems(result: HasProblems, expected: readonly ProblemMatch[]): Problem[] {
  const found = expected.map((m) => {
    const p = result.problems.find((q) => matches(q, m));
    if (!p) throw new Error(`expected the problem\n  ${describeMatch(m)}\nbut the run reported:\n${listing(result.problems)}`);
    return p;
  });
  const unexpected = result.problems.filter((p) => p.severity === 'error' && !expected.some((m) => matches(p, m)));
  if (unexpected.length > 0) throw new Error(`unexpected errors besides the expected ones:\n${listing(unexpected)}\nall problems:\n${listing(result.problems)}`);
  for (const p of found) {
    // The printed form names the file, the line and the field, and says what to do.
    const text = formatProblem(p);
    expect(text).toContain(p.line === undefined ? p.file : `${p.file}:${p.line}`);
    if (p.field !== '') expect(text).toContain(` ${p.field}:`);
    expect(text).toMatch(/\. Fix: \S/);
    expect(p.fix.trim().length).toBeGreaterThan(5);
  }
  return found;
}

/** Exactly one expected problem, and no other error. */
export function expectProblem(result: HasProblems, expected: ProblemMatch): Problem {
  return expectProblems(result, [expected])[0];
}

/** No error at all (warnings allowed); shows the errors otherwise. */
export function expectNoErrors(result: HasProblems): void {
  const errors = result.problems.filter((p) => p.severity === 'error');
  if (errors.length > 0) throw new Error(`expected no errors, got:\n${listing(errors)}`);
}

/** 1-based number of the first line of `text` matching `needle` (a substring or a pattern). */
export function lineOf(text: string, needle: string | RegExp, occurrence = 1): number {
  const lines = text.split('\n');
  let seen = 0;
  for (let i = 0; i < lines.length; i++) {
    const hit = typeof needle === 'string' ? lines[i].includes(needle) : needle.test(lines[i]);
    if (hit && ++seen === occurrence) return i + 1;
  }
  throw new Error(`no line matching ${String(needle)} (occurrence ${occurrence}) in:\n${text}`);
}

/** Like lineOf, for the first match after the line matching `anchor` (e.g. a key inside helmValues). */
export function lineOfAfter(text: string, anchor: string | RegExp, needle: string | RegExp): number {
  const start = lineOf(text, anchor);
  const rest = text.split('\n').slice(start).join('\n');
  return start + lineOf(rest, needle);
}
