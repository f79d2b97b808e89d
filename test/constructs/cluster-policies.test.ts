import { Testing } from 'cdk8s';
import { meshChart } from '../support/mesh-chart';
import { PolicyHalves } from '../../lib/constructs/cluster-policies';
import { sideRunsIn } from '../../lib/model/cluster-view';
import { PolicyIntent } from '../../lib/model/mesh';
import { exampleInventory, meshOf } from '../support/inventory-fixture';

const MESH = ['k3scl1', 'k3scl2', 'k3scl3'];
const CLUSTER = 'io.cilium.k8s.policy.cluster';
const NAMESPACE = 'k8s:io.kubernetes.pod.namespace';

function halves(intent: PolicyIntent, clusterName: string) {
  const chart = meshChart();
  // Both halves where the sides run, as the cluster view places them.
  new PolicyHalves(chart, intent.name, { intent, egress: sideRunsIn(intent.from, clusterName), ingress: sideRunsIn(intent.to, clusterName), clusterName, meshClusters: MESH });
  return Testing.synth(chart);
}

function intent(from: string | undefined, to: string | undefined, ports: PolicyIntent['ports'] = []): PolicyIntent {
  return {
    source: { file: 'clusters/policies.yaml' },
    name: 'x-wing-to-rebel-base',
    from: { cluster: from, namespace: 'default', labels: { name: 'x-wing' } },
    to: { cluster: to, namespace: 'default', labels: { name: 'rebel-base' } },
    ports,
  };
}

describe('PolicyHalves', () => {
  it('renders the example intent: egress in k3scl1, ingress in k3scl2, and refuses a cluster where neither half belongs', () => {
    const example = meshOf(exampleInventory()).policies[0];
    const inSource = halves(example, 'k3scl1');
    const inDestination = halves(example, 'k3scl2');
    expect([inSource, inDestination]).toMatchSnapshot();
    expect(() => halves(example, 'k3scl3')).toThrow(/neither half belongs in k3scl3/);

    expect(inSource).toHaveLength(1);
    const egress = inSource[0];
    expect(egress).toMatchObject({ apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: 'x-wing-to-rebel-base-egress', namespace: 'default' } });
    expect(egress.spec.endpointSelector.matchLabels).toEqual({ name: 'x-wing', [CLUSTER]: 'k3scl1' });
    expect(egress.spec.egress).toEqual([{ toEndpoints: [{ matchLabels: { name: 'rebel-base', [NAMESPACE]: 'default', [CLUSTER]: 'k3scl2' } }] }]);
    expect(egress.spec.enableDefaultDeny).toEqual({ egress: false });
    expect(egress.spec.ingress).toBeUndefined();

    expect(inDestination).toHaveLength(1);
    const ingress = inDestination[0];
    expect(ingress.metadata.name).toBe('x-wing-to-rebel-base-ingress');
    expect(ingress.spec.endpointSelector.matchLabels).toEqual({ name: 'rebel-base', [CLUSTER]: 'k3scl2' });
    expect(ingress.spec.ingress).toEqual([{ fromEndpoints: [{ matchLabels: { name: 'x-wing', [NAMESPACE]: 'default', [CLUSTER]: 'k3scl1' } }] }]);
    expect(ingress.spec.egress).toBeUndefined();
  });

  it('renders ports on both halves', () => {
    const [egress] = halves(intent('k3scl1', 'k3scl2', [{ port: 80, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }]), 'k3scl1');
    expect(egress.spec.egress[0].toPorts).toEqual([{ ports: [{ port: '80', protocol: 'TCP' }, { port: '53', protocol: 'UDP' }] }]);
    const [ingress] = halves(intent('k3scl1', 'k3scl2', [{ port: 80, protocol: 'TCP' }]), 'k3scl2');
    expect(ingress.spec.ingress[0].toPorts).toEqual([{ ports: [{ port: '80', protocol: 'TCP' }] }]);
  });

  it('spells "any cluster" out as the list of mesh clusters', () => {
    const [egress] = halves(intent('k3scl1', undefined), 'k3scl1');
    expect(egress.spec.egress[0].toEndpoints).toEqual([
      { matchLabels: { name: 'rebel-base', [NAMESPACE]: 'default' }, matchExpressions: [{ key: CLUSTER, operator: 'In', values: MESH }] },
    ]);
    // Every cluster may hold the destination, so every cluster gets the ingress half.
    for (const c of MESH) expect(halves(intent('k3scl1', undefined), c).some((o) => o.metadata.name.endsWith('-ingress'))).toBe(true);
  });

  it('puts both halves in one cluster for a same-cluster intent', () => {
    const objects = halves(intent('k3scl2', 'k3scl2'), 'k3scl2');
    expect(objects.map((o) => o.metadata.name)).toEqual(['x-wing-to-rebel-base-egress', 'x-wing-to-rebel-base-ingress']);
  });

  it('refuses a cluster outside the mesh', () => {
    expect(() => halves(intent('k3scl9', 'k3scl2'), 'k3scl2')).toThrow(/k3scl9, which is not in the mesh/);
  });
});
