/**
 * Rules for the Policies file beyond cluster names: namespaces must be known,
 * default denies are declared once per namespace and cluster and never close
 * the system namespaces, raw policies are checked where it matters (kind,
 * namespace, selectors, cluster labels), and global services keep out of the
 * verification kit's namespace.
 */
import { editFile, loadFiles } from '../support/inventory-fixture';
import { policyExample } from '../fixtures/policy-example';
import { expectNoErrors, expectProblem, lineOf } from './expect-problem';

const example = policyExample();
const P = 'clusters/policies.yaml';

function withPolicies(edit: (p: any) => void) {
  return editFile(example, 'policies.yaml', edit);
}

const cnp = (extra: Record<string, unknown> = {}) => ({
  apiVersion: 'cilium.io/v2',
  kind: 'CiliumNetworkPolicy',
  metadata: { name: 'allow-probe', namespace: 'default' },
  spec: { endpointSelector: { matchLabels: { app: 'probe' } }, egress: [{ toEndpoints: [{ matchLabels: { app: 'web', 'io.cilium.k8s.policy.cluster': 'k3scl2' } }] }] },
  ...extra,
});

describe('namespaces named by policies', () => {
  it.each(['from', 'to'] as const)('must be known (%s)', (side) => {
    const files = withPolicies((p) => (p.policies[0][side].namespace = 'shop'));
    expectProblem(loadFiles(files), {
      file: P,
      field: `policies[0].${side}.namespace`,
      line: lineOf(files['policies.yaml'], 'namespace: shop'),
      message: /'shop' is not a namespace of the mesh/,
      fix: /known: default, .*mesh-check.*test.*add it to namespaces: in the mesh file/,
    });
  });

  it('may be declared in the mesh file', () => {
    let files = withPolicies((p) => (p.policies[0].to.namespace = 'shop'));
    files = editFile(files, 'mesh.yaml', (m) => (m.namespaces = ['shop']));
    const result = loadFiles(files);
    expectNoErrors(result);
    expect(result.mesh!.namespaces).toEqual(['shop']);
  });

  it("include the global services' namespaces, which synth creates", () => {
    expectNoErrors(loadFiles(withPolicies((p) => (p.policies[0].to.namespace = 'test'))));
  });

  it("include the verification kit's namespace only while the kit is on", () => {
    const files = editFile(example, 'mesh.yaml', (m) => (m.verificationKit.enabled = false));
    expectProblem(loadFiles(files), {
      file: P,
      field: 'defaultDeny[0].namespace',
      line: lineOf(files['policies.yaml'], 'namespace: mesh-check'),
      message: /'mesh-check' is not a namespace of the mesh/,
      fix: /add it to namespaces/,
    });
  });
});

describe('defaultDeny', () => {
  it('renders per cluster and direction', () => {
    const mesh = loadFiles(withPolicies((p) => p.defaultDeny.push({ namespace: 'test', clusters: ['k3scl2'], direction: 'ingress' }))).mesh!;
    expect(mesh.defaultDenies.map((d) => [d.namespace, d.clusters, d.direction])).toEqual([
      ['mesh-check', ['k3scl1', 'k3scl2', 'k3scl3'], 'both'],
      ['test', ['k3scl2'], 'ingress'],
    ]);
  });

  it('may not name a cluster that is not in the mesh', () => {
    const files = withPolicies((p) => (p.defaultDeny[0].clusters = ['k3scl1', 'k3scl9']));
    expectProblem(loadFiles(files), {
      file: P,
      field: 'defaultDeny[0].clusters[1]',
      line: lineOf(files['policies.yaml'], '- k3scl9'),
      message: /'k3scl9' is not a cluster of the mesh/,
      fix: /use one of: k3scl1, k3scl2, k3scl3/,
    });
  });

  it('may not name an unknown namespace', () => {
    const files = withPolicies((p) => (p.defaultDeny[0].namespace = 'shopp'));
    expectProblem(loadFiles(files), { file: P, field: 'defaultDeny[0].namespace', line: lineOf(files['policies.yaml'], 'namespace: shopp'), message: /'shopp' is not a namespace/, fix: /namespaces:/ });
  });

  it('may not close kube-system', () => {
    const files = withPolicies((p) => (p.defaultDeny[0].namespace = 'kube-system'));
    expectProblem(loadFiles(files), {
      file: P,
      field: 'defaultDeny[0].namespace',
      line: lineOf(files['policies.yaml'], 'namespace: kube-system'),
      message: /closing kube-system would cut off the cluster's DNS, Cilium/,
      fix: /close the namespaces of your own workloads/,
    });
  });

  it('is declared once per namespace and cluster', () => {
    const files = withPolicies((p) => p.defaultDeny.push({ namespace: 'mesh-check', clusters: ['k3scl3'], direction: 'egress' }));
    expectProblem(loadFiles(files), {
      file: P,
      field: 'defaultDeny[1]',
      line: lineOf(files['policies.yaml'], '- namespace: mesh-check', 2),
      message: /mesh-check in k3scl3 is already closed by defaultDeny\[0\] of clusters\/policies\.yaml/,
      fix: /one default deny per namespace and cluster/,
    });
  });

  it('has a direction of ingress, egress or both', () => {
    const files = withPolicies((p) => (p.defaultDeny[0].direction = 'inbound'));
    expectProblem(loadFiles(files), { file: P, field: 'defaultDeny[0].direction', line: lineOf(files['policies.yaml'], 'direction: inbound'), message: /must be one of "ingress", "egress", "both"/, fix: /allowed values/ });
  });
});

