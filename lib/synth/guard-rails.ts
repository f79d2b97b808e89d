/**
 * Guard rails against the base revision: a change that breaks a running mesh
 * (renaming a cluster, a new cluster id or pod range, another routing or
 * encryption mode: lib/cilium/disruptive-settings.ts) is refused unless the
 * operator allows it by name, and the refusal says what breaks.
 *
 * "Running" means: the cluster has a folder in the base revision's committed
 * dist/ (what the clusters' GitOps engines apply), default HEAD's. Its Cilium
 * values there are compared with the values the working tree's inventory
 * renders. A project outside git, or a repository without commits, has nothing
 * running yet, so there is nothing to guard.
 */
import { readdirSync, readFileSync } from 'fs';
import { join, relative, resolve } from 'path';
import { CLUSTER_RENAME, changedSettings, describeSetting, DISRUPTIVE_SETTINGS, DisruptiveSetting, helmChartValues, valueAt } from '../cilium/disruptive-settings';
import { ciliumHelmValues, HelmValues } from '../cilium/helm-values';
import { GitRevisionError, hasCommits, readRevisionFolder } from '../fs/git-revision';
import { CommittedSecrets } from '../model/committed-secrets';
import { Mesh } from '../model/mesh';
import { manifestFile } from '../output/files';
import { CILIUM_STAGE } from '../output/stages';
import { Problem } from '../report/problems';
import { parseAllDocuments } from 'yaml';

/** Environment variables of `npm run synth` (which passes no options of its own to the app). */
export const ALLOW_DISRUPTIVE_ENV = 'MESH_ALLOW_DISRUPTIVE';
export const BASE_REVISION_ENV = 'MESH_BASE';

/** Every word --allow-disruptive / MESH_ALLOW_DISRUPTIVE takes. */
export const DISRUPTIVE_KEYS: readonly string[] = [CLUSTER_RENAME.key, ...DISRUPTIVE_SETTINGS.map((s) => s.key)];

export interface GuardRailOptions {
  /** Project root (the git work tree, or a folder in it). */
  readonly root: string;
  /** The inventory folder, for the mesh file mesh-wide settings point at. @default <root>/clusters */
  readonly inventoryDir?: string;
  /** The output folder, relative to root, as committed. @default 'dist' */
  readonly outDir?: string;
  /** Revision whose dist/ says what runs. @default 'HEAD' (skipped when there is no commit) */
  readonly base?: string;
  /** Changes allowed by key (DISRUPTIVE_KEYS). @default none */
  readonly allow?: readonly string[];
  /** How the operator allows a key, for the fix. @default the MESH_ALLOW_DISRUPTIVE environment variable */
  readonly howToAllow?: (key: string) => string;
}

/** The path of a cluster's Cilium HelmChart in dist/. */
export function helmChartPath(cluster: string): string {
  return `${cluster}/${CILIUM_STAGE.folder}/${manifestFile('cilium-helm-chart')}`;
}

/** Cilium values of each cluster with a HelmChart in a dist/ tree (path -> text), by cluster name. */
export function runningClusters(files: ReadonlyMap<string, string>): Map<string, HelmValues> {
  const running = new Map<string, HelmValues>();
  for (const [path, text] of files) {
    const cluster = path.split('/')[0];
    if (path !== helmChartPath(cluster)) continue;
    const chart = parseAllDocuments(text)
      .map((d) => d.toJS() as unknown)
      .find((o) => (o as { kind?: string } | null)?.kind === 'HelmChart');
    if (chart) running.set(cluster, helmChartValues(chart));
  }
  return running;
}

