/**
 * The commands that write the inventory or the CA files, killed (SIGKILL) at
 * an exact step or stopped by a full disk: they leave the files all old or
 * all new, never a file git would pick up (the project's .gitignore covers
 * what a kill leaves), and the next run finishes or cleans up. A kill between
 * `ca rotate`'s two renames used to leave a new CA with the old certificate,
 * and the next synth failed. Kills are injected right before a chosen fs call
 * in the bundled CLI (test/support/fs-faults.js), so the step is exact.
 */
import { execFileSync } from 'child_process';
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { synthMesh } from '../../lib/synth/synth-mesh';
import { decryptCaFile } from '../../lib/secrets/mesh-ca';
import { newAgeKey } from '../secrets/sops/age-test-keys';
import { CA_FILE, CERT_FILE, DEMO_IDENTITY, DEMO_IDENTITY_FILE, mesh, tempProject } from '../secrets/mesh-ca/support';
import { faultEnv, FsFault, installFsFaults } from '../support/fs-faults';
import { PROJECT_ROOT } from '../support/paths';
import { runMesh, snapshot } from '../support/project-copy';

let project: { root: string; cleanup: () => void };
afterEach(() => project?.cleanup());

const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.com', ...args], { cwd: project.root, encoding: 'utf8' });
const read = (rel: string) => readFileSync(join(project.root, rel), 'utf8');

/** A copy of the example as a git repository with the project's .gitignore, everything committed. */
function gitProject(): void {
  project = tempProject();
  copyFileSync(join(PROJECT_ROOT, '.gitignore'), join(project.root, '.gitignore'));
  git('init', '-q');
  git('add', '-A');
  git('commit', '-qm', 'start');
}

/** Files git would pick up as new (untracked and not ignored). */
const untracked = () => git('status', '--porcelain', '--untracked-files=all').split('\n').filter((l) => l.startsWith('??'));

function killedAt(argv: string[], fault: Omit<FsFault, 'code'>, env: Record<string, string> = {}) {
  const run = runMesh(project.root, argv, { ...env, ...faultEnv([{ code: 'KILL', ...fault }]) });
  expect(run.status).toBeNull(); // killed, as planned
  return run;
}

