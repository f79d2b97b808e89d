/**
 * File-system failures while synthesising: a folder where a CA file should be,
 * a full disk, a read-only project or dist/, dist/ being a file, a dist/ this
 * tool did not write. Each ends with one line naming the path and the fix
 * (FileSystemError), dist/ exactly as it was, and nothing left beside it. The
 * full disk and the read-only folder are injected at the fs boundary, which
 * works as root too (where chmod stops nothing).
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import { FileSystemError } from '../../lib/fs/file-system-error';
import { synthMesh } from '../../lib/synth/synth-mesh';
import { installFsFaults } from '../support/fs-faults';
import { exampleInventory, tempProject } from '../support/inventory-fixture';
import { snapshot } from '../support/project-copy';

let project: { root: string; cleanup: () => void };
beforeEach(() => {
  project = tempProject(exampleInventory());
  const first = synthMesh({ root: project.root });
  if (!first.ok) throw new Error(`the example should synthesise: ${JSON.stringify(first.problems)}`);
});
afterEach(() => project.cleanup());

/** Runs synth; returns its one-line error (thrown FileSystemError or the reported problems). */
function synthFailure(): string {
  try {
    const result = synthMesh({ root: project.root });
    if (result.ok) throw new Error('synth should have failed');
    return result.problems.filter((p) => p.severity === 'error').map((p) => `error: ${p.file} ${p.message}. Fix: ${p.fix}`).join('\n');
  } catch (err) {
    if (!(err instanceof FileSystemError)) throw err;
    return err.format(project.root);
  }
}

describe('synth on a hostile file system', () => {
  it.each([
    ['the certificate', 'secrets/cilium-mesh-ca.crt', /^error: secrets\/cilium-mesh-ca\.crt cannot be read: it is a folder where a file is expected \(EISDIR\)\. Fix: .*ca show --write-cert/],
    ['the encrypted CA file', 'secrets/cilium-mesh-ca.sops.yaml', /^error: secrets\/cilium-mesh-ca\.sops\.yaml cannot be read: it is a folder where a file is expected \(EISDIR\)\. Fix: .*ca init/],
  ])('a folder where %s should be (EISDIR)', (_what, rel, line) => {
    const path = join(project.root, rel);
    rmSync(path);
    mkdirSync(path);
    const before = snapshot(project.root);
    expect(synthFailure()).toMatch(line);
    expect(snapshot(project.root)).toEqual(before);
  });

  it.each([
    ['a full disk', { code: 'ENOSPC', ops: ['data'], under: '.dist.next' }, /^error: dist cannot be written: the disk is full \(ENOSPC\)\. Fix: free space/],
    ['a full disk, from the lock on', { code: 'ENOSPC', ops: ['data'], under: '' }, /^error: dist cannot be locked: the disk is full \(ENOSPC\)\. Fix: free space/],
    ['a read-only project', { code: 'EROFS', ops: ['modify'], under: '' }, /^error: dist cannot be locked: the file system is read-only \(EROFS\)\. Fix: run it in a writable copy/],
    ['a read-only dist/', { code: 'EROFS', ops: ['modify'], under: '.dist.next' }, /^error: dist cannot be created: the file system is read-only \(EROFS\)\. Fix: run it in a writable copy/],
    ['a dist/ without write permission', { code: 'EACCES', ops: ['renameSync', 'linkSync', 'writeFileSync'], under: '.dist.next' }, /^error: dist cannot be (written|replaced): permission denied \(EACCES\)\. Fix: give your user write access/],
    ['a full disk after some files', { code: 'ENOSPC', ops: ['data'], after: 2, under: '.dist.next' }, /^error: dist cannot be written: the disk is full/],
  ])('%s: one line, dist/ unchanged, nothing left behind', (_what, fault, line) => {
    // A changed inventory, so that synth has files to write.
    writeFileSync(join(project.root, 'clusters', 'k3scl3.yaml'), exampleInventory()['k3scl3.yaml'].replace('nodePort: 32381', 'nodePort: 32391'));
    const before = snapshot(project.root);
    const undo = installFsFaults([{ ...fault, under: join(project.root, fault.under) }]);
    let line1: string;
    try {
      line1 = synthFailure();
    } finally {
      undo();
    }
    expect(line1).toMatch(line);
    expect(line1).not.toContain('\n');
    expect(snapshot(project.root)).toEqual(before);
  });

  it('a switch that fails half-way (no exchange, the second rename refused): the old tree is put back', () => {
    writeFileSync(join(project.root, 'clusters', 'k3scl3.yaml'), exampleInventory()['k3scl3.yaml'].replace('nodePort: 32381', 'nodePort: 32391'));
    const before = snapshot(project.root);
    process.env.MESH_PUBLISH_NO_EXCHANGE = '1';
    const undo = installFsFaults([{ code: 'EACCES', ops: ['renameSync'], under: join(project.root, '.dist.next') }]);
    try {
      expect(synthFailure()).toMatch(/^error: dist cannot be replaced: permission denied \(EACCES\)/);
    } finally {
      undo();
      delete process.env.MESH_PUBLISH_NO_EXCHANGE;
    }
    expect(snapshot(project.root)).toEqual(before);
  });

  it('dist/ being a file (ENOTDIR): refused, the file kept', () => {
    rmSync(join(project.root, 'dist'), { recursive: true });
    writeFileSync(join(project.root, 'dist'), 'notes\n');
    const before = snapshot(project.root);
    expect(synthFailure()).toBe('error: dist is a file, where synth writes a folder. Fix: move the file away (or delete it), then run synth again');
    expect(snapshot(project.root)).toEqual(before);
  });

  it('a dist/ this tool did not write: refused, its files kept', () => {
    renameSync(join(project.root, 'dist'), join(project.root, 'ours'));
    mkdirSync(join(project.root, 'dist'));
    writeFileSync(join(project.root, 'dist', 'thesis.tex'), 'years of work\n');
    const before = snapshot(project.root);
    expect(synthFailure()).toMatch(/^error: dist exists and was not written by this tool \(it has no \.generated-by-k3s-cilium-mesh\)\. Fix: move the folder away/);
    expect(snapshot(project.root)).toEqual(before);
  });
});
