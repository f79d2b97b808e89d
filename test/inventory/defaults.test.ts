/**
 * One source per default: the readers apply lib/inventory/defaults.ts, and the
 * JSON Schemas (what editors show and complete) state exactly the same
 * defaults, no more, no fewer. A minimal inventory, every optional field left
 * out, loads into a model holding those defaults.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { stringify } from 'yaml';
import { DEFAULTS } from '../../lib/inventory/defaults';
import { SCHEMA_FILES } from '../../lib/inventory/schema-check';
import { DEMO_SECRETS } from '../fixtures/demo-ca';
import { meshOf } from '../support/inventory-fixture';
import { PROJECT_ROOT } from '../support/paths';

type Leaves = Record<string, unknown>;

/** Every `default` of a schema by field path (`a.b`, list items as `[]`); both branches of a oneOf/anyOf count. */
function schemaDefaults(node: any, path: string[] = [], into: Leaves = {}): Leaves {
  if (!node || typeof node !== 'object') return into;
  if ('default' in node) into[path.join('.')] = node.default;
  for (const [key, child] of Object.entries(node.properties ?? {})) schemaDefaults(child, [...path, key], into);
  if (node.items) schemaDefaults(node.items, [...path, '[]'], into);
  for (const branch of [...(node.oneOf ?? []), ...(node.anyOf ?? []), ...(node.allOf ?? [])]) schemaDefaults(branch, path, into);
  return into;
}

/** The leaves of a defaults tree by the same paths (a list holds its items' defaults). */
function moduleDefaults(node: unknown, path: string[] = [], into: Leaves = {}): Leaves {
  if (Array.isArray(node)) moduleDefaults(node[0], [...path, '[]'], into);
  else if (node !== null && typeof node === 'object') for (const [key, child] of Object.entries(node)) moduleDefaults(child, [...path, key], into);
  else into[path.join('.')] = node;
  return into;
}

