/**
 * Every intent shape, placed across a three-cluster mesh: which cluster gets
 * which half, with which selectors, cluster labels and ports; default denies,
 * raw policies and the verification kit as rendered; and every such object
 * against the upstream CRD and core schemas.
 */
import { Testing } from 'cdk8s';
import { meshChart } from '../support/mesh-chart';
import { PolicyHalves } from '../../lib/constructs/cluster-policies';
import { sideRunsIn } from '../../lib/model/cluster-view';
import { DEFAULT_DENY_POLICY_NAME, NamespaceDefaultDenyPolicy } from '../../lib/constructs/default-deny';
import { RawPolicy } from '../../lib/constructs/raw-policy';
import { VerificationKit } from '../../lib/constructs/verification-kit';
import { Mesh, PolicyIntent } from '../../lib/model/mesh';
import { editFile, meshOf } from '../support/inventory-fixture';
import { describeWithShared } from '../support/paths';
import { CORE_SCHEMA_DIR, CRD_SCHEMA_DIR, validateKubeObject } from '../support/schema-validator';
import { policyExample } from '../fixtures/policy-example';

const MESH = ['k3scl1', 'k3scl2', 'k3scl3'];
const CLUSTER = 'io.cilium.k8s.policy.cluster';
const NAMESPACE = 'k8s:io.kubernetes.pod.namespace';
const ANY = { key: CLUSTER, operator: 'In', values: MESH };

function intent(from: string | undefined, to: string | undefined): PolicyIntent {
  return {
    source: { file: 'clusters/policies.yaml' },
    name: 'probe-to-web',
    from: { cluster: from, namespace: 'team-a', labels: { app: 'probe' } },
    to: { cluster: to, namespace: 'team-b', labels: { app: 'web' } },
    ports: [{ port: 8080, protocol: 'TCP' }],
  };
}

/** cluster -> names of the policies rendered there, for one intent. */
function placement(i: PolicyIntent): Record<string, string[]> {
  return Object.fromEntries(
    MESH.map((c) => {
      if (!sideRunsIn(i.from, c) && !sideRunsIn(i.to, c)) return [c, []];
      const chart = meshChart();
      new PolicyHalves(chart, i.name, { intent: i, egress: sideRunsIn(i.from, c), ingress: sideRunsIn(i.to, c), clusterName: c, meshClusters: MESH });
      return [c, Testing.synth(chart).map((o) => o.metadata.name)];
    }),
  );
}

function half(i: PolicyIntent, cluster: string, which: 'egress' | 'ingress'): any {
  const chart = meshChart();
  new PolicyHalves(chart, i.name, { intent: i, egress: which === 'egress', ingress: which === 'ingress', clusterName: cluster, meshClusters: MESH });
  return Testing.synth(chart).find((o) => o.metadata.name === `${i.name}-${which}`);
}

const PORTS = [{ ports: [{ port: '8080', protocol: 'TCP' }] }];

