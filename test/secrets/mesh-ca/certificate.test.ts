/**
 * The CA `ca init` creates: a real CA Cilium can sign with, in key formats sprig
 * parses, and the checks synth runs on it (not a CA, expired, expiring soon).
 * A leaf signed by it, as Cilium signs its certificates, passes `openssl verify`.
 */
import { execFileSync } from 'child_process';
import { createPrivateKey } from 'crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { caSubject, checkCaCertificate, createMeshCa, inspectCertificate, keyMatchesCertificate, MeshCaMaterial } from '../../../lib/secrets/mesh-ca';
import { describeNeeding, toolRequirement } from '../../support/skips';
import { notACa, signLeaf, which } from './support';

const DAY = 86_400_000;

describe('createMeshCa', () => {
  let ca: MeshCaMaterial;
  beforeAll(async () => {
    ca = await createMeshCa({ meshName: 'example', days: 1825, now: new Date('2030-01-01T00:00:00Z') });
  });

  it('makes a self-signed CA that may sign certificates, named after the mesh', () => {
    const facts = inspectCertificate(ca.certPem);
    expect(facts.subject).toBe('CN=Cilium Mesh CA example\nO=k3s-cilium-mesh');
    expect(caSubject('example')).toBe('CN=Cilium Mesh CA example, O=k3s-cilium-mesh');
    expect(facts).toMatchObject({ isCa: true, canSignCertificates: true, selfSigned: true });
    expect(facts.notAfter.toISOString()).toBe(new Date(Date.parse('2030-01-01T00:00:00Z') + 1825 * DAY).toISOString());
    expect(facts.fingerprintSha256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });

  it('writes the key as PKCS#1 RSA 2048, which every sprig buildCustomCert parses, and it matches the certificate', () => {
    expect(ca.keyPem).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/);
    const key = createPrivateKey(ca.keyPem);
    expect(key.asymmetricKeyType).toBe('rsa');
    expect(key.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(keyMatchesCertificate(ca.certPem, ca.keyPem)).toBe(true);
  });

  it('has basicConstraints CA:true and keyUsage keyCertSign, cRLSign, digitalSignature, both critical (openssl reads them so)', () => {
    const text = execFileSync('openssl', ['x509', '-noout', '-text'], { input: ca.certPem, encoding: 'utf8' });
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE/);
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Digital Signature, Certificate Sign, CRL Sign/);
    expect(text).toMatch(/Signature Algorithm: sha256WithRSAEncryption/);
  });

  it('refuses a validity that is not 1 to 7300 whole days', async () => {
    await expect(createMeshCa({ meshName: 'x', days: 0 })).rejects.toThrow(/between 1 and 7300/);
    await expect(createMeshCa({ meshName: 'x', days: 1.5 })).rejects.toThrow(/whole number/);
  });
});

describe('checkCaCertificate', () => {
  let ca: MeshCaMaterial;
  beforeAll(async () => {
    ca = await createMeshCa({ meshName: 'example', days: 100, now: new Date('2030-01-01T00:00:00Z') });
  });
  const facts = () => inspectCertificate(ca.certPem);

  it('is silent for a CA with more than 90 days left', () => {
    expect(checkCaCertificate(facts(), new Date('2030-01-05T00:00:00Z'))).toEqual([]);
  });

  it('warns when the CA expires within 90 days, with the date and a rotation hint', () => {
    const checks = checkCaCertificate(facts(), new Date('2030-02-15T00:00:00Z'));
    expect(checks).toEqual([{ severity: 'warning', message: 'expires on 2030-04-11, in 55 days', fix: expect.stringMatching(/ca rotate/) }]);
  });

  it('fails an expired CA', () => {
    const checks = checkCaCertificate(facts(), new Date('2030-05-01T00:00:00Z'));
    expect(checks).toEqual([{ severity: 'error', message: expect.stringMatching(/^expired on 2030-04-11/), fix: expect.stringMatching(/ca rotate/) }]);
  });

  it('fails a certificate that is not a CA (basicConstraints)', async () => {
    const leafLike = await notACa('not a ca');
    const checks = checkCaCertificate(inspectCertificate(leafLike.certPem));
    expect(checks).toEqual([expect.objectContaining({ severity: 'error', message: expect.stringMatching(/not a CA certificate \(basicConstraints CA:true is missing\)/) })]);
  });

  it('refuses text that is not exactly one certificate', () => {
    expect(() => inspectCertificate('hello')).toThrow(/holds no PEM certificate/);
    expect(() => inspectCertificate(ca.certPem + ca.certPem)).toThrow(/holds 2 certificates/);
    expect(() => inspectCertificate('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n')).toThrow(/not a readable X.509 certificate/);
  });
});

const openssl = which('openssl');

describeNeeding('openssl verify: leaf certificates signed by the mesh CA', toolRequirement(!!openssl, 'openssl', 'apt-get install openssl'), () => {
  let dir: string;
  let ca: MeshCaMaterial;
  let other: MeshCaMaterial;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mesh-ca-openssl-'));
    ca = await createMeshCa({ meshName: 'example', days: 365 });
    other = await createMeshCa({ meshName: 'other', days: 365 });
    writeFileSync(join(dir, 'ca.crt'), ca.certPem);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const verify = (leafPem: string, purpose: string) => {
    writeFileSync(join(dir, 'leaf.crt'), leafPem);
    try {
      return { ok: true, out: execFileSync('openssl', ['verify', '-purpose', purpose, '-CAfile', join(dir, 'ca.crt'), join(dir, 'leaf.crt')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) };
    } catch (err) {
      return { ok: false, out: String((err as { stdout?: string }).stdout) + String((err as { stderr?: string }).stderr) };
    }
  };

  it('accepts the clustermesh-apiserver server certificate Cilium would sign', async () => {
    const leaf = await signLeaf(ca, { commonName: 'clustermesh-apiserver.cilium.io', dnsNames: ['k3scl1.mesh.cilium.io', 'clustermesh-apiserver.cilium.io', '*.mesh.cilium.io'], ips: ['127.0.0.1'], client: false });
    expect(verify(leaf.certPem, 'sslserver')).toEqual({ ok: true, out: expect.stringMatching(/leaf.crt: OK/) });
  });

  it('accepts the remote client certificate Cilium would sign', async () => {
    const leaf = await signLeaf(ca, { commonName: 'remote', server: false });
    expect(verify(leaf.certPem, 'sslclient')).toEqual({ ok: true, out: expect.stringMatching(/leaf.crt: OK/) });
  });

  it('rejects a certificate signed by another CA', async () => {
    const leaf = await signLeaf(other, { commonName: 'remote', server: false });
    const result = verify(leaf.certPem, 'sslclient');
    expect(result.ok).toBe(false);
    expect(result.out).toMatch(/unable to get local issuer certificate/);
  });
});
