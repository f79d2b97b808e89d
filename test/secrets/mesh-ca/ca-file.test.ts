/**
 * The CA file: a round trip through the SOPS writer and reader, the committed
 * demo file opened without our reader (Debian's `age` for the data key, Node's
 * AES-GCM for the value and the MAC), and the failures a damaged file must give.
 */
import { execFileSync } from 'child_process';
import { createDecipheriv, createHash } from 'crypto';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { parse } from 'yaml';
import { tmpdir } from 'os';
import { join } from 'path';
import { caFromSecret, caValuesText, createMeshCa, decryptCaFile, encryptCaSecret, inspectCertificate, MeshCaMaterial, outlineCaFile } from '../../../lib/secrets/mesh-ca';
import { encryptYaml, SopsError } from '../../../lib/secrets/sops';
import { EXAMPLE_MESH_DIR } from '../../support/paths';
import { newAgeKey } from '../sops/age-test-keys';
import { describeNeeding, toolRequirement } from '../../support/skips';
import { CA_FILE, CERT_FILE, DEMO_IDENTITY, DEMO_IDENTITY_FILE, which } from './support';

const committed = readFileSync(join(EXAMPLE_MESH_DIR, CA_FILE), 'utf8');
const committedCert = readFileSync(join(EXAMPLE_MESH_DIR, CERT_FILE), 'utf8');

describe('the CA Secret through SOPS', () => {
  let ca: MeshCaMaterial;
  let key: { identity: string; recipient: string };
  let text: string;
  beforeAll(async () => {
    ca = await createMeshCa({ meshName: 'rt', days: 30 });
    key = await newAgeKey();
    text = await encryptCaSecret('cilium', ca, [key.recipient]);
  });

  it('round-trips: the decrypted Secret holds the same certificate and key, as Helm values', async () => {
    const back = await decryptCaFile(text, [key.identity]);
    expect(back.material).toEqual(ca);
    expect(back.namespace).toBe('cilium');
    expect((back.secret.stringData as Record<string, string>)['values.yaml']).toBe(caValuesText(ca));
    const values = parse(caValuesText(ca)) as any;
    expect(Buffer.from(values.tls.ca.cert, 'base64').toString()).toBe(ca.certPem);
    expect(Buffer.from(values.tls.ca.key, 'base64').toString()).toBe(ca.keyPem);
  });

  it('keeps name, namespace, labels and the fingerprint readable, and only stringData encrypted', () => {
    const outline = outlineCaFile(text);
    expect(outline).toEqual({ namespace: 'cilium', recipients: [key.recipient], fingerprintSha256: inspectCertificate(ca.certPem).fingerprintSha256 });
    expect(text).not.toMatch(/PRIVATE KEY|BEGIN CERTIFICATE/);
    expect(text).not.toContain(Buffer.from(ca.keyPem).toString('base64').slice(0, 40));
    expect(text).toMatch(/^ {4}values\.yaml: ENC\[AES256_GCM,data:/m);
    expect(text).toMatch(/encrypted_regex: \^\(data\|stringData\)\$/);
  });

  it('fails a tampered value (GCM tag) and names the file as damaged, without revealing anything', async () => {
    const tampered = text.replace(/(values\.yaml: ENC\[AES256_GCM,data:)(.)/, (_m, p, c) => p + (c === 'A' ? 'B' : 'A'));
    await expect(decryptCaFile(tampered, [key.identity])).rejects.toMatchObject({ name: 'SopsError', code: 'VALUE_DECRYPT_FAILED' });
  });

  it('fails a changed readable field (MAC)', async () => {
    const tampered = text.replace('namespace: cilium', 'namespace: kube-system');
    await expect(decryptCaFile(tampered, [key.identity])).rejects.toMatchObject({ code: 'MAC_MISMATCH' });
  });

  it('fails a truncated file before any key is needed', () => {
    const truncated = text.slice(0, text.indexOf('sops:'));
    expect(() => outlineCaFile(truncated)).toThrow(SopsError);
    expect(() => outlineCaFile(truncated)).toThrow(/not sops-encrypted: there is no top-level "sops" metadata key/);
    expect(() => outlineCaFile(text.slice(0, text.length - 200))).toThrow();
  });

  it('fails a file without a MAC', () => {
    const macless = text.replace(/^ {4}mac: .*$/m, '    mac: ""');
    expect(() => outlineCaFile(macless)).toThrow(/has no sops MAC/);
  });

  it('fails without an identity, or with one that is not a recipient', async () => {
    await expect(decryptCaFile(text, [])).rejects.toMatchObject({ code: 'NO_IDENTITY' });
    const stranger = await newAgeKey();
    await expect(decryptCaFile(text, [stranger.identity])).rejects.toMatchObject({ code: 'NO_IDENTITY', message: expect.stringMatching(/None of the given age identities can open this file/) });
  });

  it('refuses a Secret whose values are in clear text, or that is not the CA Secret', async () => {
    const clear = await encryptYaml({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'cilium-mesh-ca', namespace: 'x' }, stringData: { 'values.yaml': 'x' } }, { recipients: [key.recipient], encryptedRegex: '^nothing$' });
    expect(() => outlineCaFile(clear)).toThrow(/holds stringData.values.yaml in clear text/);
    const other = await encryptYaml({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'other', namespace: 'x' }, stringData: { 'values.yaml': 'x' } }, { recipients: [key.recipient] });
    expect(() => outlineCaFile(other)).toThrow(/names the Secret "other"; the HelmChart reads 'cilium-mesh-ca'/);
    expect(() => caFromSecret({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'cilium-mesh-ca', namespace: 'x' }, stringData: { 'values.yaml': 'tls: {}' } })).toThrow(/without tls.ca.cert and tls.ca.key/);
  });
});

