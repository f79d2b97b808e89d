/**
 * Helpers for the mesh CA tests: the demo identity, projects in temporary
 * folders, the CLI run in-process, and leaf certificates signed the way Cilium's
 * certgen (and the chart's helm method) sign them.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { ChildProcess, execFileSync, spawn } from 'child_process';
import { createPrivateKey, createPublicKey, generateKeyPairSync, webcrypto } from 'crypto';
import { request } from 'https';
import { createServer } from 'net';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { runMeshCli } from '../../../lib/cli/mesh-cli';
import { MeshCaMaterial } from '../../../lib/secrets/mesh-ca';
import { parseAgeIdentities } from '../../../lib/secrets/sops';
import { EXAMPLE_MESH_DIR, PROJECT_ROOT } from '../../support/paths';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export const DEMO_IDENTITY_FILE = join(PROJECT_ROOT, 'test', 'fixtures', 'demo-age-identity.txt');
export const DEMO_IDENTITY = parseAgeIdentities(readFileSync(DEMO_IDENTITY_FILE, 'utf8'), DEMO_IDENTITY_FILE)[0];
export const CA_FILE = 'secrets/cilium-mesh-ca.sops.yaml';
export const CERT_FILE = 'secrets/cilium-mesh-ca.crt';

/** A copy of the example mesh (clusters/) and, unless `withSecrets` is false, its secrets/. */
export function tempProject(withSecrets = true): { root: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'mesh-ca-test-'));
  cpSync(join(EXAMPLE_MESH_DIR, 'clusters'), join(root, 'clusters'), { recursive: true });
  if (withSecrets) cpSync(join(EXAMPLE_MESH_DIR, 'secrets'), join(root, 'secrets'), { recursive: true });
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `npm run mesh -- <argv>` in-process, with only the given environment (no HOME: no default key file). */
export async function mesh(root: string, argv: string[], env: Record<string, string> = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const out = { write: (chunk: string) => ((stdout += chunk), true) } as unknown as NodeJS.WritableStream;
  const err = { write: (chunk: string) => ((stderr += chunk), true) } as unknown as NodeJS.WritableStream;
  const code = await runMeshCli(argv, { root, env: { ...env }, stdout: out, stderr: err });
  return { code, stdout, stderr };
}

const SIGNING = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;

async function importKeys(keyPem: string | undefined) {
  const pair = keyPem ? undefined : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privateKey = pair ? pair.privateKey : createPrivateKey(keyPem!);
  const publicKey = pair ? pair.publicKey : createPublicKey(privateKey);
  return {
    privatePem: privateKey.export({ type: 'pkcs1', format: 'pem' }) as string,
    privateKey: await webcrypto.subtle.importKey('pkcs8', privateKey.export({ type: 'pkcs8', format: 'der' }), SIGNING, false, ['sign']),
    publicKey: await webcrypto.subtle.importKey('spki', publicKey.export({ type: 'spki', format: 'der' }), SIGNING, true, ['verify']),
  };
}

/**
 * The key pair of every leaf of this test process: whether a chain verifies does not depend on the
 * leaf's key, and an RSA 2048 key costs up to a few hundred milliseconds to generate.
 */
let leafKeys: ReturnType<typeof importKeys> | undefined;

export interface LeafOptions {
  readonly commonName: string;
  readonly dnsNames?: string[];
  readonly ips?: string[];
  readonly server?: boolean;
  readonly client?: boolean;
  readonly days?: number;
}

/**
 * A leaf certificate and key signed by `ca`, as Cilium signs them with sprig's
 * genSignedCert: an RSA 2048 key (the process's leaf key), keyUsage digitalSignature + keyEncipherment,
 * extKeyUsage serverAuth and/or clientAuth, DNS and IP SANs.
 */
export async function signLeaf(ca: MeshCaMaterial, options: LeafOptions): Promise<{ certPem: string; keyPem: string }> {
  const caKeys = await importKeys(ca.keyPem);
  const leaf = await (leafKeys ??= importKeys(undefined));
  const caCert = new x509.X509Certificate(ca.certPem);
  const usages: string[] = [];
  if (options.server !== false) usages.push(x509.ExtendedKeyUsage.serverAuth);
  if (options.client !== false) usages.push(x509.ExtendedKeyUsage.clientAuth);
  const names = [...(options.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })), ...(options.ips ?? []).map((value) => ({ type: 'ip' as const, value }))];
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: '01' + Buffer.from(webcrypto.getRandomValues(new Uint8Array(8))).toString('hex'),
    subject: `CN=${options.commonName}`,
    issuer: caCert.subject,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + (options.days ?? 365) * 86_400_000),
    signingAlgorithm: SIGNING,
    publicKey: leaf.publicKey,
    signingKey: caKeys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension(usages),
      ...(names.length > 0 ? [new x509.SubjectAlternativeNameExtension(names)] : []),
      await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem') + '\n', keyPem: leaf.privatePem };
}

