import { Testing } from 'cdk8s';
import { meshChart } from '../support/mesh-chart';
import { meshPeerConfig } from '../../lib/cilium/peer-config';
import { ClusterMeshSecrets } from '../../lib/constructs/clustermesh-secrets';
import { exampleWithVersion, meshOf } from '../support/inventory-fixture';

function render(version: string, kvstoremesh: boolean, clusterName = 'k3scl2') {
  const mesh = meshOf(exampleWithVersion(version, kvstoremesh));
  const cluster = mesh.clusters.find((c) => c.name === clusterName)!;
  const chart = meshChart();
  new ClusterMeshSecrets(chart, 's', { namespace: 'kube-system', ...meshPeerConfig(mesh, cluster) });
  const objects = Testing.synth(chart);
  const decoded = (name: string) => {
    const secret = objects.find((o) => o.metadata.name === name);
    return secret && Object.fromEntries(Object.entries(secret.data as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
  };
  return { objects, clustermesh: decoded('cilium-clustermesh'), kvstoremesh: decoded('cilium-kvstoremesh') };
}

describe('ClusterMeshSecrets', () => {
  it('with KVStoreMesh, agents read every peer from the local apiserver and KVStoreMesh dials the peers', () => {
    const { objects, clustermesh, kvstoremesh } = render('1.19.6', true);
    expect(objects).toMatchSnapshot();
    expect(objects.map((o) => [o.kind, o.type, o.metadata.namespace])).toEqual([
      ['Secret', 'Opaque', 'kube-system'],
      ['Secret', 'Opaque', 'kube-system'],
    ]);
    expect(Object.keys(clustermesh!)).toEqual(['k3scl1', 'k3scl3']);
    expect(clustermesh!.k3scl1).toBe(
      'endpoints:\n- https://clustermesh-apiserver.kube-system.svc:2379\n' +
        'trusted-ca-file: /var/lib/cilium/clustermesh/local-etcd-client-ca.crt\n' +
        'key-file: /var/lib/cilium/clustermesh/local-etcd-client.key\n' +
        'cert-file: /var/lib/cilium/clustermesh/local-etcd-client.crt',
    );
    expect(Object.keys(kvstoremesh!)).toEqual(['k3scl1', 'k3scl3']);
    expect(kvstoremesh!.k3scl1).toBe(
      'endpoints:\n- https://k3scl1.mesh.cilium.io:32379\n' +
        'trusted-ca-file: /var/lib/cilium/clustermesh/common-etcd-client-ca.crt\n' +
        'key-file: /var/lib/cilium/clustermesh/common-etcd-client.key\n' +
        'cert-file: /var/lib/cilium/clustermesh/common-etcd-client.crt',
    );
    expect(kvstoremesh!.k3scl3).toContain('- https://k3scl3.mesh.cilium.io:32381\n');
  });

  it('without KVStoreMesh, agents dial the peers and there is no cilium-kvstoremesh', () => {
    const { clustermesh, kvstoremesh } = render('1.18.12', false, 'k3scl1');
    expect(kvstoremesh).toBeUndefined();
    expect(Object.keys(clustermesh!)).toEqual(['k3scl2', 'k3scl3']);
    expect(clustermesh!.k3scl2).toContain('- https://k3scl2.mesh.cilium.io:32380\n');
    expect(clustermesh!.k3scl2).toContain('common-etcd-client.crt');
    expect(clustermesh!.k3scl2).not.toContain('cilium-host-aliases');
  });

  it('from 1.20 the peer entries carry the host aliases to the peer node IPs', () => {
    const on = render('1.20.0', true);
    expect(on.kvstoremesh!.k3scl1).toBe(
      'endpoints:\n- https://k3scl1.mesh.cilium.io:32379\n' +
        'trusted-ca-file: /var/lib/cilium/clustermesh/common-etcd-client-ca.crt\n' +
        'key-file: /var/lib/cilium/clustermesh/common-etcd-client.key\n' +
        'cert-file: /var/lib/cilium/clustermesh/common-etcd-client.crt\n' +
        'cilium-host-aliases:\n- hostname: k3scl1.mesh.cilium.io\n  ips:\n  - 172.17.11.11',
    );
    // Agents dial their own apiserver by its Service name: no alias needed there.
    expect(on.clustermesh!.k3scl1).not.toContain('cilium-host-aliases');
    const off = render('1.20.0', false);
    expect(off.clustermesh!.k3scl3).toContain('cilium-host-aliases:\n- hostname: k3scl3.mesh.cilium.io\n  ips:\n  - 172.17.11.13');
  });
});

describe('ClusterMeshSecrets validation', () => {
  it('refuses a key that is not a cluster name, and an entry that is not an etcd configuration', () => {
    const entry = 'endpoints:\n- https://a.mesh.cilium.io:32379';
    expect(() => new ClusterMeshSecrets(meshChart(), 's', { namespace: 'kube-system', clustermesh: new Map([['Bad_Name', entry]]) })).toThrow(/not a Cilium cluster name/);
    expect(() => new ClusterMeshSecrets(meshChart(), 's', { namespace: 'kube-system', clustermesh: new Map([['a', 'hello']]) })).toThrow(/not an etcd client configuration/);
  });
});
