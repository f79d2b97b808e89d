/**
 * What the last synth rendered, per cluster, so that the next one renders only
 * the clusters whose inputs changed. Kept beside the output folder, in
 * `.<name>.cache` (git-ignored, like the publish siblings), never in it: dist/
 * holds only the manifests.
 *
 * A cluster is reused only when both hold:
 * - its fingerprint (lib/synth/fingerprint.ts: its inputs and the build of the
 *   tool) equals the one recorded;
 * - every file recorded for it is still in the output as it was written: same
 *   inode, size and modification time. A file edited, replaced (a checkout) or
 *   deleted since makes the cluster render again.
 * A cache that is missing, unreadable, malformed or from another build is
 * ignored: every cluster renders, as without it. Writing it is best effort:
 * a failure leaves no cache, never a wrong one.
 */
import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'fs';
import { basename, dirname, join } from 'path';
import type { StageContent } from '../gitops/layout';

/** A file of the output as it was when recorded: path, inode, size, modification time (ms). */
export type FileStamp = readonly [path: string, inode: number, size: number, mtimeMs: number];

export interface CachedCluster {
  readonly fingerprint: string;
  /** Its stage layout, which the mesh-wide entry points are rendered from. */
  readonly stages: readonly StageContent[];
  readonly files: readonly FileStamp[];
}

/** Files of the output that span the mesh, as they were when recorded. */
export interface CachedFiles {
  readonly fingerprint: string;
  readonly files: readonly FileStamp[];
}

/** What the last synth of a build recorded. */
export interface RenderCache {
  readonly clusters: ReadonlyMap<string, CachedCluster>;
  /** The mesh-wide files and the output marker. @default none recorded */
  readonly meshWide?: CachedFiles;
}

/** Bumped when the file's shape changes; another format is ignored. */
const FORMAT = 2;

export function renderCachePath(outDir: string): string {
  return join(dirname(outDir), `.${basename(outDir)}.cache`);
}

/** What the last synth of this build recorded; nothing when there is no usable cache. */
export function readRenderCache(outDir: string, build: string): RenderCache {
  const none: RenderCache = { clusters: new Map() };
  try {
    const data = JSON.parse(readFileSync(renderCachePath(outDir), 'utf8')) as unknown;
    if (!isRecord(data) || data.format !== FORMAT || data.build !== build || !isRecord(data.clusters)) return none;
    const clusters = new Map<string, CachedCluster>();
    for (const [name, entry] of Object.entries(data.clusters)) {
      if (!isCachedCluster(entry)) return none;
      clusters.set(name, entry);
    }
    if (data.meshWide !== undefined && !isCachedFiles(data.meshWide)) return none;
    return { clusters, meshWide: data.meshWide };
  } catch {
    return none;
  }
}

export function writeRenderCache(outDir: string, build: string, cache: RenderCache): void {
  const path = renderCachePath(outDir);
  // One fixed name (synth holds the lock on the output): a kill mid-write leaves one file, replaced by the next synth.
  const temporary = `${path}.tmp`;
  try {
    writeFileSync(temporary, JSON.stringify({ format: FORMAT, build, clusters: Object.fromEntries(cache.clusters), meshWide: cache.meshWide }));
    renameSync(temporary, path);
  } catch {
    // A full disk or a read-only folder: the next synth renders everything.
    rmSync(temporary, { force: true });
    try {
      rmSync(path, { force: true });
    } catch {
      // Nothing more can be done; a cache that cannot be removed is from an older run and its stamps no longer match.
    }
  }
}

/** Stamps of files below `outDir`, as they are now. */
export function stampFiles(outDir: string, paths: readonly string[]): FileStamp[] {
  return paths.map((path) => {
    const stat = statSync(join(outDir, path));
    return [path, stat.ino, stat.size, stat.mtimeMs];
  });
}

/**
 * Whether every recorded file is still a regular file with the same stamp. Any
 * failure to look (dist/ replaced by a file, a folder made unreadable) is a no:
 * the cluster renders, and publishing reports what is wrong.
 */
export function unchangedOnDisk(outDir: string, files: readonly FileStamp[]): boolean {
  try {
    for (const [path, inode, size, mtimeMs] of files) {
      const stat = statSync(join(outDir, path), { throwIfNoEntry: false });
      if (!stat || !stat.isFile() || stat.ino !== inode || stat.size !== size || stat.mtimeMs !== mtimeMs) return false;
    }
    return true;
  } catch {
    return false;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCachedCluster(value: unknown): value is CachedCluster {
  if (!isCachedFiles(value) || !isRecord(value) || !Array.isArray(value.stages)) return false;
  return value.stages.every((s) => isRecord(s) && typeof s.folder === 'string' && isStrings(s.files) && isStrings(s.sopsFiles));
}

function isCachedFiles(value: unknown): value is CachedFiles {
  if (!isRecord(value) || typeof value.fingerprint !== 'string' || !Array.isArray(value.files)) return false;
  return value.files.every(
    (f) => Array.isArray(f) && f.length === 4 && typeof f[0] === 'string' && isSafePath(f[0]) && f.slice(1).every((n) => typeof n === 'number'),
  );
}

function isStrings(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

/** A relative path inside the output: a doctored cache must not make publish link files from elsewhere. */
function isSafePath(path: string): boolean {
  return path !== '' && !path.startsWith('/') && !path.split('/').some((part) => part === '' || part === '.' || part === '..');
}