/** A self-signed certificate that is NOT a CA (basicConstraints CA:false), with its key. */
export async function notACa(commonName: string, days = 3650): Promise<MeshCaMaterial> {
  const keys = await importKeys(undefined);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '02',
    name: `CN=${commonName}`,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + days * 86_400_000),
    signingAlgorithm: SIGNING,
    keys: { privateKey: keys.privateKey, publicKey: keys.publicKey } as unknown as Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[0]['keys'],
    extensions: [new x509.BasicConstraintsExtension(false, undefined, true)],
  });
  return { certPem: cert.toString('pem') + '\n', keyPem: keys.privatePem };
}

/** Path of a Debian tool, or undefined. */
export function which(tool: string): string | undefined {
  try {
    return execFileSync('which', [tool], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** A TCP port free on 127.0.0.1 at the time of asking. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** GET /version of an etcd over TLS, trusting `ca`; resolves with the status and body, rejects on a TLS or socket error. Bounded to 5 s. */
export function getEtcdVersion(port: number, ca: string, client: { readonly cert?: string; readonly key?: string }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/version', method: 'GET', ca, cert: client.cert, key: client.key, agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** A real etcd on loopback, as clustermesh-apiserver runs it: TLS with client-cert-auth. */
export interface RunningEtcd {
  readonly port: number;
  readonly child: ChildProcess;
  readonly dir: string;
}

export interface EtcdOptions {
  /** Its member name, and the prefix of its temporary folder. */
  readonly name: string;
  /** The CAs it trusts for client certificates (PEM, one or several). */
  readonly trustedCa: string;
  readonly server: { readonly certPem: string; readonly keyPem: string };
  /** A client that must get an answer once etcd is up, trusting `ca`. */
  readonly probe: { readonly ca: string; readonly client: { readonly cert?: string; readonly key?: string } };
}

/** Starts etcd and resolves once the probe client gets an answer; rejects when it exits or takes over 30 s. */
export async function startEtcd(etcd: string, options: EtcdOptions): Promise<RunningEtcd> {
  const dir = mkdtempSync(join(tmpdir(), `${options.name}-etcd-`));
  for (const [name, text] of Object.entries({ 'ca.crt': options.trustedCa, 'server.crt': options.server.certPem, 'server.key': options.server.keyPem })) {
    writeFileSync(join(dir, name), text, { mode: 0o600 });
  }
  const port = await freePort();
  const peerPort = await freePort();
  const child = spawn(
    etcd,
    [
      '--name', options.name,
      '--data-dir', join(dir, 'data'),
      '--listen-client-urls', `https://127.0.0.1:${port}`,
      '--advertise-client-urls', `https://127.0.0.1:${port}`,
      '--listen-peer-urls', `http://127.0.0.1:${peerPort}`,
      '--initial-advertise-peer-urls', `http://127.0.0.1:${peerPort}`,
      '--initial-cluster', `${options.name}=http://127.0.0.1:${peerPort}`,
      '--cert-file', join(dir, 'server.crt'),
      '--key-file', join(dir, 'server.key'),
      '--trusted-ca-file', join(dir, 'ca.crt'),
      '--client-cert-auth',
      '--listen-metrics-urls', '',
      // One member alone: it elects itself after one election timeout, 1-2 s by default, 0.1 s here.
      '--heartbeat-interval', '10',
      '--election-timeout', '100',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ETCD_UNSUPPORTED_ARCH: process.arch === 'x64' ? '' : process.arch } },
  );
  let log = '';
  child.stdout!.on('data', (c) => (log += c));
  child.stderr!.on('data', (c) => (log += c));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`etcd exited (${child.exitCode}):\n${log.slice(-3000)}`);
    try {
      if ((await getEtcdVersion(port, options.probe.ca, options.probe.client)).status === 200) return { port, child, dir };
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      await stopEtcd({ port, child, dir });
      throw new Error(`etcd did not answer within 30 s:\n${log.slice(-3000)}`);
    }
    // etcd is up within a second; a short wait between probes lets the test go on as soon as it is.
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Stops etcd (SIGTERM, then SIGKILL after 5 s) and removes its folder. */
export async function stopEtcd({ child, dir }: RunningEtcd): Promise<void> {
  if (child.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 5000)))]);
    clearTimeout(timer);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
  rmSync(dir, { recursive: true, force: true });
}
