/**
 * Compares two folders file by file: what `npm run check` reports when the
 * committed dist/ is not what the inventory gives.
 */
import { existsSync, readdirSync, readFileSync } from 'fs';
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
  for (const path of want) {
    if (!have.has(path)) diffs.push({ path, change: 'added' });
    else if (!readFileSync(join(expected, path)).equals(readFileSync(join(actual, path)))) diffs.push({ path, change: 'changed' });
  }
  for (const path of have) if (!want.has(path)) diffs.push({ path, change: 'removed' });
  return diffs.sort((a, b) => a.path.localeCompare(b.path));
}

function listFiles(root: string): Set<string> {
  const files = new Set<string>();
  if (!existsSync(root)) return files;
  const walk = (rel: string) => {
    for (const entry of readdirSync(join(root, rel), { withFileTypes: true })) {
      const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else files.add(path);
    }
  };
  walk('');
  return files;
}