describe('the committed demo CA', () => {
  it('opens with the demo identity, and the clear certificate beside it is the one inside', async () => {
    const ca = await decryptCaFile(committed, [DEMO_IDENTITY]);
    expect(ca.material.certPem).toBe(committedCert);
    expect(ca.certificate.isCa).toBe(true);
    expect(ca.namespace).toBe('kube-system');
    // Demo CA: ten years, so CI does not start warning soon.
    expect(ca.certificate.notAfter.getTime() - ca.certificate.notBefore.getTime()).toBeGreaterThan(3649 * 86_400_000);
  });

  it('labels the demo identity as demo only', () => {
    expect(readFileSync(DEMO_IDENTITY_FILE, 'utf8').split('\n')[0]).toMatch(/^# DEMO ONLY, NEVER FOR REAL USE/);
    expect(readFileSync(join(EXAMPLE_MESH_DIR, 'clusters', 'mesh.yaml'), 'utf8')).toMatch(/DEMO KEY, NEVER FOR REAL USE/);
  });
});

const age = which('age');

describeNeeding('the committed CA file, opened without our reader', toolRequirement(!!age, 'the age command line tool', 'apt-get install age'), () => {
  function open(enc: string, dataKey: Buffer, aad: string): string {
    const m = /^ENC\[AES256_GCM,data:(.*),iv:(.*),tag:(.*),type:str\]$/.exec(enc)!;
    const decipher = createDecipheriv('aes-256-gcm', dataKey, Buffer.from(m[2], 'base64'));
    decipher.setAAD(Buffer.from(aad));
    decipher.setAuthTag(Buffer.from(m[3], 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(m[1], 'base64')), decipher.final()]).toString('utf8');
  }

  it('age -d (Debian, filippo.io/age) unwraps the data key; Node AES-GCM opens the values and the MAC', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mesh-ca-age-'));
    try {
      const doc = parse(committed) as any;
      const dataKey = execFileSync(age!, ['--decrypt', '-i', DEMO_IDENTITY_FILE], { input: doc.sops.age[0].enc });
      expect(dataKey).toHaveLength(32);
      const values = open(doc.stringData['values.yaml'], dataKey, 'stringData:values.yaml:');
      const parsed = parse(values) as any;
      expect(Buffer.from(parsed.tls.ca.cert, 'base64').toString()).toBe(committedCert);
      expect(Buffer.from(parsed.tls.ca.key, 'base64').toString()).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
      // MAC: SHA-512 over every value in document order (sops mac_only_encrypted false).
      const annotations = Object.values(doc.metadata.annotations) as string[];
      expect(annotations).toContain(doc.metadata.annotations['k3s-cilium-mesh.io/ca-fingerprint-sha256']);
      const leaves = ['v1', 'Secret', 'cilium-mesh-ca', 'kube-system', 'k3s-cilium-mesh', ...annotations, 'Opaque', values];
      const mac = leaves.reduce((h, v) => h.update(v), createHash('sha512')).digest('hex').toUpperCase();
      expect(open(doc.sops.mac, dataKey, doc.sops.lastmodified)).toBe(mac);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
