/**
 * A synth that fails on the inventory leaves dist/ exactly as it was: same
 * files, same bytes, same modification times, and no half-written sibling.
 */
import { lstatSync, readdirSync, readFileSync, writeFileSync } from 'fs';
import { join, relative } from 'path';
import { synthMesh } from '../../lib/synth/synth-mesh';
import { editFile, exampleInventory, tempProject } from '../support/inventory-fixture';
import { expectProblems, lineOf } from './expect-problem';

interface Entry {
  readonly kind: 'file' | 'dir';
  readonly mtimeMs: number;
  readonly ino: number;
  readonly content?: string;
}

/** Every file and folder under `dir`: bytes (base64), mtime and inode. */
function snapshotTree(dir: string, root = dir, into: Record<string, Entry> = {}): Record<string, Entry> {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    const stat = lstatSync(path);
    const key = relative(root, path);
    if (stat.isDirectory()) {
      into[key] = { kind: 'dir', mtimeMs: stat.mtimeMs, ino: stat.ino };
      snapshotTree(path, root, into);
    } else {
      into[key] = { kind: 'file', mtimeMs: stat.mtimeMs, ino: stat.ino, content: readFileSync(path).toString('base64') };
    }
  }
  return into;
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

describe('synth on a broken inventory', () => {
  it('reports the problems and leaves dist/ byte-for-byte and mtime-for-mtime unchanged', () => {
    const example = exampleInventory();
    const project = tempProject(example);
    try {
      const first = synthMesh({ root: project.root });
      if (!first.ok) throw new Error(`the example should synthesise: ${JSON.stringify(first.problems)}`);
      expect(first.clusters).toBe(3);
      const dist = join(project.root, 'dist');
      const before = snapshotTree(dist);
      expect(Object.keys(before).some((p) => p.startsWith('k3scl1/'))).toBe(true);
      const projectBefore = readdirSync(project.root).sort();
      const distDirStat = lstatSync(dist);

      // Break the inventory: a duplicate id and an invalid node address.
      const broken = editFile(example, 'k3scl2.yaml', (c) => {
        c.id = 1;
        c.nodes[0].ip = '172.17.11.300';
      });
      writeFileSync(join(project.root, 'clusters', 'k3scl2.yaml'), broken['k3scl2.yaml']);
      sleep(50); // a rewrite would now show in the modification times

      const second = synthMesh({ root: project.root });
      expect(second.ok).toBe(false);
      expectProblems(second, [
        { file: 'clusters/k3scl2.yaml', field: 'id', line: lineOf(broken['k3scl2.yaml'], 'id:'), message: /already the id of k3scl1/, fix: /choose an id/ },
        { file: 'clusters/k3scl2.yaml', field: 'nodes[0].ip', line: lineOf(broken['k3scl2.yaml'], 'ip:'), message: /is not an IPv4 address/, fix: /dotted-quad/ },
      ]);

      expect(snapshotTree(dist)).toEqual(before);
      expect(lstatSync(dist).ino).toBe(distDirStat.ino);
      expect(lstatSync(dist).mtimeMs).toBe(distDirStat.mtimeMs);
      // No .dist.next or .dist.previous left beside it.
      expect(readdirSync(project.root).sort()).toEqual(projectBefore);
    } finally {
      project.cleanup();
    }
  });
});
