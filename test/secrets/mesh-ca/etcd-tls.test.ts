/**
 * Real TLS with the mesh CA: a real etcd (Debian's etcd-server, as the
 * clustermesh-apiserver runs it) started on loopback with a server certificate
 * signed by the CA and client-cert-auth on accepts a client certificate from the
 * CA and refuses one from another CA, or none at all.
 */
import { createMeshCa, MeshCaMaterial } from '../../../lib/secrets/mesh-ca';
import { describeNeeding, toolRequirement } from '../../support/skips';
import { getEtcdVersion, RunningEtcd, signLeaf, startEtcd, stopEtcd, which } from './support';

const etcd = which('etcd');


interface Client {
  readonly cert?: string;
  readonly key?: string;
}


describeNeeding('etcd with certificates from the mesh CA', toolRequirement(!!etcd, 'etcd (a real etcd server)', 'apt-get install etcd-server'), () => {
  let running: RunningEtcd | undefined;
  let port: number;
  let ca: MeshCaMaterial;
  let client: Client;
  let foreign: Client;

  beforeAll(async () => {
    ca = await createMeshCa({ meshName: 'etcd-test', days: 30 });
    const other = await createMeshCa({ meshName: 'other', days: 30 });
    const server = await signLeaf(ca, { commonName: 'clustermesh-apiserver.cilium.io', dnsNames: ['localhost', 'k3scl1.mesh.cilium.io'], ips: ['127.0.0.1'] });
    const asClient = (leaf: { certPem: string; keyPem: string }): Client => ({ cert: leaf.certPem, key: leaf.keyPem });
    client = asClient(await signLeaf(ca, { commonName: 'remote', server: false }));
    foreign = asClient(await signLeaf(other, { commonName: 'remote', server: false }));
    running = await startEtcd(etcd!, { name: 'mesh-ca-test', trustedCa: ca.certPem, server, probe: { ca: ca.certPem, client } });
    port = running.port;
  });

  afterAll(async () => {
    if (running) await stopEtcd(running);
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
