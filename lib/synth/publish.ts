/**
 * Publishes rendered files into the output folder so that it is replaced as a
 * whole, and a synth killed at any instant (kill -9, Ctrl-C, a crash) leaves
 * it either fully old or fully new.
 *
 * 1. The new tree is built beside the output, in `.<name>.next`. Files whose
 *    content did not change are hard links to the old ones, so they keep their
 *    modification time (and cost no write). A kill here leaves the output
 *    untouched; the half-built sibling is removed by the next run.
 * 2. The switch is one system call: Linux `renameat2(RENAME_EXCHANGE)` swaps
 *    the two folders atomically, so the output path always names a complete
 *    tree, old before the call, new after it. Node has no binding for it and
 *    the project adds no native addon, so the call is made through Perl's
 *    built-in `syscall` (perl-base is part of every Debian and Ubuntu system),
 *    about 2 ms. The old tree, now in `.<name>.next`, is then deleted; a kill
 *    during that delete leaves only that sibling, removed by the next run.
 * 3. Where the exchange is unavailable (no perl, another kernel or
 *    architecture, a file system that refuses it), the switch falls back to
 *    two renames: output -> `.<name>.previous`, `.<name>.next` -> output. A kill
 *    between them leaves no output and the complete old tree in
 *    `.<name>.previous`: that is the one intermediate state, and
 *    `recoverInterruptedPublish` (run at the start of every synth and of
 *    `npm run check`) puts the old tree back.
 *
 * A first publish (no output yet) is one plain rename. When every file already
 * has its bytes and nothing else is there, nothing is switched: the staging
 * folder (links only) is dropped and the output left exactly as it is.
 *
 * The steps are separate (beginPublish, stageFiles, completePublish) so that
 * the render workers stage the clusters they render themselves, each into its
 * own folders of `.<name>.next`: the files never cross threads, and are
 * written on every core. `publish` runs them in a row.
 *
 * Files the caller knows to be unchanged (`kept`: a cluster skipped because
 * its inputs did not change, lib/synth/render-cache.ts) are linked from the
 * old tree without being rendered or read.
 *
 * Nothing is published when a rendered file holds key material in clear
 * (ClearKeyMaterialError, thrown before the output is touched).
 *
 * A failure on the way (a full disk, a read-only folder) leaves the output as
 * it was and removes the half-built tree; it is thrown as a FileSystemError
 * naming the path. A file at the output path, or a folder this tool did not
 * write (no OUTPUT_MARKER), is never replaced.
 */