describe('intent shapes', () => {
  it('one to one: egress in the source cluster, ingress in the destination, nothing elsewhere', () => {
    const i = intent('k3scl1', 'k3scl3');
    expect(placement(i)).toEqual({ k3scl1: ['probe-to-web-egress'], k3scl2: [], k3scl3: ['probe-to-web-ingress'] });
    const egress = half(i, 'k3scl1', 'egress');
    expect(egress.metadata).toMatchObject({ namespace: 'team-a', labels: { 'k3s-cilium-mesh/intent': 'probe-to-web' } });
    expect(egress.spec.endpointSelector).toEqual({ matchLabels: { app: 'probe', [CLUSTER]: 'k3scl1' } });
    expect(egress.spec.egress).toEqual([{ toEndpoints: [{ matchLabels: { app: 'web', [NAMESPACE]: 'team-b', [CLUSTER]: 'k3scl3' } }], toPorts: PORTS }]);
    const ingress = half(i, 'k3scl3', 'ingress');
    expect(ingress.metadata.namespace).toBe('team-b');
    expect(ingress.spec.endpointSelector).toEqual({ matchLabels: { app: 'web', [CLUSTER]: 'k3scl3' } });
    expect(ingress.spec.ingress).toEqual([{ fromEndpoints: [{ matchLabels: { app: 'probe', [NAMESPACE]: 'team-a', [CLUSTER]: 'k3scl1' } }], toPorts: PORTS }]);
  });

  it('one to any: egress in the source, ingress in every cluster, the destination spelled as an In list', () => {
    const i = intent('k3scl2', undefined);
    expect(placement(i)).toEqual({ k3scl1: ['probe-to-web-ingress'], k3scl2: ['probe-to-web-egress', 'probe-to-web-ingress'], k3scl3: ['probe-to-web-ingress'] });
    expect(half(i, 'k3scl2', 'egress').spec.egress).toEqual([{ toEndpoints: [{ matchLabels: { app: 'web', [NAMESPACE]: 'team-b' }, matchExpressions: [ANY] }], toPorts: PORTS }]);
    for (const c of MESH) {
      const ingress = half(i, c, 'ingress');
      expect(ingress.spec.endpointSelector.matchLabels[CLUSTER]).toBe(c);
      expect(ingress.spec.ingress).toEqual([{ fromEndpoints: [{ matchLabels: { app: 'probe', [NAMESPACE]: 'team-a', [CLUSTER]: 'k3scl2' } }], toPorts: PORTS }]);
    }
  });

  it('any to one: egress in every cluster, ingress in the destination accepting every cluster', () => {
    const i = intent(undefined, 'k3scl1');
    expect(placement(i)).toEqual({ k3scl1: ['probe-to-web-egress', 'probe-to-web-ingress'], k3scl2: ['probe-to-web-egress'], k3scl3: ['probe-to-web-egress'] });
    for (const c of MESH) {
      const egress = half(i, c, 'egress');
      expect(egress.spec.endpointSelector).toEqual({ matchLabels: { app: 'probe', [CLUSTER]: c } });
      expect(egress.spec.egress[0].toEndpoints).toEqual([{ matchLabels: { app: 'web', [NAMESPACE]: 'team-b', [CLUSTER]: 'k3scl1' } }]);
      expect(egress.spec.enableDefaultDeny).toEqual({ egress: false });
    }
    expect(half(i, 'k3scl1', 'ingress').spec.ingress).toEqual([{ fromEndpoints: [{ matchLabels: { app: 'probe', [NAMESPACE]: 'team-a' }, matchExpressions: [ANY] }], toPorts: PORTS }]);
  });

  it('same cluster: both halves in that cluster, both selectors naming it', () => {
    const i = intent('k3scl2', 'k3scl2');
    expect(placement(i)).toEqual({ k3scl1: [], k3scl2: ['probe-to-web-egress', 'probe-to-web-ingress'], k3scl3: [] });
    expect(half(i, 'k3scl2', 'egress').spec.egress[0].toEndpoints[0].matchLabels[CLUSTER]).toBe('k3scl2');
    expect(half(i, 'k3scl2', 'ingress').spec.ingress[0].fromEndpoints[0].matchLabels[CLUSTER]).toBe('k3scl2');
  });

  it('any to any: both halves in every cluster, both peers as In lists', () => {
    const i = intent(undefined, undefined);
    for (const c of MESH) expect(placement(i)[c]).toEqual(['probe-to-web-egress', 'probe-to-web-ingress']);
    expect(half(i, 'k3scl3', 'egress').spec.egress[0].toEndpoints[0].matchExpressions).toEqual([ANY]);
    expect(half(i, 'k3scl3', 'ingress').spec.ingress[0].fromEndpoints[0].matchExpressions).toEqual([ANY]);
  });

  it('every port when none is listed, several protocols when listed', () => {
    const all = { ...intent('k3scl1', 'k3scl2'), ports: [] };
    expect(half(all, 'k3scl1', 'egress').spec.egress[0].toPorts).toBeUndefined();
    expect(half(all, 'k3scl2', 'ingress').spec.ingress[0].toPorts).toBeUndefined();
    const two = { ...intent('k3scl1', 'k3scl2'), ports: [{ port: 53, protocol: 'UDP' as const }, { port: 9000, protocol: 'ANY' as const }] };
    expect(half(two, 'k3scl2', 'ingress').spec.ingress[0].toPorts).toEqual([{ ports: [{ port: '53', protocol: 'UDP' }, { port: '9000', protocol: 'ANY' }] }]);
  });

  it('the bundled x-wing/rebel-base intent: egress in k3scl1, ingress in k3scl2', () => {
    const example = meshOf(policyExample()).policies.find((p) => p.name === 'x-wing-to-rebel-base')!;
    expect(placement(example)).toEqual({ k3scl1: ['x-wing-to-rebel-base-egress'], k3scl2: ['x-wing-to-rebel-base-ingress'], k3scl3: [] });
  });
});

