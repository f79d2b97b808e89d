/**
 * `npm run mesh -- ca init | rotate | show | secret` and `secrets rekey`, run
 * in-process on copies of the example: what they write, what they refuse, and
 * that a refusal writes nothing.
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { parse } from 'yaml';
import { join } from 'path';
import { decryptCaFile, inspectCertificate } from '../../../lib/secrets/mesh-ca';
import { newAgeKey } from '../sops/age-test-keys';
import { CA_FILE, CERT_FILE, DEMO_IDENTITY, DEMO_IDENTITY_FILE, mesh, tempProject } from './support';

const DEMO_RECIPIENT = 'age1wu5ttwy9n73df5n94c6rlck92zpevvh3rvzpc8pj4dzz0ag2f9wqt7ey58';
const demoEnv = { SOPS_AGE_KEY_FILE: DEMO_IDENTITY_FILE };

let project: { root: string; cleanup: () => void };
afterEach(() => project?.cleanup());
const read = (rel: string) => readFileSync(join(project.root, rel), 'utf8');
const setRecipients = (recipients: string[]) => {
  const path = join(project.root, 'clusters', 'mesh.yaml');
  writeFileSync(path, readFileSync(path, 'utf8').replace(`    - ${DEMO_RECIPIENT}\n`, recipients.map((r) => `    - ${r}\n`).join('')));
};

describe('ca init', () => {
  it('creates the CA for the inventory\'s recipients: encrypted Secret and clear certificate, no temporary files left', async () => {
    project = tempProject(false);
    const own = await newAgeKey();
    setRecipients([own.recipient]);
    const run = await mesh(project.root, ['ca', 'init', '--days', '400']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/created the mesh CA for mesh 'example'/);
    expect(run.stdout).not.toMatch(/PRIVATE KEY/);
    expect(readdirSync(join(project.root, 'secrets')).sort()).toEqual(['cilium-mesh-ca.crt', 'cilium-mesh-ca.sops.yaml']);
    const ca = await decryptCaFile(read(CA_FILE), [own.identity]);
    expect(ca.material.certPem).toBe(read(CERT_FILE));
    expect(Math.round((ca.certificate.notAfter.getTime() - Date.now()) / 86_400_000)).toBe(400);
    expect(read(CA_FILE)).not.toMatch(/PRIVATE KEY/);
  });

  it('refuses to overwrite an existing CA and points to ca rotate', async () => {
    project = tempProject();
    const before = read(CA_FILE);
    const run = await mesh(project.root, ['ca', 'init']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/secrets\/cilium-mesh-ca.sops.yaml already exists.*'npm run mesh -- ca rotate'/);
    expect(read(CA_FILE)).toBe(before);
  });

  it('refuses an inventory without recipients, and writes nothing', async () => {
    project = tempProject(false);
    setRecipients([]);
    const run = await mesh(project.root, ['ca', 'init']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/secrets.ageRecipients: must be an array, not null|has no 'ageRecipients'/);
    expect(existsSync(join(project.root, 'secrets'))).toBe(false);
  });

  it('refuses malformed recipients and bad options, and writes nothing', async () => {
    project = tempProject(false);
    setRecipients(['age1notakey']);
    expect((await mesh(project.root, ['ca', 'init'])).stderr).toMatch(/ageRecipients\[0\].*has the wrong form/);
    expect((await mesh(project.root, ['ca', 'init', '--days', 'ten'])).stderr).toMatch(/--days 'ten' is not a whole number of days.*Fix: give --days a whole number/);
    expect((await mesh(project.root, ['ca', 'init', '--force'])).stderr).toMatch(/unknown option '--force'/);
    expect(existsSync(join(project.root, 'secrets'))).toBe(false);
  });
});

describe('ca rotate', () => {
  it('explains the next phase and writes nothing without --yes', async () => {
    project = tempProject();
    const before = read(CA_FILE);
    const run = await mesh(project.root, ['ca', 'rotate']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/where the rotation stands: no rotation under way/);
    expect(run.stderr).toMatch(/phase 1 of 3, trust-both: a new CA is written beside the current one/);
    expect(run.stderr).toMatch(/error: nothing was written.*Fix: run 'npm run mesh -- ca rotate --yes'/);
    expect(read(CA_FILE)).toBe(before);
  });

  it('says what a one-step rotation breaks and writes nothing without --yes', async () => {
    project = tempProject();
    const before = read(CA_FILE);
    const run = await mesh(project.root, ['ca', 'rotate', '--one-step']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/clusters on the old CA and clusters on the new one REJECT EACH OTHER|clusters on the new CA and clusters on the old one REJECT EACH OTHER/);
    expect(run.stderr).toMatch(/planned outage of the mesh/);
    expect(run.stderr).toMatch(/error: nothing was written.*Fix: run 'npm run mesh -- ca rotate --one-step --yes'/);
    expect(read(CA_FILE)).toBe(before);
  });

  it('refuses to start a phase outside git: each phase must be committed', async () => {
    project = tempProject();
    const run = await mesh(project.root, ['ca', 'rotate', '--yes']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/phase trust-both must wait until the previous phase is committed, and .* is not a git repository.*Fix: keep the project in git/);
    expect(existsSync(join(project.root, 'secrets', 'cilium-mesh-ca.next.sops.yaml'))).toBe(false);
  });

  it('replaces the CA in one step with --one-step --yes', async () => {
    project = tempProject();
    const old = inspectCertificate(read(CERT_FILE)).fingerprintSha256;
    const run = await mesh(project.root, ['ca', 'rotate', '--one-step', '--yes']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`old sha256 ${old}`);
    const ca = await decryptCaFile(read(CA_FILE), [DEMO_IDENTITY]);
    expect(ca.certificate.fingerprintSha256).not.toBe(old);
    expect(ca.material.certPem).toBe(read(CERT_FILE));
  });

  it('says which command creates a CA when there is none', async () => {
    project = tempProject(false);
    const run = await mesh(project.root, ['ca', 'rotate', '--yes']);
    expect(run).toMatchObject({ code: 1, stderr: expect.stringMatching(/no CA yet\. Fix: create it with 'npm run mesh -- ca init'/) });
  });
});

describe('ca show', () => {
  it('prints subject, fingerprint and expiry, never the key; without an identity it says what it did not check', async () => {
    project = tempProject();
    const run = await mesh(project.root, ['ca', 'show']);
    const cert = inspectCertificate(read(CERT_FILE));
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('subject:      CN=Cilium Mesh CA example, O=k3s-cilium-mesh');
    expect(run.stdout).toContain(`sha256:       ${cert.fingerprintSha256}`);
    expect(run.stdout).toContain(`expires:      ${cert.notAfter.toISOString()}`);
    expect(run.stdout).toMatch(/not checked against the encrypted file: no age identity/);
    expect(run.stdout + run.stderr).not.toMatch(/PRIVATE KEY|tls:/);
  });

  it('with an identity verifies the MAC and that both files hold the same CA', async () => {
    project = tempProject();
    const run = await mesh(project.root, ['ca', 'show'], demoEnv);
    expect(run.stdout).toMatch(/MAC verified, the key belongs to the certificate, the clear certificate is the same/);
    expect(run.stdout).not.toMatch(/PRIVATE KEY/);
  });

  it('reports a tampered file as a MAC or tag failure', async () => {
    project = tempProject();
    writeFileSync(join(project.root, CA_FILE), read(CA_FILE).replace('app.kubernetes.io/managed-by: k3s-cilium-mesh', 'app.kubernetes.io/managed-by: someone'));
    const run = await mesh(project.root, ['ca', 'show'], demoEnv);
    expect(run).toMatchObject({ code: 1, stderr: expect.stringMatching(/MAC mismatch/) });
    writeFileSync(join(project.root, CA_FILE), read(CA_FILE).replace(/(values\.yaml: ENC\[AES256_GCM,data:)(.)/, (_m, p, c) => p + (c === 'A' ? 'B' : 'A')));
    expect((await mesh(project.root, ['ca', 'secret'], demoEnv)).stderr).toMatch(/stringData\.values\.yaml|authentication|could not be decrypted/i);
  });

  it('--write-cert restores a lost clear certificate from the encrypted file', async () => {
    project = tempProject();
    const cert = read(CERT_FILE);
    rmSync(join(project.root, CERT_FILE));
    expect((await mesh(project.root, ['ca', 'show', '--write-cert'])).stderr).toMatch(/needs an age identity/);
    const run = await mesh(project.root, ['ca', 'show', '--write-cert'], demoEnv);
    expect(run.code).toBe(0);
    expect(read(CERT_FILE)).toBe(cert);
  });
});

describe('ca secret', () => {
  it('prints the decrypted Secret for the k3s manifests folder, with the CA values the HelmChart reads', async () => {
    project = tempProject();
    const run = await mesh(project.root, ['ca', 'secret'], { SOPS_AGE_KEY: DEMO_IDENTITY });
    expect(run.code).toBe(0);
    const secret = parse(run.stdout) as any;
    expect(secret).toMatchObject({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'cilium-mesh-ca', namespace: 'kube-system' }, type: 'Opaque' });
    const values = parse(secret.stringData['values.yaml']) as any;
    expect(Buffer.from(values.tls.ca.cert, 'base64').toString()).toBe(read(CERT_FILE));
    expect(run.stderr).toMatch(/remove the file from the k3s manifests folder/);
  });

  it('needs an identity', async () => {
    project = tempProject();
    const run = await mesh(project.root, ['ca', 'secret']);
    expect(run).toMatchObject({ code: 1, stdout: '', stderr: expect.stringMatching(/'ca secret' needs an age identity.*SOPS_AGE_KEY_FILE/s) });
  });
});

describe('secrets rekey', () => {
  it('re-encrypts for a changed recipient list, keeping the CA', async () => {
    project = tempProject();
    const next = await newAgeKey();
    setRecipients([next.recipient]);
    const before = await decryptCaFile(read(CA_FILE), [DEMO_IDENTITY]);
    const run = await mesh(project.root, ['secrets', 'rekey'], demoEnv);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`+ ${next.recipient}`);
    expect(run.stdout).toContain(`- ${DEMO_RECIPIENT}`);
    const after = await decryptCaFile(read(CA_FILE), [next.identity]);
    expect(after.material).toEqual(before.material);
    await expect(decryptCaFile(read(CA_FILE), [DEMO_IDENTITY])).rejects.toMatchObject({ code: 'NO_IDENTITY' });
  });

  it('needs an identity of a current recipient, and writes nothing without one', async () => {
    project = tempProject();
    const next = await newAgeKey();
    setRecipients([next.recipient]);
    const before = read(CA_FILE);
    expect((await mesh(project.root, ['secrets', 'rekey'])).stderr).toMatch(/'secrets rekey' needs an age identity/);
    expect((await mesh(project.root, ['secrets', 'rekey'], { SOPS_AGE_KEY: next.identity })).stderr).toMatch(/None of the given age identities can open this file/);
    expect(read(CA_FILE)).toBe(before);
  });

  it('does nothing when the file already matches the inventory', async () => {
    project = tempProject();
    const run = await mesh(project.root, ['secrets', 'rekey']);
    expect(run).toMatchObject({ code: 0, stdout: expect.stringMatching(/nothing to do/) });
  });
});
