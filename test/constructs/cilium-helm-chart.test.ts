import { Testing } from 'cdk8s';
import { meshChart } from '../support/mesh-chart';
import { parse } from 'yaml';
import { ciliumHelmValues, MESH_CA_TRUST_LABEL } from '../../lib/cilium/helm-values';
import { CiliumHelmChart } from '../../lib/constructs/cilium-helm-chart';
import { CommittedSecrets } from '../../lib/model/committed-secrets';
import { editFile, exampleInventory, meshOf } from '../support/inventory-fixture';

function render(files = exampleInventory(), clusterName = 'k3scl2', committed: CommittedSecrets = {}) {
  const mesh = meshOf(files);
  const cluster = mesh.clusters.find((c) => c.name === clusterName)!;
  const chart = meshChart();
  new CiliumHelmChart(chart, 'cilium', { version: mesh.cilium.version, namespace: mesh.cilium.namespace, values: ciliumHelmValues(mesh, cluster, committed) });
  const [obj] = Testing.synth(chart);
  return { obj, values: parse(obj.spec.valuesContent) as any };
}

describe('CiliumHelmChart', () => {
  it('renders a bootstrap HelmChart for the pinned chart version', () => {
    const { obj } = render();
    expect(obj).toMatchSnapshot();
    expect(obj.apiVersion).toBe('helm.cattle.io/v1');
    expect(obj.kind).toBe('HelmChart');
    expect(obj.metadata).toMatchObject({ name: 'cilium', namespace: 'kube-system' });
    // Pruning the HelmChart would uninstall the CNI.
    expect(obj.metadata.annotations).toEqual({ 'kustomize.toolkit.fluxcd.io/prune': 'disabled', 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false' });
    expect(obj.spec).toMatchObject({ chart: 'cilium', repo: 'https://helm.cilium.io/', version: '1.19.6', targetNamespace: 'kube-system', bootstrap: true });
  });

  it('takes the mesh CA from a Secret, never from valuesContent', () => {
    const { obj, values } = render();
    expect(obj.spec.valuesSecrets).toEqual([{ name: 'cilium-mesh-ca', keys: ['values.yaml'] }]);
    expect(values.tls).toBeUndefined();
  });

  it('trusts the committed CAs through tls.caBundle and labels clustermesh-apiserver after them, still without tls.ca', () => {
    const bundle = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\nBBBB\n-----END CERTIFICATE-----\n';
    const one = render(undefined, undefined, { trustBundlePem: bundle, issuerFingerprintSha256: 'AA:01' }).values;
    const other = render(undefined, undefined, { trustBundlePem: bundle, issuerFingerprintSha256: 'BB:02' }).values;
    expect(one.tls).toEqual({ caBundle: { enabled: true, content: bundle } });
    expect(one.clustermesh.apiserver.podLabels[MESH_CA_TRUST_LABEL]).toMatch(/^[0-9a-f]{16}$/);
    // Another issuer with the same bundle (phase trust-both to issue-new) changes the label.
    expect(other.clustermesh.apiserver.podLabels[MESH_CA_TRUST_LABEL]).not.toBe(one.clustermesh.apiserver.podLabels[MESH_CA_TRUST_LABEL]);
  });

  it.each([
    [{ method: 'helm', validityDays: 200 }, { enabled: true, method: 'helm', certValidityDuration: 200 }],
    [{ method: 'cronJob', schedule: '0 3 * * 0' }, { enabled: true, method: 'cronJob', schedule: '0 3 * * 0' }],
    [{ method: 'certmanager', issuerRef: { name: 'mesh-ca', kind: 'ClusterIssuer' } }, { enabled: true, method: 'certmanager', certManagerIssuerRef: { name: 'mesh-ca', kind: 'ClusterIssuer', group: 'cert-manager.io' } }],
  ])('renders cilium.certificates %j as clustermesh.apiserver.tls.auto', (certificates, auto) => {
    const files = editFile(exampleInventory(), 'mesh.yaml', (m) => (m.cilium.certificates = certificates));
    expect(render(files).values.clustermesh.apiserver.tls.auto).toEqual(auto);
  });

  it('sets the cluster identity, IPAM pool and API server of the cluster', () => {
    const { values } = render();
    expect(values.cluster).toEqual({ name: 'k3scl2', id: 2 });
    expect(values.ipam).toEqual({ mode: 'cluster-pool', operator: { clusterPoolIPv4PodCIDRList: ['10.12.0.0/16'], clusterPoolIPv4MaskSize: 24 } });
    expect(values.k8sServiceHost).toBe('172.17.11.12');
    expect(values.k8sServicePort).toBe(6443);
    expect(values.kubeProxyReplacement).toBe(true);
    expect(values.routingMode).toBe('tunnel');
    expect(values.tunnelProtocol).toBe('vxlan');
    expect(values.tunnel).toBeUndefined();
  });

  it('turns the chart mesh config off in favour of the rendered Secrets', () => {
    const { values } = render();
    expect(values.clustermesh.useAPIServer).toBe(true);
    expect(values.clustermesh.config).toEqual({ enabled: false });
    expect(values.clustermesh.maxConnectedClusters).toBe(255);
    expect(values.clustermesh.apiserver.kvstoremesh).toEqual({ enabled: true });
    expect(values.clustermesh.apiserver.tls.auto).toEqual({ enabled: true, method: 'cronJob', schedule: '0 0 1 */4 *' });
    expect(values.clustermesh.apiserver.service.type).toBe('ClusterIP');
  });

  it("makes the chart's Service the mesh endpoint of a LoadBalancer cluster, with the inventory's values", () => {
    const files = editFile(exampleInventory(), 'k3scl2.yaml', (c) => {
      c.meshEndpoint = { type: 'LoadBalancer', loadBalancerIP: '172.17.30.2', loadBalancerClass: 'io.cilium/l2-announcer', supplier: 'cilium', annotations: { 'lbipam.cilium.io/sharing-key': 'mesh' } };
    });
    expect(render(files).values.clustermesh.apiserver.service).toEqual({
      type: 'LoadBalancer',
      loadBalancerIP: '172.17.30.2',
      loadBalancerClass: 'io.cilium/l2-announcer',
      // Every node of the other clusters (k3scl1, k3scl3 of the example).
      loadBalancerSourceRanges: ['172.17.11.11/32', '172.17.11.13/32'],
      externalTrafficPolicy: 'Cluster',
      annotations: { 'lbipam.cilium.io/sharing-key': 'mesh' },
    });
  });

  it.each([
    ['1.18.12', ['server', 'extraDnsNames']],
    ['1.19.6', ['server', 'extraDnsNames']],
    ['1.20.0', ['auto', 'server', 'extraDnsNames']],
  ])('Cilium %s: adds the DNS address of an External endpoint to the server certificate where the chart reads it', (version, path) => {
    let files = editFile(exampleInventory(), 'mesh.yaml', (m) => (m.cilium.version = version));
    files = editFile(files, 'k3scl2.yaml', (c) => (c.meshEndpoint = { type: 'External', nodePort: 32380, address: 'mesh.k3scl2.example.com', port: 443 }));
    const tls = render(files).values.clustermesh.apiserver.tls;
    expect(path.reduce((node: any, key) => node?.[key], tls)).toEqual(['mesh.k3scl2.example.com']);
    expect(tls.authMode).toBe('cluster');
    expect(tls.auto).toMatchObject({ enabled: true, method: 'cronJob' });
  });

  it('runs one operator replica on a one-node cluster and two on larger ones', () => {
    expect(render().values.operator.replicas).toBe(1);
    const bigger = editFile(exampleInventory(), 'k3scl2.yaml', (c) => c.nodes.push({ name: 'k3scl2-agent', ip: '172.17.11.22', role: 'agent' }));
    expect(render(bigger).values.operator.replicas).toBe(2);
  });

  it('merges mesh-wide then per-cluster Helm values over the generated ones', () => {
    let files = editFile(exampleInventory(), 'mesh.yaml', (m) => (m.cilium.helmValues = { hubble: { relay: { replicas: 2, rollOutPods: true } }, operator: { replicas: 3 } }));
    files = editFile(files, 'k3scl2.yaml', (c) => (c.helmValues = { hubble: { relay: { replicas: 1 } } }));
    const { values } = render(files);
    // Maps merge key by key: the generated relay.enabled stays, the mesh's rollOutPods too, the cluster's replicas wins.
    expect(values.hubble.relay).toEqual({ enabled: false, replicas: 1, rollOutPods: true });
    expect(values.hubble.enabled).toBe(true);
    expect(values.operator.replicas).toBe(3);
    expect(values.cluster).toEqual({ name: 'k3scl2', id: 2 });
  });

  it('renders native routing with the routable range', () => {
    const files = editFile(exampleInventory(), 'mesh.yaml', (m) => (m.cilium.routing = { mode: 'native', nativeRoutingCidr: '10.0.0.0/8' }));
    const { values } = render(files);
    expect(values.routingMode).toBe('native');
    expect(values.ipv4NativeRoutingCIDR).toBe('10.0.0.0/8');
    expect(values.autoDirectNodeRoutes).toBe(true);
    expect(values.tunnelProtocol).toBeUndefined();
  });

  it('refuses an unsupported version', () => {
    const chart = meshChart();
    expect(() => new CiliumHelmChart(chart, 'c', { version: '1.17.0' as any, namespace: 'kube-system', values: {} })).toThrow(/unsupported Cilium version 1.17.0/);
  });
});