describe('NamespaceDefaultDenyPolicy', () => {
  function render(direction: 'ingress' | 'egress' | 'both') {
    const chart = meshChart();
    new NamespaceDefaultDenyPolicy(chart, 'deny', { namespace: 'team-a', direction, clusterName: 'k3scl2' });
    return Testing.synth(chart);
  }

  it('closes both directions of every pod of the namespace, keeping DNS to the local kube-dns', () => {
    const [policy] = render('both');
    expect(policy).toMatchSnapshot();
    expect(policy).toMatchObject({ apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: DEFAULT_DENY_POLICY_NAME, namespace: 'team-a' } });
    expect(policy.spec.endpointSelector).toEqual({});
    expect(policy.spec.enableDefaultDeny).toEqual({ ingress: true, egress: true });
    expect(policy.spec.ingress).toEqual([{}]);
    expect(policy.spec.egress).toEqual([
      {
        toEndpoints: [{ matchLabels: { [NAMESPACE]: 'kube-system', 'k8s:k8s-app': 'kube-dns', [CLUSTER]: 'k3scl2' } }],
        toPorts: [{ ports: [{ port: '53', protocol: 'ANY' }], rules: { dns: [{ matchPattern: '*' }] } }],
      },
    ]);
  });

  it('closes one direction only', () => {
    const [ingress] = render('ingress');
    expect(ingress.spec.enableDefaultDeny).toEqual({ ingress: true, egress: false });
    expect(ingress.spec.egress).toBeUndefined();
    const [egress] = render('egress');
    expect(egress.spec.enableDefaultDeny).toEqual({ ingress: false, egress: true });
    expect(egress.spec.ingress).toBeUndefined();
  });
});

describe('RawPolicy', () => {
  it('renders the policy as written, with the managed-by label, only where it is placed', () => {
    const mesh = meshOf(rawInventory());
    const chart = meshChart();
    new RawPolicy(chart, 'raw', { policy: mesh.rawPolicies[0], clusterName: 'k3scl1' });
    const [object] = Testing.synth(chart);
    expect(object).toMatchSnapshot();
    expect(object).toEqual({
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumNetworkPolicy',
      metadata: { name: 'probe-egress-world', namespace: 'default', labels: { team: 'a', 'app.kubernetes.io/managed-by': 'k3s-cilium-mesh' } },
      spec: RAW_SPEC,
    });
    expect(() => new RawPolicy(meshChart(), 'raw', { policy: mesh.rawPolicies[0], clusterName: 'k3scl3' })).toThrow(/not placed in cluster k3scl3/);
  });
});

const RAW_SPEC = {
  endpointSelector: { matchLabels: { app: 'probe' } },
  egress: [{ toCIDRSet: [{ cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] }], toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }] }] }],
  egressDeny: [{ toEndpoints: [{ matchExpressions: [{ key: CLUSTER, operator: 'NotIn', values: ['k3scl1'] }] }] }],
};

