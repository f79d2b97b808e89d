/**
 * The whole synth: load and check the inventory, render, publish atomically.
 * With a build id (the bundled app passes a hash of its code), only the
 * clusters whose inputs changed since the last synth are rendered
 * (lib/synth/render-cache.ts); the others keep their files as they are.
 */
import { existsSync, linkSync, lstatSync, mkdirSync, readdirSync, rmSync, symlinkSync } from 'fs';
import { dirname, join, relative, resolve } from 'path';
import { fsCall } from '../fs/file-system-error';
import { finishInterruptedWrites } from '../fs/atomic-write';
import { sayWaiting, withProjectLock, withProjectLockSync } from '../fs/project-lock';
import { loadProject, ProjectLoadResult } from '../inventory/load-project';
import { Problem, sortProblems } from '../report/problems';
import { guardRailProblems } from './guard-rails';
import { describeKeyMaterial } from '../report/redact';
import { CommittedSecrets } from '../model/committed-secrets';
import { Cluster, Mesh } from '../model/mesh';
import { clusterFingerprints, meshWideFingerprint } from './fingerprint';
import { ClearKeyFinding, CLEAR_KEY_FIX, findClearKeys } from './clear-key-scan';
import { beginPublish, completePublish, discardStaging, listOutputFiles, OUTPUT_MARKER, PublishResult, recoverInterruptedPublish, Staging, stageFiles } from './publish';
import type { StagedCluster } from './stage-cluster';
import { meshWideFiles, renderAndStage } from './renderer';
import { CachedCluster, CachedFiles, readRenderCache, stampFiles, unchangedOnDisk, writeRenderCache } from './render-cache';

export interface SynthOptions {
  /** Inventory folder. @default 'clusters' */
  readonly inventoryDir?: string;
  /** Output folder that is replaced as a whole. @default 'dist' */
  readonly outDir?: string;
  /** Make the output visible here too (cdk8s synth lists what it finds in CDK8S_OUTDIR). */
  readonly mirrorDir?: string;
  /** Paths in messages are relative to this folder. @default the current directory */
  readonly root?: string;
  /**
   * Identifies the code that renders (a hash of the bundle). When set, clusters
   * whose fingerprint and files are unchanged since the last synth of this build
   * are not rendered again. @default none: every cluster renders
   */
  readonly build?: string;
  /**
   * Refuse changes that break running clusters (lib/synth/guard-rails.ts), compared
   * with the base revision's dist/. @default off (npm run synth turns them on)
   */
  readonly guardRails?: { readonly base?: string; readonly allow?: readonly string[] };
}

export type SynthResult =
  | {
      readonly ok: true;
      readonly clusters: number;
      /** Clusters rendered by this run (the others were unchanged). */
      readonly rendered: number;
      readonly files: number;
      readonly publish: PublishResult;
      readonly problems: readonly Problem[];
    }
  | { readonly ok: false; readonly problems: readonly Problem[] };

/** Renders the given clusters of the mesh and stages their files (renderAndStage); the results are in their order. */
export type RenderClusters = (mesh: Mesh, secrets: CommittedSecrets, clusters: readonly Cluster[], staging: Staging) => Promise<StagedCluster[]>;

export function synthMesh(options: SynthOptions = {}): SynthResult {
  return withProjectLockSync(outDirOf(options), lockOptions(), () => {
    const ready = prepare(options);
    if ('result' in ready) return ready.result;
    const { plan, problems, staging } = ready;
    return discardOnFailure(staging, () => {
      const staged = plan.toRender.map((cluster) => renderAndStage(plan.mesh, plan.secrets, cluster, staging));
      return finish(options, plan, problems, staging, staged);
    });
  });
}

/**
 * synthMesh with the rendering done by `render` (renderClustersInParallel for
 * many clusters); loading, checks and publishing are the same.
 */
export async function synthMeshWith(render: RenderClusters, options: SynthOptions = {}): Promise<SynthResult> {
  return withProjectLock(outDirOf(options), lockOptions(), async () => {
    const ready = prepare(options);
    if ('result' in ready) return ready.result;
    const { plan, problems, staging } = ready;
    let staged: StagedCluster[];
    try {
      staged = plan.toRender.length > 0 ? await render(plan.mesh, plan.secrets, plan.toRender, staging) : [];
    } catch (err) {
      discardStaging(staging);
      throw err;
    }
    return discardOnFailure(staging, () => finish(options, plan, problems, staging, staged));
  });
}

/**
 * Everything before rendering, under the lock: finish interrupted writes, load
 * and check, plan what to render; the synth's result when that is all there is
 * to do (a broken inventory, nothing changed), else the plan and a staging folder.
 */
