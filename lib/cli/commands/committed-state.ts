/**
 * Whether the last step of a CA rotation is committed and synthesised: the
 * inventory, the CA files and dist/ have no change git has not committed, and
 * dist/ is what a synth of the committed inventory gives. A rotation phase
 * reaches the clusters only through such a commit, so the next phase waits for it.
 */
import { execFileSync } from 'child_process';
import { dirname, relative, resolve } from 'path';
import { UsageError } from '../command';
import { distDrift } from './check';

export interface CommittedStateOptions {
  readonly root: string;
  readonly env: NodeJS.ProcessEnv;
  /** secrets.caFile, relative to the root: its folder holds every CA file. */
  readonly caFile: string;
  /** Receives the inventory's problems when it does not synthesise. */
  readonly problems: NodeJS.WritableStream;
  /** What is about to start, for the messages, e.g. "phase issue-new". */
  readonly next: string;
}

/** Throws a UsageError naming what is not committed or not synthesised; returns when everything is. */
export function requireCommittedAndSynthesised(options: CommittedStateOptions): void {
  const { root, env, next } = options;
  const folders = [env.MESH_INVENTORY ?? 'clusters', dirname(options.caFile), env.MESH_OUTPUT ?? 'dist'].map((f) => relative(root, resolve(root, f)) || '.');
  let status: string;
  try {
    execFileSync('git', ['-C', root, 'rev-parse', '--verify', '--quiet', 'HEAD'], { stdio: 'ignore' });
    status = execFileSync('git', ['-C', root, 'status', '--porcelain', '--untracked-files=all', '--', ...folders], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch {
    throw new UsageError(
      `${next} must wait until the previous phase is committed, and ${root} is not a git repository with a commit (or git is not installed)`,
      "keep the project in git and commit each phase: a phase reaches the clusters through its commit; to replace the CA in one step regardless, 'npm run mesh -- ca rotate --one-step --yes'",
    );
  }
  const changed = status.split('\n').filter((l) => l.trim() !== '');
  if (changed.length > 0) {
    throw new UsageError(
      `${next} must wait until the previous step is committed, and git has changes not committed in ${folders.join(', ')}: ${changed.slice(0, 10).map((l) => l.slice(3)).join(', ')}${changed.length > 10 ? `, and ${changed.length - 10} more` : ''}`,
      "run 'npm run synth', commit clusters/, secrets/ and dist/ together, let every cluster sync that commit, then run this again",
    );
  }
  // Synth's warnings are synth's to print; only what stops the phase is said here.
  const drift = distDrift(root, env, options.problems, { warnings: false });
  if (drift === undefined) throw new UsageError(`${next} needs an inventory that synthesises`, 'fix the problems listed above, synth and commit, then run this again');
  if (drift.diffs.length > 0) {
    throw new UsageError(
      `${next} must wait until the previous step is synthesised, and dist/ is out of date with the committed inventory (${drift.diffs.slice(0, 10).map((d) => d.path).join(', ')}${drift.diffs.length > 10 ? ', …' : ''})`,
      "run 'npm run synth', commit dist/, let every cluster sync that commit, then run this again",
    );
  }
}
