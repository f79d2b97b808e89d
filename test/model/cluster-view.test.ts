/**
 * The cluster view places every part of the mesh once: each policy side where
 * its pods run, services, default denies and raw policies where they are
 * listed, and the namespaces those need, minus the ones that already exist.
 */
import { clusterView, sideRunsIn } from '../../lib/model/cluster-view';
import { Mesh } from '../../lib/model/mesh';
import { editFile, meshOf } from '../support/inventory-fixture';
import { policyExample } from '../fixtures/policy-example';

/** The example with policies of every shape, a raw policy in two clusters and a second closed namespace. */
function variedMesh(): Mesh {
  let files = editFile(policyExample(), 'mesh.yaml', (m) => (m.namespaces = ['shop', 'audit']));
  files = editFile(files, 'policies.yaml', (p) => {
    const side = (cluster: string | undefined, namespace: string) => ({ ...(cluster ? { cluster } : {}), namespace, labels: { app: 'x' } });
    p.policies.push(
      { name: 'any-to-shop', from: side(undefined, 'default'), to: side('k3scl3', 'shop') },
      { name: 'audit-to-any', from: side('k3scl2', 'audit'), to: side(undefined, 'audit') },
    );
    p.rawPolicies = [{ clusters: ['k3scl1', 'k3scl2'], policy: { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: 'raw', namespace: 'shop' }, spec: { endpointSelector: {} } } }];
    p.defaultDeny.push({ namespace: 'audit', clusters: ['k3scl2'], direction: 'ingress' });
  });
  return meshOf(files);
}

describe('clusterView', () => {
  const mesh = variedMesh();
  const views = mesh.clusters.map((c) => clusterView(mesh, c));

  it('places each policy side in exactly the clusters where its pods run', () => {
    for (const intent of mesh.policies) {
      expect(views.filter((v) => v.egressIntents.includes(intent)).map((v) => v.cluster.name)).toEqual(mesh.clusters.filter((c) => sideRunsIn(intent.from, c.name)).map((c) => c.name));
      expect(views.filter((v) => v.ingressIntents.includes(intent)).map((v) => v.cluster.name)).toEqual(mesh.clusters.filter((c) => intent.to.cluster === undefined || intent.to.cluster === c.name).map((c) => c.name));
    }
    const byName = (name: string) => mesh.policies.find((p) => p.name === name)!;
    expect(views.map((v) => v.egressIntents.includes(byName('any-to-shop')))).toEqual([true, true, true]);
    expect(views.map((v) => v.ingressIntents.includes(byName('any-to-shop')))).toEqual([false, false, true]);
  });

  it('lists the services, default denies and raw policies of each cluster and of no other', () => {
    for (const v of views) {
      expect(v.globalServices).toEqual(mesh.globalServices.filter((s) => s.clusters.includes(v.cluster.name)));
      expect(v.defaultDenies).toEqual(mesh.defaultDenies.filter((d) => d.clusters.includes(v.cluster.name)));
      expect(v.rawPolicies.map((r) => r.name)).toEqual(v.cluster.name === 'k3scl3' ? [] : ['raw']);
      expect(v.peers.map((p) => p.name)).toEqual(mesh.clusters.map((c) => c.name).filter((n) => n !== v.cluster.name));
    }
  });

  it('creates the namespaces its parts live in, never a built-in one, Cilium’s or the verification kit’s', () => {
    const [k3scl1, k3scl2, k3scl3] = views.map((v) => v.namespaces);
    // Everywhere: the global service's test and audit-to-any's ingress half (its destination is any cluster).
    // k3scl1 and k3scl2 hold the raw policy in shop, k3scl3 the ingress half of any-to-shop.
    expect(k3scl1).toEqual(['audit', 'shop', 'test']);
    expect(k3scl2).toEqual(['audit', 'shop', 'test']);
    expect(k3scl3).toEqual(['audit', 'shop', 'test']);
    // Without the any-cluster sides and the raw policy, only what each cluster holds remains.
    const narrow = meshOf(editFile(policyExample(), 'mesh.yaml', (m) => (m.namespaces = ['shop'])));
    const withShopIn3 = editFile(policyExample(), 'mesh.yaml', (m) => (m.namespaces = ['shop']));
    const one = meshOf(
      editFile(withShopIn3, 'policies.yaml', (p) => p.policies.push({ name: 'to-shop', from: { cluster: 'k3scl1', namespace: 'default', labels: {} }, to: { cluster: 'k3scl3', namespace: 'shop', labels: {} } })),
    );
    expect(narrow.clusters.map((c) => clusterView(narrow, c).namespaces)).toEqual([['test'], ['test'], ['test']]);
    expect(one.clusters.map((c) => clusterView(one, c).namespaces)).toEqual([['test'], ['test'], ['shop', 'test']]);
    for (const ns of views.flatMap((v) => v.namespaces)) expect(['default', 'kube-system', mesh.cilium.namespace, mesh.verificationKit?.namespace]).not.toContain(ns);
  });
});
