/**
 * A folder's files as content hashes, to compare whole output trees.
 */
import { createHash } from 'crypto';
import { existsSync, readdirSync, readFileSync } from 'fs';
import { join } from 'path';

/** Relative path ('/'-separated) -> sha256 of the bytes; undefined when the folder does not exist. */
export function hashTree(dir: string): Record<string, string> | undefined {
  if (!existsSync(dir)) return undefined;
  const hashes: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const entry of readdirSync(join(dir, rel), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else hashes[path] = createHash('sha256').update(readFileSync(join(dir, path))).digest('hex');
    }
  };
  walk('');
  return hashes;
}

/** One hash for the whole tree (paths and contents). */
export function treeDigest(dir: string): string | undefined {
  const hashes = hashTree(dir);
  return hashes && createHash('sha256').update(JSON.stringify(hashes)).digest('hex');
}

/** A small seeded generator (mulberry32), so a failing run can be replayed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