function prepare(options: SynthOptions): { readonly result: SynthResult } | { readonly plan: RenderPlan; readonly problems: readonly Problem[]; readonly staging: Staging } {
  finishInterruptedWrites(options.root ?? process.cwd());
  const loaded = load(options);
  if (!loaded.mesh || !loaded.secrets) return { result: { ok: false, problems: loaded.problems } };
  const plan = planRender(options, loaded.mesh, loaded.secrets);
  const unchanged = unchangedOutput(options, plan, loaded.problems);
  if (unchanged) return { result: unchanged };
  return { plan, problems: loaded.problems, staging: beginPublish(outDirOf(options)) };
}

/** A failure after staging began (a full disk, a bug) leaves the output as it was and no staging folder. */
function discardOnFailure<T>(staging: Staging, step: () => T): T {
  try {
    return step();
  } catch (err) {
    discardStaging(staging);
    throw err;
  }
}

/**
 * One synth at a time per output folder (two at once would delete each
 * other's half-built trees); under `npm run synth` the lock is already held
 * by its first process and shared through MESH_LOCK_TOKEN.
 */
function lockOptions() {
  return { command: 'synth', onWait: sayWaiting(process.stderr, 'dist/') };
}

function outDirOf(options: SynthOptions): string {
  return resolve(options.root ?? process.cwd(), options.outDir ?? 'dist');
}

function load(options: SynthOptions): ProjectLoadResult {
  const root = options.root ?? process.cwd();
  const inventoryDir = resolve(root, options.inventoryDir ?? 'clusters');
  const loaded = loadProject(inventoryDir, { displayRoot: root, outputDir: resolve(root, options.outDir ?? 'dist') });
  if (!loaded.mesh || !loaded.secrets || !options.guardRails) return loaded;
  const refused = guardRailProblems(loaded.mesh, loaded.secrets, { root, inventoryDir, outDir: options.outDir, ...options.guardRails });
  return refused.length === 0 ? loaded : { problems: sortProblems([...loaded.problems, ...refused]) };
}

interface RenderPlan {
  readonly mesh: Mesh;
  readonly secrets: CommittedSecrets;
  readonly fingerprints?: ReadonlyMap<string, string>;
  /** Clusters whose files in the output are still right, by name. */
  readonly reused: ReadonlyMap<string, CachedCluster>;
  readonly toRender: readonly Cluster[];
  readonly meshWideFingerprint?: string;
  /** The mesh-wide files and the marker, when they are still right in the output. */
  readonly meshWideReused?: CachedFiles;
}

function planRender(options: SynthOptions, mesh: Mesh, secrets: CommittedSecrets): RenderPlan {
  if (options.build === undefined) return { mesh, secrets, reused: new Map(), toRender: mesh.clusters };
  const outDir = outDirOf(options);
  // An interrupted publish is undone first: the stamps describe the tree it restores.
  recoverInterruptedPublish(outDir);
  const fingerprints = clusterFingerprints(mesh, secrets, options.build);
  const cache = readRenderCache(outDir, options.build);
  const reused = new Map<string, CachedCluster>();
  for (const cluster of mesh.clusters) {
    const hit = cache.clusters.get(cluster.name);
    if (hit && hit.fingerprint === fingerprints.get(cluster.name) && unchangedOnDisk(outDir, hit.files)) reused.set(cluster.name, hit);
  }
  const meshWide = meshWideFingerprint(mesh, secrets, options.build);
  const meshWideReused = cache.meshWide?.fingerprint === meshWide && unchangedOnDisk(outDir, cache.meshWide.files) ? cache.meshWide : undefined;
  return { mesh, secrets, fingerprints, reused, toRender: mesh.clusters.filter((c) => !reused.has(c.name)), meshWideFingerprint: meshWide, meshWideReused };
}

/**
 * Nothing to render and every recorded file as it was: when the output holds
 * those files and nothing else, there is nothing to write, link or switch, and
 * the renderer is never loaded. Otherwise (a stray file in the output) the
 * synth goes on, and publishing removes what does not belong.
 */
function unchangedOutput(options: SynthOptions, plan: RenderPlan, problems: readonly Problem[]): SynthResult | undefined {
  if (plan.toRender.length > 0 || !plan.meshWideReused) return undefined;
  const outDir = outDirOf(options);
  const recorded = [...[...plan.reused.values()].flatMap((c) => c.files), ...plan.meshWideReused.files].map(([path]) => path);
  if (!holdsExactly(outDir, recorded)) return undefined;
  const files = recorded.filter((path) => path !== OUTPUT_MARKER);
  if (options.mirrorDir) mirror(outDir, options.mirrorDir, files, []);
  return { ok: true, clusters: plan.mesh.clusters.length, rendered: 0, files: files.length, publish: { written: 0, unchanged: files.length, removed: 0 }, problems };
}

