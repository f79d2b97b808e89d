/**
 * Synth copies the CA file into every dist/<cluster>/ byte for byte, so it must
 * be proven ciphertext first: the Secret's whole data encrypted, no key material
 * readable anywhere (a value, a comment, an annotation, the certificate file), a
 * MAC that covers the readable fields. Each exposure is one problem naming the
 * file, the field or line, and the fix; synth exits with dist/ as it was, and
 * the commands that write the CA file never write such a file.
 */
import { generateKeyPairSync } from 'crypto';
import { appendFileSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { formatProblem } from '../../../lib/report/problems';
import { caFileExposures, caSecretObject, createMeshCa, encryptCaSecret } from '../../../lib/secrets/mesh-ca';
import { encryptYaml } from '../../../lib/secrets/sops';
import { synthMesh } from '../../../lib/synth/synth-mesh';
import { treeDigest } from '../../support/tree';
import { CA_FILE, CERT_FILE, DEMO_IDENTITY, mesh, tempProject } from './support';

const DEMO_RECIPIENT = 'age1wu5ttwy9n73df5n94c6rlck92zpevvh3rvzpc8pj4dzz0ag2f9wqt7ey58';
const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const keyLine = pem.split('\n')[1];
const b64 = (text: string) => Buffer.from(text).toString('base64');

/** The example's CA file with `edit` applied to its text. */
type Edit = (text: string) => string;
const afterValues: (extra: string) => Edit = (extra) => (text) => text.replace(/^( {4}values\.yaml: ENC\[.*)$/m, `$1\n${extra}`);

const EXPOSURES: ReadonlyArray<[string, Edit, { field: string; message: RegExp }]> = [
  ['an extra clear value under stringData', afterValues('    extra: hunter2'), { field: 'stringData.extra', message: /holds stringData\.extra in clear text: the Secret data is readable/ }],
  ['a base64 PEM key under data', (t) => `${t.replace('stringData:', `data:\n    tls.key: ${b64(pem)}\nstringData:`)}`, { field: 'data.tls.key', message: /holds data\.tls\.key in clear text, a base64-encoded private key/ }],
  ['a PEM private key in a YAML comment', (t) => t.replace('type: Opaque\n', `type: Opaque\n# ${pem.trim().replace(/\n/g, '\n# ')}\n`), { field: '', message: /has a PEM private key in clear in a comment at line 13/ }],
  ['an age identity in a readable annotation', (t) => t.replace('    annotations:\n', `    annotations:\n        note: ${DEMO_IDENTITY}\n`), { field: '', message: /has an age identity in clear in a readable field at line 9/ }],
];

describe('the CA file is proven ciphertext before synth copies it', () => {
  it.each(EXPOSURES)('%s: one problem with the fix; synth exits non-zero and leaves dist/ as it was', (_what, edit, expected) => {
    const project = tempProject();
    try {
      expect(synthMesh({ root: project.root }).ok).toBe(true);
      const before = treeDigest(join(project.root, 'dist'));
      const path = join(project.root, CA_FILE);
      writeFileSync(path, edit(readFileSync(path, 'utf8')));

      const result = synthMesh({ root: project.root });
      expect(result.ok).toBe(false);
      const errors = result.problems.filter((p) => p.severity === 'error');
      expect(errors).toEqual([expect.objectContaining({ file: CA_FILE, field: expected.field, message: expect.stringMatching(expected.message), fix: expect.stringMatching(/ca rotate|delete it from the file/) })]);
      expect(formatProblem(errors[0])).not.toContain(keyLine);
      expect(treeDigest(join(project.root, 'dist'))).toBe(before);
    } finally {
      project.cleanup();
    }
  });

  it('refuses a file whose MAC leaves the readable fields out (mac_only_encrypted)', async () => {
    const material = await createMeshCa({ meshName: 'x', days: 400 });
    const text = await encryptYaml(caSecretObject('kube-system', material), { recipients: [DEMO_RECIPIENT], macOnlyEncrypted: true });
    expect(caFileExposures(text)).toEqual([expect.objectContaining({ field: 'sops.mac_only_encrypted', message: expect.stringMatching(/MAC does not cover the readable fields/) })]);
  });

  it('proves the file ca init writes', async () => {
    const material = await createMeshCa({ meshName: 'x', days: 400 });
    expect(caFileExposures(await encryptCaSecret('kube-system', material, [DEMO_RECIPIENT]))).toEqual([]);
  });

  it('refuses a certificate file that carries the private key along (cat ca.crt ca.key > ca.crt)', () => {
    const project = tempProject();
    try {
      appendFileSync(join(project.root, CERT_FILE), pem);
      const result = synthMesh({ root: project.root });
      expect(result.ok).toBe(false);
      expect(result.problems.filter((p) => p.severity === 'error')).toEqual([
        expect.objectContaining({ file: CERT_FILE, message: expect.stringMatching(/holds a PEM private key in clear/), fix: expect.stringMatching(/keep only the certificate/) }),
      ]);
    } finally {
      project.cleanup();
    }
  });
});

describe('the commands never write or pass on an exposed CA file', () => {
  const demoEnv = { SOPS_AGE_KEY: DEMO_IDENTITY };

  it.each(EXPOSURES)('secrets rekey refuses a file with %s and leaves it as it was', async (_what, edit) => {
    const project = tempProject();
    try {
      const path = join(project.root, CA_FILE);
      const exposed = edit(readFileSync(path, 'utf8'));
      writeFileSync(path, exposed);
      const mesh_ = readFileSync(join(project.root, 'clusters', 'mesh.yaml'), 'utf8');
      writeFileSync(join(project.root, 'clusters', 'mesh.yaml'), mesh_.replace(DEMO_RECIPIENT, `${DEMO_RECIPIENT}\n    - age1xva6x5xztq669j298jfpy0s5hhz4thul26df94y36h68u2mzq9vsd8ru9k`));
      const run = await mesh(project.root, ['secrets', 'rekey'], demoEnv);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^error: secrets\/cilium-mesh-ca\.sops\.yaml.*\. Fix: \S/m);
      expect(run.stderr).not.toContain(keyLine);
      expect(readFileSync(path, 'utf8')).toBe(exposed);
    } finally {
      project.cleanup();
    }
  });

  it('ca show and ca secret report the exposure with its fix, and print no key', async () => {
    const project = tempProject();
    try {
      const path = join(project.root, CA_FILE);
      writeFileSync(path, EXPOSURES[2][1](readFileSync(path, 'utf8')));
      for (const argv of [['ca', 'show'], ['ca', 'secret']]) {
        const run = await mesh(project.root, argv, demoEnv);
        expect(run.code).toBe(1);
        expect(run.stderr).toMatch(/^error: secrets\/cilium-mesh-ca\.sops\.yaml:13 has a PEM private key in clear in a comment.*\. Fix: delete it from the file/m);
        expect(run.stdout + run.stderr).not.toContain(keyLine);
      }
    } finally {
      project.cleanup();
    }
  });
});