import { spawnSync } from 'child_process';
import { existsSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'fs';
import { basename, dirname, join } from 'path';
import { removeQuietly } from '../fs/clean-up';
import { fileSystemError, FileSystemError, fsCall, isErrnoError } from '../fs/file-system-error';
import type { RenderedFile } from '../mesh-manifests';
import { ClearKeyMaterialError, findClearKeys } from './clear-key-scan';

export interface PublishResult {
  readonly written: number;
  readonly unchanged: number;
  readonly removed: number;
}

/** Marks a tree this product wrote; a folder without it is never replaced. */
export const OUTPUT_MARKER = '.generated-by-k3s-cilium-mesh';
const MARKER_TEXT = 'Generated from clusters/ by `npm run synth`; do not edit.\n';

/** The siblings a publish uses beside `outDir`. */
export function publishSiblings(outDir: string): { next: string; previous: string } {
  const parent = dirname(outDir);
  const name = basename(outDir);
  return { next: join(parent, `.${name}.next`), previous: join(parent, `.${name}.previous`) };
}

export function publish(
  outDir: string,
  files: readonly RenderedFile[],
  header = MARKER_TEXT,
  kept: readonly string[] = [],
): PublishResult {
  // Before anything changes: a key in clear is never published (kept files were scanned when they were written).
  const leaks = findClearKeys(files);
  if (leaks.length > 0) throw new ClearKeyMaterialError(leaks);
  const staging = beginPublish(outDir);
  try {
    const tally = stageFiles(staging, files);
    return completePublish(staging, { ...tally, paths: files.map((f) => f.path), kept, header });
  } catch (err) {
    discardStaging(staging);
    throw err;
  }
}

/** A file to stage: its text, or the UTF-8 bytes of its text (a render thread encodes once, to scan and write). */
export interface FileToStage {
  readonly path: string;
  readonly content: string | Buffer;
}

/** Where a publish builds the new tree: the output folder, and `.<name>.next` beside it. */
export interface Staging {
  readonly outDir: string;
  readonly next: string;
}

/** How many staged files got new bytes, and how many are links to an unchanged file of the output. */
export interface StageTally {
  readonly written: number;
  readonly unchanged: number;
}

/**
 * Step 1 of a publish: undoes an interrupted one, checks that the output may
 * be replaced, and makes the empty staging folder. Files are then staged
 * (stageFiles, on any thread) and the publish completed (completePublish).
 */
export function beginPublish(outDir: string): Staging {
  recoverInterruptedPublish(outDir);
  checkReplaceable(outDir);
  const { next } = publishSiblings(outDir);
  asOutputFailure(outDir, () => fsCall('create', next, () => mkdirSync(next, { recursive: true })));
  return { outDir, next };
}

/**
 * Puts files into the staging folder: a hard link to the output's file when
 * its bytes are the same (it keeps its inode and modification time), else the
 * new bytes. Files of different calls may be staged at once by several
 * threads, as long as no two stage the same path. A failure is reported
 * against the output folder: the staging folder is no name a user knows.
 */
export function stageFiles(staging: Staging, files: readonly FileToStage[]): StageTally {
  const { outDir, next } = staging;
  let written = 0;
  let unchanged = 0;
  const folderFor = folderMaker();
  asOutputFailure(outDir, () => {
    for (const file of files) {
      const target = join(next, file.path);
      folderFor(target);
      const existing = join(outDir, file.path);
      if (sameContent(existing, file.content)) {
        fsCall('write', target, () => linkSync(existing, target));
        unchanged++;
      } else {
        fsCall('write', target, () => writeFileSync(target, file.content));
        written++;
      }
    }
  });
  return { written, unchanged };
}

export interface StagedOutput extends StageTally {
  /** Every staged file (the marker aside). */
  readonly paths: readonly string[];
  /** Files of the output known to be unchanged, linked as they are. @default none */
  readonly kept?: readonly string[];
  /** The marker file's text. */
  readonly header?: string;
}

/**
 * Last step of a publish: links the kept files, writes the marker and
 * switches the staging folder in. When every file kept its bytes and none
 * went away, the staging folder is dropped and the output left exactly as it is.
 */
export function completePublish(staging: Staging, staged: StagedOutput): PublishResult {
  const { outDir, next } = staging;
  const kept = staged.kept ?? [];
  const header = staged.header ?? MARKER_TEXT;
  const marker = stageFiles(staging, [{ path: OUTPUT_MARKER, content: header }]);
  const exists = existsSync(outDir);
  const wanted = new Set([...staged.paths, ...kept, OUTPUT_MARKER]);
  const present = listOutputFiles(outDir);
  const removed = present.filter((path) => !wanted.has(path)).length;
  const unchanged = staged.unchanged + kept.length;
  if (exists && removed === 0 && present.length === wanted.size && staged.written === 0 && marker.written === 0) {
    rmSync(next, { recursive: true, force: true });
    return { written: 0, unchanged, removed: 0 };
  }
  asOutputFailure(outDir, () => {
    const folderFor = folderMaker();
    for (const path of kept) {
      const target = join(next, path);
      folderFor(target);
      fsCall('write', target, () => linkSync(join(outDir, path), target));
    }
  });
  if (!exists) {
    switchOrDiscard(next, () => fsCall('replace', outDir, () => renameSync(next, outDir)));
  } else if (exchangeFolders(next, outDir)) {
    rmSync(next, { recursive: true, force: true });
  } else {
    const { previous } = publishSiblings(outDir);
    switchOrDiscard(next, () => fsCall('replace', outDir, () => renameSync(outDir, previous)));
    try {
      fsCall('replace', outDir, () => renameSync(next, outDir));
    } catch (err) {
      renameSync(previous, outDir);
      removeQuietly(next);
      throw err;
    }
    rmSync(previous, { recursive: true, force: true });
  }
  return { written: staged.written, unchanged, removed };
}

/** Makes the folder of each target once (a publish stages thousands of files into far fewer folders). */
function folderMaker(): (target: string) => void {
  const made = new Set<string>();
  return (target) => {
    const folder = dirname(target);
    if (made.has(folder)) return;
    fsCall('create', folder, () => mkdirSync(folder, { recursive: true }));
    made.add(folder);
  };
}

/** Runs a step on the staging folder; a failure names the output: the staging folder is no name a user knows. */
function asOutputFailure(outDir: string, step: () => void): void {
  try {
    step();
  } catch (err) {
    throw err instanceof FileSystemError ? new FileSystemError(outDir, err.problem, err.fix, err.code) : err;
  }
}

/** Drops a half-built staging folder after a failure (a full disk, a key in clear): the output stays as it was. */
export function discardStaging(staging: Staging): void {
  removeQuietly(staging.next);
}

/** Runs the switch; when it fails, the new tree is discarded before the error goes on. */
function switchOrDiscard(next: string, step: () => void): void {
  try {
    step();
  } catch (err) {
    removeQuietly(next);
    throw err;
  }
}

/**
 * The output may be replaced when it does not exist, is empty, or carries the
 * marker: a file there, or a folder someone else filled, is never touched.
 */
function checkReplaceable(outDir: string): void {
  let stat;
  try {
    stat = lstatSync(outDir);
  } catch (err) {
    if (isErrnoError(err) && err.code === 'ENOENT') return;
    throw fileSystemError(err, 'read', outDir);
  }
  if (!stat.isDirectory()) {
    throw new FileSystemError(outDir, 'is a file, where synth writes a folder', 'move the file away (or delete it), then run synth again', 'ENOTDIR');
  }
  const entries = fsCall('list', outDir, () => readdirSync(outDir));
  if (entries.length > 0 && !entries.includes(OUTPUT_MARKER)) {
    throw new FileSystemError(
      outDir,
      `exists and was not written by this tool (it has no ${OUTPUT_MARKER})`,
      'move the folder away (or delete it), then run synth again: synth replaces only a folder it wrote',
    );
  }
}

/**
 * Undoes what an interrupted publish left beside `outDir`: a kill between the
 * fallback's two renames leaves the old tree at `.<name>.previous` and none at
 * `<name>`, which is put back; a `.<name>.next` (half-built, or the old tree
 * after an exchange) is deleted. Does nothing when nothing was interrupted.
 */
export function recoverInterruptedPublish(outDir: string): void {
  const { next, previous } = publishSiblings(outDir);
  if (existsSync(previous)) {
    if (!existsSync(outDir)) fsCall('replace', outDir, () => renameSync(previous, outDir));
    else fsCall('remove', previous, () => rmSync(previous, { recursive: true, force: true }));
  }
  if (existsSync(next)) fsCall('remove', next, () => rmSync(next, { recursive: true, force: true }));
}

/** renameat2 system call numbers by Node's process.arch (Linux). */
const RENAMEAT2: Partial<Record<string, number>> = { x64: 316, arm64: 276, riscv64: 276, loong64: 276, ia32: 353, arm: 382, ppc64: 357, s390x: 347 };
const AT_FDCWD = -100;
const RENAME_EXCHANGE = 2;
const EXCHANGE_SCRIPT = `exit(syscall(${'$'}ARGV[0], ${AT_FDCWD}, ${'$'}ARGV[1], ${AT_FDCWD}, ${'$'}ARGV[2], ${RENAME_EXCHANGE}) == 0 ? 0 : 3)`;

/**
 * Swaps two existing folders in one atomic step (renameat2 RENAME_EXCHANGE).
 * Returns false, having changed nothing, where that is not available.
 */
export function exchangeFolders(a: string, b: string): boolean {
  const call = RENAMEAT2[process.arch];
  if (process.platform !== 'linux' || call === undefined || process.env.MESH_PUBLISH_NO_EXCHANGE === '1') return false;
  const run = spawnSync('perl', ['-e', EXCHANGE_SCRIPT, String(call), a, b], { stdio: 'ignore' });
  return run.status === 0;
}

function sameContent(path: string, content: string | Buffer): boolean {
  try {
    // No exception for a missing file: a first synth asks this of every file.
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat || !stat.isFile() || stat.size !== (typeof content === 'string' ? Buffer.byteLength(content) : content.length)) return false;
    return typeof content === 'string' ? readFileSync(path, 'utf8') === content : readFileSync(path).equals(content);
  } catch {
    return false;
  }
}

/** Relative paths of the files below `dir` ('/'-separated); empty when it does not exist. */
export function listOutputFiles(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? listOutputFiles(join(dir, entry.name), `${prefix}${entry.name}/`) : [`${prefix}${entry.name}`],
  );
}
