/**
 * The whole synth: load and check the inventory, render, publish atomically.
 */
import { linkSync, mkdirSync } from 'fs';
import { dirname, join, relative, resolve } from 'path';
import { fsCall } from '../fs/file-system-error';
import { finishInterruptedWrites } from '../fs/atomic-write';
import { sayWaiting, withProjectLock, withProjectLockSync } from '../fs/project-lock';
import { loadInventory } from '../inventory/load';
import { Problem } from '../report/problems';
import { describeKeyMaterial } from '../report/redact';
import { renderMesh, RenderedFile } from '../mesh-manifests';
import { Mesh } from '../model/mesh';
import { ClearKeyFinding, ClearKeyMaterialError, CLEAR_KEY_FIX } from './clear-key-scan';
import { publish, PublishResult } from './publish';

export interface SynthOptions {
  /** Inventory folder. @default 'clusters' */
  readonly inventoryDir?: string;
  /** Output folder that is replaced as a whole. @default 'dist' */
  readonly outDir?: string;
  /** Also link every output file here (cdk8s synth lists what it finds in CDK8S_OUTDIR). */
  readonly mirrorDir?: string;
  /** Paths in messages are relative to this folder. @default the current directory */
  readonly root?: string;
}

export type SynthResult =
  | { readonly ok: true; readonly clusters: number; readonly files: number; readonly publish: PublishResult; readonly problems: readonly Problem[] }
  | { readonly ok: false; readonly problems: readonly Problem[] };

export function synthMesh(options: SynthOptions = {}): SynthResult {
  return withProjectLockSync(outDirOf(options), lockOptions(), () => {
    finishInterruptedWrites(options.root ?? process.cwd());
    const loaded = load(options);
    if (!loaded.mesh) return { ok: false, problems: loaded.problems };
    return publishRendered(options, loaded.mesh, loaded.problems, renderMesh(loaded.mesh));
  });
}

/**
 * synthMesh with the rendering done by `render` (renderMeshInParallel for a
 * large mesh); loading, checks and publishing are the same.
 */
export async function synthMeshWith(render: (mesh: Mesh) => Promise<RenderedFile[]>, options: SynthOptions = {}): Promise<SynthResult> {
  return withProjectLock(outDirOf(options), lockOptions(), async () => {
    finishInterruptedWrites(options.root ?? process.cwd());
    const loaded = load(options);
    if (!loaded.mesh) return { ok: false, problems: loaded.problems };
    return publishRendered(options, loaded.mesh, loaded.problems, await render(loaded.mesh));
  });
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

function load(options: SynthOptions) {
  const root = options.root ?? process.cwd();
  return loadInventory(resolve(root, options.inventoryDir ?? 'clusters'), { displayRoot: root, outputDir: resolve(root, options.outDir ?? 'dist') });
}

function publishRendered(options: SynthOptions, mesh: Mesh, problems: readonly Problem[], files: RenderedFile[]): SynthResult {
  const outDir = outDirOf(options);
  let result: PublishResult;
  try {
    result = publish(outDir, files);
  } catch (err) {
    if (!(err instanceof ClearKeyMaterialError)) throw err;
    return { ok: false, problems: [...problems, ...err.findings.map((f) => clearKeyProblem(options, outDir, f))] };
  }
  if (options.mirrorDir) {
    for (const file of files) {
      const target = join(options.mirrorDir, file.path);
      fsCall('create', dirname(target), () => mkdirSync(dirname(target), { recursive: true }));
      fsCall('write', target, () => linkSync(join(outDir, file.path), target));
    }
  }
  return { ok: true, clusters: mesh.clusters.length, files: files.length, publish: result, problems };
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