/** Whether the files below `dir` are exactly `paths`. */
function holdsExactly(dir: string, paths: readonly string[]): boolean {
  const present = listOutputFiles(dir);
  const wanted = new Set(paths);
  return present.length === wanted.size && present.every((path) => wanted.has(path));
}

function finish(options: SynthOptions, plan: RenderPlan, problems: readonly Problem[], staging: Staging, staged: readonly StagedCluster[]): SynthResult {
  const { mesh, reused } = plan;
  const outDir = outDirOf(options);
  const byName = new Map(staged.map((cluster) => [cluster.name, cluster]));
  const stages = new Map(mesh.clusters.map((c) => [c.name, byName.get(c.name) ?? reused.get(c.name)!]));
  // The mesh-wide files are rendered unless they are still right (a cluster's file edited by hand re-renders that cluster only).
  const meshFiles = plan.meshWideReused ? [] : meshWideFiles(mesh, plan.secrets, stages);
  // Before anything is published: a key in clear anywhere stops it (kept files were scanned when they were written).
  const findings = [...staged.flatMap((c) => c.findings), ...findClearKeys(meshFiles)];
  if (findings.length > 0) {
    discardStaging(staging);
    return { ok: false, problems: [...problems, ...findings.map((f) => clearKeyProblem(options, outDir, f))] };
  }
  const meshTally = stageFiles(staging, meshFiles);
  const keptMeshWide = plan.meshWideReused ? plan.meshWideReused.files.map(([path]) => path).filter((path) => path !== OUTPUT_MARKER) : [];
  const kept = [...[...reused.values()].flatMap((c) => c.files.map(([path]) => path)), ...keptMeshWide];
  const paths = [...staged.flatMap((c) => c.paths), ...meshFiles.map((f) => f.path)];
  const sum = (count: (c: StagedCluster) => number) => staged.reduce((total, c) => total + count(c), 0);
  const result = completePublish(staging, {
    written: sum((c) => c.written) + meshTally.written,
    unchanged: sum((c) => c.unchanged) + meshTally.unchanged,
    paths,
    kept,
  });
  if (options.mirrorDir) mirror(outDir, options.mirrorDir, paths, kept);
  if (options.build !== undefined && plan.fingerprints) {
    const recorded = new Map<string, CachedCluster>();
    for (const cluster of mesh.clusters) {
      const fresh = byName.get(cluster.name);
      recorded.set(
        cluster.name,
        fresh ? { fingerprint: plan.fingerprints.get(cluster.name)!, stages: fresh.stages, files: fresh.stamps } : reused.get(cluster.name)!,
      );
    }
    const meshWidePaths = plan.meshWideReused ? keptMeshWide : meshFiles.map((f) => f.path);
    const meshWide = { fingerprint: plan.meshWideFingerprint!, files: stampFiles(outDir, [...meshWidePaths, OUTPUT_MARKER]) };
    writeRenderCache(outDir, options.build, { clusters: recorded, meshWide });
  }
  return { ok: true, clusters: mesh.clusters.length, rendered: plan.toRender.length, files: paths.length + kept.length, publish: result, problems };
}

function clearKeyProblem(options: SynthOptions, outDir: string, finding: ClearKeyFinding): Problem {
  return {
    severity: 'error',
    file: relative(options.root ?? process.cwd(), join(outDir, finding.path)),
    field: '',
    line: finding.line,
    message: `would hold ${describeKeyMaterial(finding.kind)} in clear, so nothing was published (the output folder is as it was)`,
    fix: CLEAR_KEY_FIX,
  };
}

/**
 * cdk8s synth lists the manifests it finds in CDK8S_OUTDIR, which it has just
 * emptied: one symbolic link to the output shows them all without a link per
 * file. Something other than an empty folder or a link there is left alone and
 * gets a hard link per file instead.
 */
function mirror(outDir: string, mirrorDir: string, paths: readonly string[], kept: readonly string[]): void {
  const stat = lstatSync(mirrorDir, { throwIfNoEntry: false });
  if (!stat || stat.isSymbolicLink() || (stat.isDirectory() && readdirSync(mirrorDir).length === 0)) {
    if (stat) fsCall('replace', mirrorDir, () => rmSync(mirrorDir, { recursive: true, force: true }));
    fsCall('create', dirname(mirrorDir), () => mkdirSync(dirname(mirrorDir), { recursive: true }));
    fsCall('write', mirrorDir, () => symlinkSync(relative(dirname(mirrorDir), outDir) || '.', mirrorDir, 'dir'));
    return;
  }
  for (const path of [...paths, ...kept]) {
    const target = join(mirrorDir, path);
    fsCall('create', dirname(target), () => mkdirSync(dirname(target), { recursive: true }));
    if (!existsSync(target)) fsCall('write', target, () => linkSync(join(outDir, path), target));
  }
}