function rawInventory() {
  return editFile(policyExample(), 'policies.yaml', (p) => {
    p.rawPolicies = [
      { clusters: ['k3scl1', 'k3scl2'], policy: { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: 'probe-egress-world', namespace: 'default', labels: { team: 'a' } }, spec: RAW_SPEC } },
      {
        clusters: 'all',
        policy: {
          apiVersion: 'cilium.io/v2',
          kind: 'CiliumClusterwideNetworkPolicy',
          metadata: { name: 'nodes-from-cluster' },
          specs: [{ nodeSelector: {}, ingress: [{ fromEntities: ['cluster', 'remote-node'] }] }, { endpointSelector: { matchLabels: { [CLUSTER]: 'k3scl3' } }, ingress: [{ fromEntities: ['cluster'] }] }],
        },
      },
    ];
    p.defaultDeny.push({ namespace: 'test', clusters: ['k3scl1'], direction: 'egress' });
  });
}

describeWithShared('policies and the verification kit conform to the upstream schemas', [CORE_SCHEMA_DIR, CRD_SCHEMA_DIR], () => {
  const mesh: Mesh = meshOf(rawInventory());
  const shapes: [string, PolicyIntent][] = [
    ['one to one', intent('k3scl1', 'k3scl2')],
    ['one to any', intent('k3scl1', undefined)],
    ['any to one', intent(undefined, 'k3scl2')],
    ['same cluster', intent('k3scl3', 'k3scl3')],
    ['any to any, every port', { ...intent(undefined, undefined), ports: [] }],
  ];

  const objects: [string, any][] = [];
  for (const [label, i] of shapes) {
    for (const c of MESH) {
      if (!sideRunsIn(i.from, c) && !sideRunsIn(i.to, c)) continue;
      const chart = meshChart();
      new PolicyHalves(chart, 'p', { intent: i, egress: sideRunsIn(i.from, c), ingress: sideRunsIn(i.to, c), clusterName: c, meshClusters: MESH });
      for (const o of Testing.synth(chart)) objects.push([`${label} in ${c}: ${o.metadata.name}`, o]);
    }
  }
  for (const direction of ['ingress', 'egress', 'both'] as const) {
    const chart = meshChart();
    new NamespaceDefaultDenyPolicy(chart, 'deny', { namespace: 'team-a', direction, clusterName: 'k3scl1' });
    for (const o of Testing.synth(chart)) objects.push([`default deny ${direction}`, o]);
  }
  mesh.rawPolicies.forEach((policy, index) => {
    const chart = meshChart();
    new RawPolicy(chart, 'raw', { policy, clusterName: 'k3scl1' });
    for (const o of Testing.synth(chart)) objects.push([`raw policy ${index}`, o]);
  });
  for (const defaultDeny of [undefined, 'both'] as const) {
    const chart = meshChart();
    new VerificationKit(chart, 'kit', { namespace: 'mesh-check', clusterName: 'k3scl1', meshClusters: MESH, calls: 60, defaultDeny });
    for (const o of Testing.synth(chart)) objects.push([`verification kit (default deny ${defaultDeny ?? 'off'}): ${o.kind} ${o.metadata.name}`, o]);
  }

  it.each(objects)('%s', (_label, object) => {
    expect(validateKubeObject(object).errors).toEqual([]);
  });
});

describe('NamespaceDefaultDenyPolicy validation', () => {
  it('refuses an unknown direction and a bad namespace name', () => {
    expect(() => new NamespaceDefaultDenyPolicy(meshChart(), 'd', { namespace: 'team-a', direction: 'sideways' as any, clusterName: 'k3scl1' })).toThrow(/ingress, egress or both/);
    expect(() => new NamespaceDefaultDenyPolicy(meshChart(), 'd', { namespace: 'Team_A', direction: 'both', clusterName: 'k3scl1' })).toThrow(/not a namespace name/);
  });
});