export function guardRailProblems(mesh: Mesh, secrets: CommittedSecrets, options: GuardRailOptions): Problem[] {
  const root = options.root;
  const outDir = options.outDir ?? 'dist';
  const unknown = unknownKeys(options.allow ?? []);
  if (unknown.length > 0) {
    return unknown.map((key) => ({
      severity: 'error' as const,
      file: ALLOW_DISRUPTIVE_ENV,
      field: '',
      message: `names '${key}', which is no change it can allow`,
      fix: `use one of ${DISRUPTIVE_KEYS.join(', ')}`,
    }));
  }
  if (options.base === undefined && !hasCommits(root)) return [];
  const base = options.base ?? 'HEAD';
  let files: ReadonlyMap<string, string>;
  try {
    files = readRevisionFolder(root, base, relative(root, resolve(root, outDir)) || '.', (path) => path === helmChartPath(path.split('/')[0])).files;
  } catch (err) {
    if (!(err instanceof GitRevisionError)) throw err;
    return [{ severity: 'error', file: outDir, field: '', message: `cannot be compared with the base revision '${base}': ${err.problem}`, fix: err.fix }];
  }
  const running = runningClusters(files);
  if (running.size === 0) return [];
  const allowed = new Set(options.allow ?? []);
  const howToAllow = options.howToAllow ?? ((key: string) => `${ALLOW_DISRUPTIVE_ENV}=${key} npm run synth`);
  const where = `dist/ at ${base}`;
  const problems: Problem[] = [];
  const meshFile = findMeshFile(root, options.inventoryDir ?? join(root, 'clusters'));
  const refuse = (setting: Omit<DisruptiveSetting, 'helmPaths'>, file: string, change: string, keep: string, field = setting.field) => {
    if (allowed.has(setting.key)) return;
    problems.push({
      severity: 'error',
      file,
      field,
      message: `${change} (${where}), which breaks the running mesh: ${setting.breaks}`,
      fix: `${keep}; or, knowing that, allow it: ${howToAllow(setting.key)}`,
    });
  };

  const names = new Set(mesh.clusters.map((c) => c.name));
  const meshWideSeen = new Set<string>();
  for (const cluster of mesh.clusters) {
    const before = running.get(cluster.name);
    if (before === undefined) {
      // A new name with the id of a running cluster that is gone: a rename.
      const renamed = [...running].find(([name, values]) => !names.has(name) && Number((values.cluster as HelmValues | undefined)?.id) === cluster.id);
      if (renamed) refuse(CLUSTER_RENAME, cluster.source.file, `renames running cluster '${renamed[0]}' (id ${cluster.id}) to '${cluster.name}'`, `keep the name '${renamed[0]}'`);
      continue;
    }
    const after = ciliumHelmValues(mesh, cluster, secrets);
    for (const setting of changedSettings(before, after)) {
      // A mesh-wide setting is reported once, at the mesh file, unless this cluster's own helmValues set it.
      const ownValue = setting.helmPaths.some((p) => valueAt(cluster.helmValues, p) !== undefined);
      const atMesh = setting.meshWide && !ownValue;
      if (atMesh && meshWideSeen.has(setting.key)) continue;
      if (atMesh) meshWideSeen.add(setting.key);
      const subject = atMesh ? `changes the ${setting.what} of the running mesh` : `changes the ${setting.what} of running cluster '${cluster.name}'`;
      refuse(
        setting,
        atMesh ? meshFile : cluster.source.file,
        `${subject} from ${describeSetting(before, setting)} to ${describeSetting(after, setting)}`,
        `keep ${describeSetting(before, setting)}`,
        ownValue ? `helmValues.${setting.helmPaths.find((p) => valueAt(cluster.helmValues, p) !== undefined)!.join('.')}` : setting.field,
      );
    }
  }
  return problems;
}

/** The inventory file of kind Mesh, relative to root (clusters/mesh.yaml by convention). */
function findMeshFile(root: string, inventoryDir: string): string {
  try {
    for (const name of readdirSync(inventoryDir).filter((n) => /\.ya?ml$/.test(n)).sort()) {
      if (/^kind:\s*Mesh\s*$/m.test(readFileSync(join(inventoryDir, name), 'utf8'))) return relative(root, join(inventoryDir, name));
    }
  } catch {
    // Loaded a moment ago; fall back to the conventional name.
  }
  return relative(root, join(inventoryDir, 'mesh.yaml'));
}

/**
 * The guard rails of `npm run synth`, from its environment: MESH_BASE (a
 * revision, default HEAD) and MESH_ALLOW_DISRUPTIVE (keys, comma separated).
 * An unknown key is left to guardRailProblems' caller to report: see unknownKeys.
 */
export function guardRailsFromEnv(env: NodeJS.ProcessEnv): { base?: string; allow: string[] } {
  const allow = (env[ALLOW_DISRUPTIVE_ENV] ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k !== '');
  return { ...(env[BASE_REVISION_ENV] ? { base: env[BASE_REVISION_ENV] } : {}), allow };
}

/** The keys given that are not DISRUPTIVE_KEYS. */
export function unknownKeys(keys: readonly string[]): string[] {
  return keys.filter((k) => !DISRUPTIVE_KEYS.includes(k));
}
