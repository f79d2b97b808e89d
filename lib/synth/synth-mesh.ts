/**
 * The whole synth: load and check the inventory, render, publish atomically.
 */
import { linkSync, mkdirSync } from 'fs';
import { dirname, join, resolve } from 'path';
import { loadInventory } from '../inventory/load';
import { Problem } from '../inventory/problems';
import { renderMesh } from '../mesh-manifests';
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
  const root = options.root ?? process.cwd();
  const inventoryDir = resolve(root, options.inventoryDir ?? 'clusters');
  const outDir = resolve(root, options.outDir ?? 'dist');
  const loaded = loadInventory(inventoryDir, { displayRoot: root });
  if (!loaded.mesh) return { ok: false, problems: loaded.problems };
  const files = renderMesh(loaded.mesh);
  const result = publish(outDir, files);
  if (options.mirrorDir) {
    for (const file of files) {
      const target = join(options.mirrorDir, file.path);
      mkdirSync(dirname(target), { recursive: true });
      linkSync(join(outDir, file.path), target);
    }
  }
  return { ok: true, clusters: loaded.mesh.clusters.length, files: files.length, publish: result, problems: loaded.problems };
}
