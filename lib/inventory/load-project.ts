/**
 * A project as synth reads it, in two steps: the inventory in clusters/ into
 * the mesh model (lib/inventory/load.ts), then the committed secret files the
 * mesh names (lib/secrets/committed-secrets.ts). Every problem of both is
 * reported together; mesh and secrets are returned only when there is no error.
 */
import { resolve } from 'path';
import { Mesh } from '../model/mesh';
import { CommittedSecrets } from '../model/committed-secrets';
import { Problem, sortProblems } from '../report/problems';
import { readCommittedSecrets } from '../secrets/committed-secrets';
import { loadInventory, LoadOptions } from './load';

export interface LoadProjectOptions extends LoadOptions {
  /** Clock for the mesh CA expiry checks. @default now */
  readonly now?: Date;
}

export interface ProjectLoadResult {
  readonly mesh?: Mesh;
  readonly secrets?: CommittedSecrets;
  /** Errors and warnings, sorted by file and line. */
  readonly problems: readonly Problem[];
}

export function loadProject(inventoryDir: string, options: LoadProjectOptions = {}): ProjectLoadResult {
  const inventory = loadInventory(inventoryDir, options);
  if (!inventory.mesh) return { problems: inventory.problems };
  const projectRoot = options.projectRoot ?? options.displayRoot ?? process.cwd();
  const files = readCommittedSecrets(inventory.mesh, { projectRoot: resolve(projectRoot), now: options.now });
  const problems = sortProblems([...inventory.problems, ...files.problems]);
  if (!files.secrets || problems.some((p) => p.severity === 'error')) return { problems };
  return { mesh: inventory.mesh, secrets: files.secrets, problems };
}
