/**
 * Compares two folders file by file: what `npm run check` reports when the
 * committed dist/ is not what the inventory gives.
 */
import { existsSync, lstatSync, readdirSync, readFileSync, statSync } from 'fs';
import { FileSystemError, fsCall } from '../fs/file-system-error';
import { join } from 'path';
import { recoverInterruptedPublish } from './publish';

export interface TreeDifference {
  readonly path: string;
  readonly change: 'added' | 'removed' | 'changed';
}

/**
 * Differences that turn `actual` into `expected`, sorted by path. `actual` is
 * a published output folder: a publish interrupted between its fallback renames
 * (see publish.ts) is first recovered, so the comparison sees the tree the last
 * complete synth left, as a synth would.
 */
export function compareTrees(expected: string, actual: string): TreeDifference[] {
  recoverInterruptedPublish(actual);
  const want = listFiles(expected);
  const have = listFiles(actual);
  const diffs: TreeDifference[] = [];
  for (const path of want.keys()) {
    const found = have.get(path);
    if (found === undefined) diffs.push({ path, change: 'added' });
    else if (found !== 'file' || !sameBytes(join(expected, path), join(actual, path))) diffs.push({ path, change: 'changed' });
  }
  for (const path of have.keys()) if (!want.has(path)) diffs.push({ path, change: 'removed' });
  return diffs.sort((a, b) => a.path.localeCompare(b.path));
}

function sameBytes(a: string, b: string): boolean {
  const left = fsCall('read', a, () => readFileSync(a));
  // Only a regular file of the same size is read: a size check first keeps a
  // huge stray file in dist/ from being loaded to find out it differs.
  if (fsCall('read', b, () => statSync(b)).size !== left.length) return false;
  return left.equals(fsCall('read', b, () => readFileSync(b)));
}

/**
 * Files below `root` by relative path: 'file' for a regular file, 'other' for
 * anything else that is not a folder (a pipe, a device, a link), which is never
 * opened: what synth writes is regular files only, so it counts as changed.
 */
function listFiles(root: string): Map<string, 'file' | 'other'> {
  const files = new Map<string, 'file' | 'other'>();
  if (!existsSync(root)) return files;
  if (!lstatSync(root).isDirectory()) {
    throw new FileSystemError(root, 'is a file, where synth writes a folder', "move the file away (or delete it), then run 'npm run synth'", 'ENOTDIR');
  }
  const walk = (rel: string) => {
    const folder = join(root, rel);
    for (const entry of fsCall('list', folder, () => readdirSync(folder, { withFileTypes: true }))) {
      const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else files.set(path, entry.isFile() ? 'file' : 'other');
    }
  };
  walk('');
  return files;
}
