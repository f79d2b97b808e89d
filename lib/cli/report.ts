/**
 * Printing inventory problems for people: one line each, errors last so they
 * stay on screen.
 */
import { formatProblem, Problem } from '../inventory/problems';

export function reportProblems(problems: readonly Problem[], stream: NodeJS.WritableStream = process.stderr): void {
  const warnings = problems.filter((p) => p.severity === 'warning');
  const errors = problems.filter((p) => p.severity === 'error');
  for (const p of [...warnings, ...errors]) stream.write(`${formatProblem(p)}\n`);
  if (errors.length > 0) {
    stream.write(`\n${errors.length} error${errors.length === 1 ? '' : 's'} in the inventory; nothing was written.\n`);
  }
}
