/**
 * What `npm run synth` does before `cdk8s synth` (scripts/synth.js), in a
 * small bundle of its own (.build/preflight.js: the loader without cdk8s or the
 * imports, so it loads quickly): recover an interrupted publish, then check the
 * inventory and print its errors, one line each. cdk8s-cli prints a stack trace
 * when the app exits non-zero, so a broken inventory must stop the run here,
 * before cdk8s starts; the app checks again and never writes a broken one.
 */
import { resolve } from 'path';
import { loadInventory } from '../inventory/load';
import { reportProblems } from '../inventory/problems';
import { recoverInterruptedPublish } from './publish';

export interface PreflightContext {
  readonly root: string;
  readonly env: NodeJS.ProcessEnv;
  readonly stderr: NodeJS.WritableStream;
}

/** Returns true when synth may go on. */
export function preflight({ root, env, stderr }: PreflightContext): boolean {
  recoverInterruptedPublish(resolve(root, env.MESH_OUTPUT ?? 'dist'));
  const result = loadInventory(resolve(root, env.MESH_INVENTORY ?? 'clusters'), { displayRoot: root });
  reportProblems(result.problems.filter((p) => p.severity === 'error'), stderr);
  return result.mesh !== undefined;
}
