/**
 * Real TLS with the mesh CA: a real etcd (Debian's etcd-server, as the
 * clustermesh-apiserver runs it) started on loopback with a server certificate
 * signed by the CA and client-cert-auth on accepts a client certificate from the
 * CA and refuses one from another CA, or none at all.
 */
import { ChildProcess, spawn } from 'child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { createMeshCa, MeshCaMaterial } from '../../../lib/secrets/mesh-ca';
import { describeNeeding, toolRequirement } from '../../support/skips';
import { freePort, getEtcdVersion, signLeaf, which } from './support';

const etcd = which('etcd');


interface Client {
  readonly cert?: string;
  readonly key?: string;
}


describeNeeding('etcd with certificates from the mesh CA', toolRequirement(!!etcd, 'etcd (a real etcd server)', 'apt-get install etcd-server'), () => {
  let dir: string;
  let child: ChildProcess | undefined;
  let port: number;
  let ca: MeshCaMaterial;
  let client: Client;
  let foreign: Client;
  let log = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mesh-ca-etcd-'));
    ca = await createMeshCa({ meshName: 'etcd-test', days: 30 });
    const other = await createMeshCa({ meshName: 'other', days: 30 });
    const server = await signLeaf(ca, { commonName: 'clustermesh-apiserver.cilium.io', dnsNames: ['localhost', 'k3scl1.mesh.cilium.io'], ips: ['127.0.0.1'] });
    const asClient = (leaf: { certPem: string; keyPem: string }): Client => ({ cert: leaf.certPem, key: leaf.keyPem });
    client = asClient(await signLeaf(ca, { commonName: 'remote', server: false }));
    foreign = asClient(await signLeaf(other, { commonName: 'remote', server: false }));
    for (const [name, text] of Object.entries({ 'ca.crt': ca.certPem, 'server.crt': server.certPem, 'server.key': server.keyPem })) {
      writeFileSync(join(dir, name), text, { mode: 0o600 });
    }
    port = await freePort();
    const peerPort = await freePort();
    child = spawn(
      etcd!,
      [
        '--name', 'mesh-ca-test',
        '--data-dir', join(dir, 'data'),
        '--listen-client-urls', `https://127.0.0.1:${port}`,
        '--advertise-client-urls', `https://127.0.0.1:${port}`,
        '--listen-peer-urls', `http://127.0.0.1:${peerPort}`,
        '--initial-advertise-peer-urls', `http://127.0.0.1:${peerPort}`,
        '--initial-cluster', `mesh-ca-test=http://127.0.0.1:${peerPort}`,
        '--cert-file', join(dir, 'server.crt'),
        '--key-file', join(dir, 'server.key'),
        '--trusted-ca-file', join(dir, 'ca.crt'),
        '--client-cert-auth',
        '--listen-metrics-urls', '',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ETCD_UNSUPPORTED_ARCH: process.arch === 'x64' ? '' : process.arch } },
    );
    child.stdout!.on('data', (c) => (log += c));
    child.stderr!.on('data', (c) => (log += c));
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`etcd exited (${child.exitCode}):\n${log.slice(-3000)}`);
      try {
        const res = await getEtcdVersion(port, ca.certPem, client);
        if (res.status === 200) break;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline) throw new Error(`etcd did not answer within 30 s:\n${log.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }, 60_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('accepts a client certificate signed by the mesh CA', async () => {
    const res = await getEtcdVersion(port, ca.certPem, client);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toHaveProperty('etcdserver');
  });

  it('refuses a client certificate signed by another CA', async () => {
    await expect(getEtcdVersion(port, ca.certPem, foreign)).rejects.toThrow(/certificate|alert|socket hang up|ECONNRESET/i);
  });

  it('refuses a client without a certificate', async () => {
    await expect(getEtcdVersion(port, ca.certPem, {})).rejects.toThrow(/certificate|alert|socket hang up|ECONNRESET/i);
  });

  it('is itself trusted only through the mesh CA', async () => {
    const stranger = await createMeshCa({ meshName: 'stranger', days: 1 });
    await expect(getEtcdVersion(port, stranger.certPem, client)).rejects.toThrow(/self[- ]signed|unable to verify|certificate/i);
  });
});