describe('rawPolicies', () => {
  const withRaw = (...entries: unknown[]) => withPolicies((p) => (p.rawPolicies = entries));

  it('accepts a CiliumNetworkPolicy and a CiliumClusterwideNetworkPolicy', () => {
    const ccnp = { apiVersion: 'cilium.io/v2', kind: 'CiliumClusterwideNetworkPolicy', metadata: { name: 'host-fw' }, spec: { nodeSelector: {}, ingress: [{ fromEntities: ['cluster'] }] } };
    const result = loadFiles(withRaw({ clusters: ['k3scl1'], policy: cnp() }, { policy: ccnp }));
    expectNoErrors(result);
    expect(result.mesh!.rawPolicies.map((r) => [r.kind, r.namespace, r.name, r.clusters])).toEqual([
      ['CiliumNetworkPolicy', 'default', 'allow-probe', ['k3scl1']],
      ['CiliumClusterwideNetworkPolicy', undefined, 'host-fw', ['k3scl1', 'k3scl2', 'k3scl3']],
    ]);
  });

  it('must be apiVersion cilium.io/v2', () => {
    const files = withRaw({ policy: cnp({ apiVersion: 'cilium.io/v1' }) });
    expectProblem(loadFiles(files), { file: P, field: 'rawPolicies[0].policy.apiVersion', line: lineOf(files['policies.yaml'], 'apiVersion: cilium.io/v1'), message: /must be "cilium.io\/v2"/, fix: /write "cilium.io\/v2"/ });
  });

  it('must be a Cilium policy kind', () => {
    const files = withRaw({ policy: cnp({ kind: 'NetworkPolicy' }) });
    expectProblem(loadFiles(files), { file: P, field: 'rawPolicies[0].policy.kind', line: lineOf(files['policies.yaml'], 'kind: NetworkPolicy'), message: /must be one of "CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy"/, fix: /allowed values/ });
  });

  it('needs a namespace for a CiliumNetworkPolicy', () => {
    const files = withRaw({ policy: cnp({ metadata: { name: 'allow-probe' } }) });
    expectProblem(loadFiles(files), { file: P, field: 'rawPolicies[0].policy.metadata', line: lineOf(files['policies.yaml'], 'name: allow-probe'), message: /a CiliumNetworkPolicy needs metadata.namespace/, fix: /add the namespace/ });
  });

  it('has no namespace for a CiliumClusterwideNetworkPolicy', () => {
    const files = withRaw({ policy: cnp({ kind: 'CiliumClusterwideNetworkPolicy' }) });
    expectProblem(loadFiles(files), { file: P, field: 'rawPolicies[0].policy.metadata.namespace', line: lineOf(files['policies.yaml'], 'namespace: default', 3), message: /a CiliumClusterwideNetworkPolicy has no namespace/, fix: /remove metadata.namespace/ });
  });

  it('needs spec or specs', () => {
    const files = withRaw({ policy: { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: 'empty', namespace: 'default' } } });
    expectProblem(loadFiles(files), { file: P, field: 'rawPolicies[0].policy', line: lineOf(files['policies.yaml'], 'apiVersion: cilium.io/v2'), message: /has neither 'spec' nor 'specs'/, fix: /add spec:/ });
  });

  it('needs an endpointSelector in every rule', () => {
    const files = withRaw({ policy: cnp({ specs: [{ endpointSelector: {} }, { ingress: [{}] }], spec: undefined }) });
    expectProblem(loadFiles(files), { file: P, field: 'rawPolicies[0].policy.specs[1]', line: lineOf(files['policies.yaml'], '- ingress:'), message: /is missing 'endpointSelector'/, fix: /add endpointSelector/ });
  });

  it('selects nodes only in a CiliumClusterwideNetworkPolicy', () => {
    const files = withRaw({ policy: cnp({ spec: { nodeSelector: {} } }) });
    expectProblem(loadFiles(files), { file: P, field: 'rawPolicies[0].policy.spec.nodeSelector', line: lineOf(files['policies.yaml'], 'nodeSelector: {}'), message: /only a CiliumClusterwideNetworkPolicy may select nodes/, fix: /use endpointSelector/ });
  });

  it('may not select by a cluster that is not in the mesh (matchLabels)', () => {
    const policy = cnp();
    (policy.spec as any).egress[0].toEndpoints[0].matchLabels['io.cilium.k8s.policy.cluster'] = 'cluster2';
    const files = withRaw({ policy });
    expectProblem(loadFiles(files), {
      file: P,
      field: 'rawPolicies[0].policy.spec.egress[0].toEndpoints[0].matchLabels.io.cilium.k8s.policy.cluster',
      line: lineOf(files['policies.yaml'], 'io.cilium.k8s.policy.cluster: cluster2'),
      message: /'cluster2' in a cluster label is not a cluster of the mesh/,
      fix: /use one of: k3scl1, k3scl2, k3scl3/,
    });
  });

  it('may not select by a cluster that is not in the mesh (matchExpressions, with a source prefix)', () => {
    const policy = cnp({ spec: { endpointSelector: {}, ingress: [{ fromEndpoints: [{ matchExpressions: [{ key: 'k8s:io.cilium.k8s.policy.cluster', operator: 'In', values: ['k3scl1', 'cluster1'] }] }] }] } });
    const files = withRaw({ policy });
    expectProblem(loadFiles(files), {
      file: P,
      field: 'rawPolicies[0].policy.spec.ingress[0].fromEndpoints[0].matchExpressions[0].values[1]',
      line: lineOf(files['policies.yaml'], '- cluster1'),
      message: /'cluster1' in a cluster label is not a cluster of the mesh/,
      fix: /use one of/,
    });
  });

  it('may not be placed in a cluster that is not in the mesh', () => {
    const files = withRaw({ clusters: ['k3scl7'], policy: cnp() });
    expectProblem(loadFiles(files), { file: P, field: 'rawPolicies[0].clusters[0]', line: lineOf(files['policies.yaml'], '- k3scl7'), message: /'k3scl7' is not a cluster of the mesh/, fix: /use one of/ });
  });

  it('may not live in an unknown namespace', () => {
    const files = withRaw({ policy: cnp({ metadata: { name: 'allow-probe', namespace: 'shop' } }) });
    expectProblem(loadFiles(files), { file: P, field: 'rawPolicies[0].policy.metadata.namespace', line: lineOf(files['policies.yaml'], 'namespace: shop'), message: /'shop' is not a namespace of the mesh/, fix: /namespaces:/ });
  });

  it('is declared once per kind, namespace and name', () => {
    const files = withRaw({ clusters: ['k3scl1'], policy: cnp() }, { clusters: ['k3scl2'], policy: cnp() });
    expectProblem(loadFiles(files), {
      file: P,
      field: 'rawPolicies[1].policy.metadata.name',
      line: lineOf(files['policies.yaml'], 'name: allow-probe', 2),
      message: /CiliumNetworkPolicy default\/allow-probe is already declared in rawPolicies\[0\]/,
      fix: /list more clusters on the first one/,
    });
  });

  it('may not take the name of a rendered half', () => {
    const files = withRaw({ policy: cnp({ metadata: { name: 'x-wing-to-rebel-base-ingress', namespace: 'default' } }) });
    expectProblem(loadFiles(files), {
      file: P,
      field: 'rawPolicies[0].policy.metadata.name',
      line: lineOf(files['policies.yaml'], 'name: x-wing-to-rebel-base-ingress'),
      message: /is the name of the ingress half of policy x-wing-to-rebel-base/,
      fix: /choose another name/,
    });
  });
});

describe('global services', () => {
  it("keep out of the verification kit's namespace", () => {
    const files = editFile(example, 'services.yaml', (s) => (s.services[0].namespace = 'mesh-check'));
    expectProblem(loadFiles(files), {
      file: 'clusters/services.yaml',
      field: 'services[0].namespace',
      line: lineOf(files['services.yaml'], 'namespace: mesh-check'),
      message: /'mesh-check' is the verification kit's namespace/,
      fix: /choose another namespace/,
    });
  });

  it('with no replica in any cluster gives a warning', () => {
    const files = editFile(example, 'services.yaml', (s) => (s.services[0].backend.replicas = 0));
    const result = loadFiles(files);
    expect(result.mesh).toBeDefined();
    expectProblem(result, {
      severity: 'warning',
      file: 'clusters/services.yaml',
      field: 'services[0].backend.replicas',
      line: lineOf(files['services.yaml'], 'replicas: 0'),
      message: /test\/nginx-global has no backend in any cluster/,
      fix: /set replicas to 1 or more/,
    });
  });
});
