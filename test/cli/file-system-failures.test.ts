/**
 * `npm run mesh` commands on a hostile file system: a full disk, a read-only
 * inventory, a file that cannot be removed, a folder where the certificate
 * should be. One line naming the path and the fix, exit 1, no stack trace,
 * the project as it was. Failures are injected at the fs boundary (works as root).
 */
import { mkdirSync, rmSync } from 'fs';
import { join } from 'path';
import { DEMO_IDENTITY_FILE, mesh, tempProject } from '../secrets/mesh-ca/support';
import { FsFault, installFsFaults } from '../support/fs-faults';
import { expectNoStackTrace, snapshot } from '../support/project-copy';

let project: { root: string; cleanup: () => void };
beforeEach(() => (project = tempProject()));
afterEach(() => project.cleanup());

/** Runs `argv` with `faults` (their `under` relative to the project) and expects one error line matching `line`. */
async function expectOneLineFailure(argv: string[], faults: FsFault[], line: RegExp, env: Record<string, string> = {}): Promise<void> {
  const before = snapshot(project.root);
  const undo = installFsFaults(faults.map((f) => ({ ...f, under: join(project.root, f.under) })));
  let run;
  try {
    run = await mesh(project.root, argv, env);
  } finally {
    undo();
  }
  expectNoStackTrace(run.stderr);
  const errors = run.stderr.split('\n').filter((l) => l.startsWith('error: '));
  expect(errors).toEqual([expect.stringMatching(line)]);
  expect(run.code).toBe(1);
  expect(snapshot(project.root)).toEqual(before);
}

describe('mesh commands on a hostile file system', () => {
  it('add-cluster on a read-only inventory (EROFS)', async () => {
    await expectOneLineFailure(['add-cluster', 'k3scl4', '--server', '172.17.11.14'], [{ code: 'EROFS', ops: ['modify'], under: 'clusters' }], /^error: clusters\/k3scl4\.yaml cannot be written: the file system is read-only \(EROFS\)\. Fix: /);
  });

  it('add-cluster on a full disk (ENOSPC)', async () => {
    await expectOneLineFailure(['add-cluster', 'k3scl4', '--server', '172.17.11.14'], [{ code: 'ENOSPC', ops: ['data'], under: 'clusters' }], /^error: clusters\/k3scl4\.yaml cannot be written: the disk is full \(ENOSPC\)\. Fix: /);
  });

  it('remove-cluster when the file cannot be removed (EACCES)', async () => {
    await expectOneLineFailure(['remove-cluster', 'k3scl3'], [{ code: 'EACCES', ops: ['unlinkSync'], under: 'clusters' }], /^error: clusters\/k3scl3\.yaml cannot be removed: permission denied \(EACCES\)\. Fix: give your user write access/);
  });

  it('ca rotate --one-step --yes on a full disk (ENOSPC)', async () => {
    await expectOneLineFailure(['ca', 'rotate', '--one-step', '--yes'], [{ code: 'ENOSPC', ops: ['data'], under: 'secrets' }], /^error: secrets\/cilium-mesh-ca\.\S+ cannot be written: the disk is full \(ENOSPC\)\. Fix: /);
  });

  it('ca show --write-cert with a folder where the certificate should be (EISDIR)', async () => {
    const cert = join(project.root, 'secrets', 'cilium-mesh-ca.crt');
    rmSync(cert);
    mkdirSync(cert);
    await expectOneLineFailure(['ca', 'show', '--write-cert'], [], /^error: secrets\/cilium-mesh-ca\.crt cannot be read: it is a folder where a file is expected \(EISDIR\)\. Fix: /, { SOPS_AGE_KEY_FILE: DEMO_IDENTITY_FILE });
  });
});
