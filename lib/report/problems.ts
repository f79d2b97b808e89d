/**
 * Inventory problems: each names the file, the field, the line where the parser
 * knows it, what is wrong and what to do. They are collected, never thrown one by
 * one, so a user sees every problem of a run at once.
 */

import { redactSecrets } from './redact';

export type Severity = 'error' | 'warning';

export interface Problem {
  readonly severity: Severity;
  /** Inventory file, relative to the project root (e.g. clusters/k3scl1.yaml). */
  readonly file: string;
  /** Field path inside the file (e.g. nodes[0].ip); empty for the file as a whole. */
  readonly field: string;
  readonly line?: number;
  /** What is wrong, as a sentence fragment about the field. */
  readonly message: string;
  /** What to do about it. */
  readonly fix: string;
}

export function formatProblem(problem: Problem): string {
  const where = problem.line === undefined ? problem.file : `${problem.file}:${problem.line}`;
  const field = problem.field === '' ? '' : ` ${problem.field}:`;
  // The only way problems reach people: nothing that looks like key material passes.
  return redactSecrets(`${problem.severity}: ${where}${field} ${problem.message}. Fix: ${problem.fix}`);
}

/** Sorts by file, then line, so the report reads top to bottom. */
export function sortProblems(problems: readonly Problem[]): Problem[] {
  return [...problems].sort(
    (a, b) =>
      a.file.localeCompare(b.file) ||
      (a.line ?? 0) - (b.line ?? 0) ||
      a.field.localeCompare(b.field) ||
      a.message.localeCompare(b.message),
  );
}

/** Thrown by the loader when the inventory has errors; carries all of them. */
export class InventoryError extends Error {
  constructor(public readonly problems: readonly Problem[]) {
    const errors = problems.filter((p) => p.severity === 'error');
    super(`the inventory has ${errors.length} error${errors.length === 1 ? '' : 's'}:\n` + errors.map(formatProblem).join('\n'));
    this.name = 'InventoryError';
  }
}

/** A field path as the user reads it: `nodes[0].ip`. */
export function formatFieldPath(path: readonly (string | number)[]): string {
  let text = '';
  for (const step of path) {
    if (typeof step === 'number') text += `[${step}]`;
    else text += text === '' ? step : `.${step}`;
  }
  return text;
}

/** Prints problems for people: one line each, errors last so they stay on screen. */
export function reportProblems(problems: readonly Problem[], stream: NodeJS.WritableStream = process.stderr): void {
  const warnings = problems.filter((p) => p.severity === 'warning');
  const errors = problems.filter((p) => p.severity === 'error');
  for (const p of [...warnings, ...errors]) stream.write(`${formatProblem(p)}\n`);
  if (errors.length > 0) {
    stream.write(`\n${errors.length} error${errors.length === 1 ? '' : 's'} in the inventory; nothing was written.\n`);
  }
}
