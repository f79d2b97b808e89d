/**
 * Publishes rendered files into the output folder so that it is replaced as a
 * whole: the new tree is built beside it, then swapped in with two renames.
 * Files whose content did not change are hard links to the old ones, so they
 * keep their modification time (and cost no write).
 */
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'fs';
import { basename, dirname, join } from 'path';
import { RenderedFile } from '../mesh-manifests';

export interface PublishResult {
  readonly written: number;
  readonly unchanged: number;
  readonly removed: number;
}

/** Marks a tree this product wrote; a folder without it is never replaced. */
export const OUTPUT_MARKER = '.generated-by-k3s-cilium-mesh';

export function publish(outDir: string, files: readonly RenderedFile[], header = 'Generated from clusters/ by `npm run synth`; do not edit.\n'): PublishResult {
  recoverInterruptedPublish(outDir);
  if (existsSync(outDir) && readdirSync(outDir).length > 0 && !existsSync(join(outDir, OUTPUT_MARKER))) {
    throw new Error(`${outDir} exists and was not written by this tool; move it away or delete it first`);
  }
  const parent = dirname(outDir);
  const name = basename(outDir);
  const next = join(parent, `.${name}.next`);
  const previous = join(parent, `.${name}.previous`);
  rmSync(next, { recursive: true, force: true });

  let written = 0;
  let unchanged = 0;
  const all = [...files, { path: OUTPUT_MARKER, content: header }];
  for (const file of all) {
    const target = join(next, file.path);
    mkdirSync(dirname(target), { recursive: true });
    const old = join(outDir, file.path);
    const counts = file.path !== OUTPUT_MARKER;
    if (sameContent(old, file.content)) {
      linkSync(old, target);
      if (counts) unchanged++;
    } else {
      writeFileSync(target, file.content);
      if (counts) written++;
    }
  }
  const kept = new Set(all.map((f) => f.path));
  const removed = listFiles(outDir).filter((path) => !kept.has(path)).length;

  if (existsSync(outDir)) renameSync(outDir, previous);
  renameSync(next, outDir);
  rmSync(previous, { recursive: true, force: true });
  return { written, unchanged, removed };
}

/**
 * A publish killed between its two renames leaves the old tree at
 * `.<name>.previous` and none at `<name>`: put the old tree back.
 */
export function recoverInterruptedPublish(outDir: string): void {
  const previous = join(dirname(outDir), `.${basename(outDir)}.previous`);
  if (!existsSync(previous)) return;
  if (!existsSync(outDir)) renameSync(previous, outDir);
  else rmSync(previous, { recursive: true, force: true });
}

function sameContent(path: string, content: string): boolean {
  try {
    const stat = statSync(path);
    if (!stat.isFile() || stat.size !== Buffer.byteLength(content)) return false;
    return readFileSync(path, 'utf8') === content;
  } catch {
    return false;
  }
}

/** Relative paths of the files below `dir` ('/'-separated); empty when it does not exist. */
function listFiles(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? listFiles(join(dir, entry.name), `${prefix}${entry.name}/`) : [`${prefix}${entry.name}`],
  );
}