describe('inventory defaults', () => {
  it.each(Object.keys(DEFAULTS) as (keyof typeof DEFAULTS)[])('%s: the schema states exactly the defaults the readers apply', (kind) => {
    const schema = JSON.parse(readFileSync(join(PROJECT_ROOT, 'schema', SCHEMA_FILES[kind]), 'utf8'));
    expect(schemaDefaults(schema)).toEqual(moduleDefaults(DEFAULTS[kind]));
  });

  it('the walk over a schema finds nested, list and branch defaults (it is not vacuous)', () => {
    const schema = { properties: { a: { default: 1, properties: { b: { items: { properties: { c: { default: 'x' } } } } } }, d: { oneOf: [{ default: true }] } } };
    expect(schemaDefaults(schema)).toEqual({ a: 1, 'a.b.[].c': 'x', d: true });
    expect(moduleDefaults({ a: { b: [{ c: 'x' }] }, d: true })).toEqual({ 'a.b.[].c': 'x', d: true });
  });

  describe('a minimal inventory loads with every default applied', () => {
    const files = {
      'mesh.yaml': stringify({ kind: 'Mesh', name: 'm', cilium: { version: '1.19.6' }, secrets: { ageRecipients: DEMO_SECRETS.ageRecipients }, delivery: { repository: { url: 'https://git.example.com/m.git' } } }),
      'a.yaml': stringify({ kind: 'Cluster', name: 'a', id: 1, podCidr: '10.1.0.0/16', nodes: [{ name: 'a1', ip: '192.168.1.1' }] }),
      'b.yaml': stringify({ kind: 'Cluster', name: 'b', id: 2, podCidr: '10.2.0.0/16', nodes: [{ name: 'b1', ip: '192.168.2.1' }] }),
      'services.yaml': stringify({ kind: 'GlobalServices', services: [{ name: 's', namespace: 'default', ports: [{ port: 80 }], backend: { image: 'nginx:1', clusters: ['a'] } }] }),
      'policies.yaml': stringify({
        kind: 'Policies',
        policies: [{ name: 'p', from: { cluster: 'a', namespace: 'default', labels: {} }, to: { cluster: 'b', namespace: 'default', labels: {} }, ports: [{ port: 80 }] }],
        defaultDeny: [{ namespace: 'default' }],
        rawPolicies: [{ policy: { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: 'r', namespace: 'default' }, spec: { endpointSelector: {} } } }],
      }),
    };
    const mesh = meshOf(files);
    const { Mesh: M, Cluster: C, GlobalServices: S, Policies: P } = DEFAULTS;

    it('Mesh', () => {
      const { cilium, secrets, delivery } = mesh;
      expect([cilium.namespace, cilium.kvstoremesh, cilium.authMode, cilium.maxConnectedClusters, cilium.kubeProxyReplacement]).toEqual([
        M.cilium.namespace,
        M.cilium.kvstoremesh,
        M.cilium.authMode,
        M.cilium.maxConnectedClusters,
        M.cilium.kubeProxyReplacement,
      ]);
      expect(cilium.routing).toEqual(M.cilium.routing);
      expect(cilium.hubble).toEqual(M.cilium.hubble);
      expect(cilium.encryption.type).toBe(M.cilium.encryption.type);
      const wireguard = meshOf({ ...files, 'mesh.yaml': files['mesh.yaml'].replace("version: 1.19.6", "version: 1.19.6\n  encryption: {type: wireguard}") });
      expect(wireguard.cilium.encryption).toEqual({ type: 'wireguard', nodeEncryption: M.cilium.encryption.nodeEncryption });
      expect(secrets).toMatchObject({ provider: M.secrets.provider, caFile: M.secrets.caFile });
      expect(delivery).toMatchObject({ engines: [M.delivery.engine], interval: M.delivery.interval, argocd: M.delivery.argocd, repository: M.delivery.repository });
      expect(mesh.verificationKit).toBe(M.verificationKit.enabled ? expect.anything() : undefined);
      const kit = meshOf({ ...files, 'mesh.yaml': files['mesh.yaml'] + 'verificationKit: {enabled: true}\n' }).verificationKit;
      expect(kit).toEqual({ namespace: M.verificationKit.namespace, calls: M.verificationKit.calls });
    });

    it('Mesh with an external secret store', () => {
      const external = meshOf({ ...files, 'mesh.yaml': stringify({ kind: 'Mesh', name: 'm', cilium: { version: '1.19.6' }, secrets: { provider: 'external-secrets', externalSecrets: { storeRef: { name: 's' }, remoteKey: 'k' } } }) });
      expect(external.secrets).toMatchObject({ storeRef: { kind: M.secrets.externalSecrets.storeRef.kind }, refreshInterval: M.secrets.externalSecrets.refreshInterval });
    });

    it('Cluster', () => {
      const [a] = mesh.clusters;
      expect([a.podCidrMaskSize, a.serviceCidr.text, `${a.nodePortRange.min}-${a.nodePortRange.max}`, a.nodes[0].role, a.apiServer.port]).toEqual([
        C.podCidrMaskSize,
        C.serviceCidr,
        C.nodePortRange,
        C.nodes[0].role,
        C.apiServer.port,
      ]);
      expect(a.meshEndpoint.type).toBe(C.meshEndpoint.type);
      const lb = meshOf({ ...files, 'a.yaml': files['a.yaml'] + 'meshEndpoint: {type: LoadBalancer, loadBalancerIP: 192.168.9.1, supplier: metallb}\n' }).clusters[0].meshEndpoint;
      expect(lb).toMatchObject({ type: 'LoadBalancer', externalTrafficPolicy: C.meshEndpoint.externalTrafficPolicy });
    });

    it('GlobalServices', () => {
      const [svc] = mesh.globalServices;
      expect(S.services[0].clusters).toBe('all');
      expect(svc.clusters).toEqual(['a', 'b']);
      expect([svc.shared, svc.ports[0].protocol, svc.backend?.replicas]).toEqual([S.services[0].shared, S.services[0].ports[0].protocol, S.services[0].backend.replicas]);
    });

    it('Policies', () => {
      expect(mesh.policies[0].ports[0].protocol).toBe(P.policies[0].ports[0].protocol);
      expect([P.defaultDeny[0].clusters, P.rawPolicies[0].clusters]).toEqual(['all', 'all']);
      expect(mesh.defaultDenies[0]).toMatchObject({ clusters: ['a', 'b'], direction: P.defaultDeny[0].direction });
      expect(mesh.rawPolicies[0].clusters).toEqual(['a', 'b']);
    });
  });
});