describe('ca rotate --one-step --yes', () => {
  it('killed between its two renames: the next synth finishes the rotation (new CA, new certificate)', async () => {
    gitProject();
    // The certificate's rename comes second: the CA file is already new when the kill comes.
    killedAt(['ca', 'rotate', '--one-step', '--yes'], { ops: ['renameSync'], under: '.cilium-mesh-ca.crt.' });
    expect(untracked()).toEqual([]);
    const result = synthMesh({ root: project.root });
    expect(result.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(result.ok).toBe(true);
    const ca = await decryptCaFile(read(CA_FILE), [DEMO_IDENTITY]);
    expect(ca.material.certPem).toBe(read(CERT_FILE));
    expect(git('status', '--porcelain').split('\n').filter(Boolean).sort()).toEqual(expect.arrayContaining([` M ${CA_FILE}`, ` M ${CERT_FILE}`]));
    expect(untracked().filter((l) => !l.startsWith('?? dist/'))).toEqual([]);
  });

  it('killed between its two renames: any mesh command finishes the rotation first', async () => {
    gitProject();
    killedAt(['ca', 'rotate', '--one-step', '--yes'], { ops: ['renameSync'], under: '.cilium-mesh-ca.crt.' });
    const show = await mesh(project.root, ['ca', 'show'], { SOPS_AGE_KEY_FILE: DEMO_IDENTITY_FILE });
    expect(show.stderr).toBe('');
    expect(show.code).toBe(0);
    expect(readdirSync(project.root).filter((n) => n.includes('mesh-write'))).toEqual([]);
  });

  it('killed before its commit (writing the journal): the old CA stays whole, and the leftovers are git-ignored and removed by the next write', async () => {
    gitProject();
    const before = { ca: read(CA_FILE), cert: read(CERT_FILE) };
    killedAt(['ca', 'rotate', '--one-step', '--yes'], { ops: ['renameSync'], under: '.mesh-write.journal.' });
    expect({ ca: read(CA_FILE), cert: read(CERT_FILE) }).toEqual(before);
    expect(untracked()).toEqual([]);
    expect(readdirSync(join(project.root, 'secrets')).some((n) => n.endsWith('.mesh-tmp'))).toBe(true);
    expect(synthMesh({ root: project.root }).ok).toBe(true);
    const rotate = await mesh(project.root, ['ca', 'rotate', '--one-step', '--yes']);
    expect(rotate.code).toBe(0);
    expect(readdirSync(join(project.root, 'secrets')).sort()).toEqual(['cilium-mesh-ca.crt', 'cilium-mesh-ca.sops.yaml']);
  });

  it('on a disk that fills up at the certificate: nothing changed, nothing left', async () => {
    gitProject();
    const before = snapshot(join(project.root, 'secrets'));
    const undo = installFsFaults([{ code: 'ENOSPC', ops: ['data'], under: '.cilium-mesh-ca.crt.' }]);
    let run;
    try {
      run = await mesh(project.root, ['ca', 'rotate', '--one-step', '--yes']);
    } finally {
      undo();
    }
    expect(run.stderr).toMatch(/^error: secrets\/cilium-mesh-ca\.crt cannot be written: the disk is full \(ENOSPC\)/);
    expect(snapshot(join(project.root, 'secrets'))).toEqual(before);
    expect(readdirSync(project.root)).not.toContain('.mesh-write.journal');
  });
});

describe('secrets rekey', () => {
  async function addRecipient(): Promise<void> {
    const other = await newAgeKey();
    const path = join(project.root, 'clusters', 'mesh.yaml');
    writeFileSync(path, read('clusters/mesh.yaml').replace(/(  ageRecipients:\n(?:    #.*\n)*    - age1\S+\n)/, `$1    - ${other.recipient}\n`));
    git('commit', '-qam', 'another recipient');
  }

  it('killed before its rename: the old file stays, nothing for git, and the next rekey succeeds', async () => {
    gitProject();
    await addRecipient();
    const before = read(CA_FILE);
    killedAt(['secrets', 'rekey'], { ops: ['renameSync'], under: '.cilium-mesh-ca.sops.yaml.' }, { SOPS_AGE_KEY_FILE: DEMO_IDENTITY_FILE });
    expect(read(CA_FILE)).toBe(before);
    expect(untracked()).toEqual([]);
    const again = await mesh(project.root, ['secrets', 'rekey'], { SOPS_AGE_KEY_FILE: DEMO_IDENTITY_FILE });
    expect(again.code).toBe(0);
    expect(readdirSync(join(project.root, 'secrets')).sort()).toEqual(['cilium-mesh-ca.crt', 'cilium-mesh-ca.sops.yaml']);
  });

  it('on a full disk: one line, the file unchanged, nothing left', async () => {
    gitProject();
    await addRecipient();
    const before = snapshot(project.root);
    const undo = installFsFaults([{ code: 'ENOSPC', ops: ['data'], under: join(project.root, 'secrets') }]);
    let run;
    try {
      run = await mesh(project.root, ['secrets', 'rekey'], { SOPS_AGE_KEY_FILE: DEMO_IDENTITY_FILE });
    } finally {
      undo();
    }
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: secrets\/cilium-mesh-ca\.sops\.yaml cannot be written: the disk is full \(ENOSPC\)\. Fix: /);
    expect(snapshot(project.root)).toEqual(before);
  });
});

describe('add-cluster', () => {
  it('killed before the file appears: no file, nothing for git, and the next add-cluster succeeds and cleans up', async () => {
    gitProject();
    killedAt(['add-cluster', 'k3scl4', '--server', '172.17.11.14'], { ops: ['linkSync'], under: 'k3scl4.yaml' });
    expect(readdirSync(join(project.root, 'clusters'))).not.toContain('k3scl4.yaml');
    expect(untracked()).toEqual([]);
    const again = await mesh(project.root, ['add-cluster', 'k3scl4', '--server', '172.17.11.14']);
    expect(again.code).toBe(0);
    expect(readdirSync(join(project.root, 'clusters')).filter((n) => n.includes('k3scl4'))).toEqual(['k3scl4.yaml']);
  });
});
