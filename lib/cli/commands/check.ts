import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { sayWaiting, withProjectLockSync } from '../../fs/project-lock';
import { compareTrees } from '../../synth/compare-trees';
import { synthMesh } from '../../synth/synth-mesh';
import { CommandContext, MeshCommand } from '../command';
import { reportProblems } from '../../report/problems';

export const checkCommand: MeshCommand = {
  words: ['check'],
  summary: 'synthesise into a temporary folder and compare with dist/; exit 1 and list the files that differ when dist/ is stale',
  run(_args, context) {
    // No synth may change dist/, nor a command the inventory, while they are compared.
    const { root, env, stderr } = context;
    return withProjectLockSync(resolve(root, env.MESH_OUTPUT ?? 'dist'), { command: 'check', env, onWait: sayWaiting(stderr, 'dist/') }, () => check(context));
  },
};

function check({ root, env, stdout, stderr }: CommandContext): number {
  const drift = distDrift(root, env, stderr);
  if (drift === undefined) return 1;
  if (drift.diffs.length === 0) {
    stdout.write(`dist/ is up to date (${drift.files} files)\n`);
    return 0;
  }
  stderr.write(`dist/ is out of date with the inventory; run 'npm run synth' and commit the result:\n`);
  for (const d of drift.diffs) stderr.write(`  ${d.change.padEnd(7)} ${d.path}\n`);
  return 1;
}

/**
 * What a synth would change in dist/ (synthesised into a temporary folder and compared);
 * undefined when the inventory does not synthesise (its problems are written to `problems`).
 * Run holding the project lock.
 */
export function distDrift(root: string, env: NodeJS.ProcessEnv, problems: NodeJS.WritableStream, options: { readonly warnings?: boolean } = {}): { files: number; diffs: ReturnType<typeof compareTrees> } | undefined {
  const scratch = mkdtempSync(join(tmpdir(), 'mesh-check-'));
  try {
    const fresh = join(scratch, 'dist');
    const result = synthMesh({ root, inventoryDir: env.MESH_INVENTORY, outDir: fresh });
    reportProblems(options.warnings === false ? result.problems.filter((p) => p.severity === 'error') : result.problems, problems);
    if (!result.ok) return undefined;
    return { files: result.files, diffs: compareTrees(fresh, resolve(root, env.MESH_OUTPUT ?? 'dist')) };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
