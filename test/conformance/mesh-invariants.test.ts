/**
 * Invariants of the mesh across the whole output, read from the rendered files
 * themselves (a peer's port from its own NodePort Service, its addresses from
 * its bootstrap config and the inventory), for every Cilium version with
 * KVStoreMesh on and off, on the example, a generated 6-cluster mesh and the
 * example with every kind of mesh endpoint (LoadBalancer, External, NAT).
 */
import { parse } from 'yaml';
import {
  CLUSTER_LABEL,
  CONFIG_DIR,
  cidrsOverlap,
  expectedDial,
  expectHostAliasesToPeerEndpoints,
  expectPeersDialledAtTheirEndpoint,
  expectPeersExact,
  helmValues,
  hostnameOf,
  k3sConfigs,
  k3sServerConfigs,
  meshNodePortIfAny,
  nodeIps,
  peerSecrets,
} from '../support/mesh-invariants';
import { KubeObject } from '../support/schema-validator';
import {
  CHECKED_PROJECT,
  clusterObjects,
  ENDPOINT_VARIANT,
  endpointVariantInventory,
  inventoryCluster,
  inventoryOfKind,
  manifestPath,
  MATRIX,
  minorOf,
  RenderCase,
  Rendered,
  rendered,
  renderEndpointVariants,
  renderSixClusters,
  renderUnderTest,
  sixClusterInventory,
} from './rendered';

const INVENTORIES: [string, (c: RenderCase) => Rendered][] = CHECKED_PROJECT
  ? [['your mesh', renderUnderTest]]
  : [
      ['example inventory', renderUnderTest],
      ['6-cluster inventory', renderSixClusters],
      ['endpoint variants', renderEndpointVariants],
    ];

it('detects overlapping pod ranges', () => {
  expect(cidrsOverlap('10.11.0.0/16', '10.12.0.0/16')).toBe(false);
  expect(cidrsOverlap('10.0.0.0/8', '10.12.0.0/16')).toBe(true);
  expect(cidrsOverlap('10.12.128.0/17', '10.12.0.0/16')).toBe(true);
});

it('generates the 6-cluster inventory it claims to', () => {
  const r = rendered(sixClusterInventory('1.19.6', true), 'six 1.19.6 true');
  expect(r.clusters).toEqual(['k3scl1', 'k3scl2', 'k3scl3', 'k3scl4', 'k3scl5', 'k3scl6']);
  expect(nodeIps(r, 'k3scl5')).toHaveLength(3);
  expect(k3sConfigs(r, 'k3scl5')).toHaveLength(3);
});

it('generates the endpoint variant it claims to: a LoadBalancer, an External DNS name, a NAT node and an External IP', () => {
  const r = rendered(endpointVariantInventory('1.19.6', true), 'endpoints 1.19.6 true');
  expect(r.mesh.clusters.map((c) => [c.name, c.meshEndpoint.type, c.meshEndpoint.type === 'External' ? c.meshEndpoint.addressKind : '-'])).toEqual([
    ['k3scl1', 'LoadBalancer', '-'],
    ['k3scl2', 'External', 'dns'],
    ['k3scl3', 'NodePort', '-'],
    ['k3scl4', 'External', 'ip'],
  ]);
  expect(expectedDial(r, 'k3scl3').ips).toEqual([ENDPOINT_VARIANT.natAddress]);
  expect(expectedDial(r, 'k3scl2')).toEqual({ host: ENDPOINT_VARIANT.dnsAddress, port: 443, ips: [] });
  expect(expectedDial(r, 'k3scl4')).toEqual({ host: 'k3scl4.mesh.cilium.io', port: 32004, ips: [ENDPOINT_VARIANT.externalIp] });
});

describe.each(INVENTORIES)('%s', (_name, render) => {
  describe.each(MATRIX)('Cilium %s', (_label, c) => {
    const r = render(c);
    // The Cilium settings as loaded (schema defaults applied): what every cluster must agree on.
    const mesh = r.mesh.cilium;
    const ns = mesh.namespace;
    const before120 = minorOf(c) < 20;
    /** The Secret whose entries dial the peers: KVStoreMesh's when on, the agents' when off. */
    const dialing = c.kvstoremesh ? 'cilium-kvstoremesh' : 'cilium-clustermesh';

    it('renders one folder per inventory cluster', () => {
      const inventoryClusters = inventoryOfKind(r, 'Cluster').map((data) => String(data.name));
      expect(r.clusters).toEqual(inventoryClusters.sort());
    });

    it('has peer Secrets that list exactly every other cluster', () => {
      expectPeersExact(r, ns, c.kvstoremesh);
    });

    it("has entries that dial each peer at its own mesh endpoint with the common client certificate", () => {
      expectPeersDialledAtTheirEndpoint(r, dialing);
    });

    if (c.kvstoremesh) {
      it("points the agents at their own cluster's KVStoreMesh cache with the local client certificate", () => {
        for (const cluster of r.clusters) {
          for (const entry of peerSecrets(r, cluster).get('cilium-clustermesh')!.values()) {
            expect(entry).toEqual({
              endpoints: [`https://clustermesh-apiserver.${ns}.svc:2379`],
              'trusted-ca-file': `${CONFIG_DIR}/local-etcd-client-ca.crt`,
              'key-file': `${CONFIG_DIR}/local-etcd-client.key`,
              'cert-file': `${CONFIG_DIR}/local-etcd-client.crt`,
            });
          }
        }
      });
    }

    it("dials each peer's mesh endpoint inside that peer's NodePort range", () => {
      for (const cluster of r.clusters) {
        const [config] = k3sServerConfigs(r, cluster);
        const [min, max] = String(config['service-node-port-range']).split('-').map(Number);
        const port = meshNodePortIfAny(r, cluster);
        if (port === undefined) continue; // a LoadBalancer endpoint opens no NodePort of its own choosing
        expect({ cluster, port, inRange: port >= min && port <= max }).toEqual({ cluster, port, inRange: true });
      }
      if (minorOf(c) < 19 && mesh.kubeProxyReplacement) {
        // Before 1.19, with kube-proxy replacement, a peer's port equal to the local one is dialled locally.
        const ports = r.clusters.flatMap((cl) => meshNodePortIfAny(r, cl) ?? []);
        expect(new Set(ports).size).toBe(ports.length);
      }
    });

    it('bootstraps every node with its inventory node IP, servers with the cluster-wide settings', () => {
      for (const cluster of r.clusters) {
        const nodes = inventoryCluster(r, cluster).nodes as { ip: string; role?: string }[];
        const servers = nodes.filter((n) => (n.role ?? 'server') === 'server').map((n) => n.ip);
        expect(k3sConfigs(r, cluster).map((cfg) => cfg['node-ip']).sort()).toEqual(nodes.map((n) => n.ip).sort());
        expect(k3sServerConfigs(r, cluster).map((cfg) => cfg['node-ip']).sort()).toEqual([...servers].sort());
      }
    });

    it("resolves every peer's mesh name to the addresses of that peer's endpoint", () => {
      expectHostAliasesToPeerEndpoints(r, before120, dialing);
    });

    if (!before120) {
      it('carries the host aliases in the entry that dials the peer, for that peer only', () => {
        for (const cluster of r.clusters) {
          for (const [secret, entries] of peerSecrets(r, cluster)) {
            for (const [peer, entry] of entries) {
              const hostnames = (entry['cilium-host-aliases'] ?? []).map((a) => a.hostname);
              const aliased = secret === dialing && expectedDial(r, peer).ips.length > 0;
              expect({ cluster, secret, peer, hostnames }).toEqual({ cluster, secret, peer, hostnames: aliased ? [hostnameOf(peer)] : [] });
            }
          }
        }
      });
    }

    it(`${before120 ? 'patches the workload that dials the peers with hostAliases' : 'renders no hostAliases patch'}`, () => {
      for (const cluster of r.clusters) {
        const patches = clusterObjects(r, cluster, 'host-aliases-patch.yaml');
        const path = manifestPath(r, cluster, 'host-aliases-patch.yaml');
        const stage = path?.split('/')[1];
        const listed = stage !== undefined && (parse(r.byPath.get(`${cluster}/${stage}/kustomization.yaml`)!).resources as string[]).includes('host-aliases-patch.yaml');
        const aliased = r.clusters.some((peer) => peer !== cluster && expectedDial(r, peer).ips.length > 0);
        if (!before120 || !aliased) {
          expect({ cluster, patches: patches.length, listed }).toEqual({ cluster, patches: 0, listed: false });
          continue;
        }
        expect(patches).toHaveLength(1);
        const expected = c.kvstoremesh ? { apiVersion: 'apps/v1', kind: 'Deployment', name: 'clustermesh-apiserver' } : { apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'cilium' };
        expect({ cluster, apiVersion: patches[0].apiVersion, kind: patches[0].kind, name: patches[0].metadata?.name, namespace: patches[0].metadata?.namespace, listed }).toEqual({
          cluster,
          ...expected,
          namespace: ns,
          listed: true,
        });
      }
    });

    it('installs Cilium with the inventory id, name and pod range, unique across clusters', () => {
      const seen = r.clusters.map((cluster) => {
        const values = helmValues(r, cluster);
        const inv = inventoryCluster(r, cluster);
        expect({ cluster, name: values.cluster.name, id: values.cluster.id, podRanges: values.ipam.operator.clusterPoolIPv4PodCIDRList }).toEqual({
          cluster,
          name: inv.name,
          id: inv.id,
          podRanges: [inv.podCidr],
        });
        return values;
      });
      for (const field of [(v: any) => v.cluster.name, (v: any) => v.cluster.id, (v: any) => v.ipam.operator.clusterPoolIPv4PodCIDRList[0]]) {
        expect(new Set(seen.map(field)).size).toBe(r.clusters.length);
      }
      for (const v of seen) expect(v.cluster.id >= 1 && v.cluster.id <= mesh.maxConnectedClusters).toBe(true);
      const ranges: string[] = seen.map((v) => v.ipam.operator.clusterPoolIPv4PodCIDRList[0]);
      const overlapping = ranges.flatMap((a, i) => ranges.slice(i + 1).filter((b) => cidrsOverlap(a, b)).map((b) => `${a} ${b}`));
      expect(overlapping).toEqual([]);
    });

    it("gives Cilium IPAM the same pod range as k3s' cluster-cidr", () => {
      for (const cluster of r.clusters) {
        const pool = helmValues(r, cluster).ipam.operator.clusterPoolIPv4PodCIDRList;
        for (const config of k3sServerConfigs(r, cluster)) expect({ cluster, pool }).toEqual({ cluster, pool: [config['cluster-cidr']] });
      }
    });

    it('sets the same maxConnectedClusters everywhere, and the bootstrap HelmChart equals the GitOps one', () => {
      for (const cluster of r.clusters) {
        expect({ cluster, max: helmValues(r, cluster).clustermesh.maxConnectedClusters }).toEqual({ cluster, max: mesh.maxConnectedClusters });
        expect(r.byPath.get(`${cluster}/bootstrap/cilium-helm-chart.yaml`)).toBe(r.byPath.get(manifestPath(r, cluster, 'cilium-helm-chart.yaml')!));
      }
    });

    it('places the egress half only in the source clusters and the ingress half only in the destination clusters', () => {
      const policies = r.mesh.policies;
      const cnps = r.clusters.flatMap((cluster) => clusterObjects(r, cluster, 'cluster-policies.yaml').map((o) => ({ cluster, o })));
      expect(cnps.every(({ o }) => o.apiVersion === 'cilium.io/v2' && o.kind === 'CiliumNetworkPolicy')).toBe(true);
      /** Clusters a side of a policy runs in: the one it names, or every cluster. */
      const runsIn = (side: { cluster?: string }) => r.clusters.filter((cl) => side.cluster === undefined || side.cluster === cl);
      expect(cnps).toHaveLength(policies.reduce((n, p) => n + runsIn(p.from).length + runsIn(p.to).length, 0));
      const where = (name: string) => cnps.filter(({ o }) => o.metadata?.name === name);
      const clusterLabel = (selector: any) => selector?.matchLabels?.[CLUSTER_LABEL];
      /** The clusters a peer selector admits: from 1.19 one without a cluster label admits only the local cluster. */
      const admits = (selector: any): string[] => {
        const named = clusterLabel(selector);
        if (named !== undefined) return [named];
        const among = (selector?.matchExpressions ?? []).find((e: any) => e.key === CLUSTER_LABEL && e.operator === 'In');
        return among ? [...among.values].sort() : [];
      };

      for (const policy of policies) {
        const egress = where(`${policy.name}-egress`);
        expect(egress.map((p) => p.cluster)).toEqual(runsIn(policy.from));
        for (const { cluster, o } of egress) {
          const e = o as KubeObject & { spec: any };
          expect(e.metadata?.namespace).toBe(policy.from.namespace);
          expect(e.spec.ingress).toBeUndefined();
          expect(clusterLabel(e.spec.endpointSelector)).toBe(cluster);
          const toEndpoints = e.spec.egress.flatMap((rule: any) => rule.toEndpoints ?? []);
          expect(toEndpoints.length).toBeGreaterThan(0);
          expect(toEndpoints.map(admits)).toEqual(toEndpoints.map(() => runsIn(policy.to)));
        }

        const ingress = where(`${policy.name}-ingress`);
        expect(ingress.map((p) => p.cluster)).toEqual(runsIn(policy.to));
        for (const { cluster, o } of ingress) {
          const i = o as KubeObject & { spec: any };
          expect(i.metadata?.namespace).toBe(policy.to.namespace);
          expect(i.spec.egress).toBeUndefined();
          expect(clusterLabel(i.spec.endpointSelector)).toBe(cluster);
          const fromEndpoints = i.spec.ingress.flatMap((rule: any) => rule.fromEndpoints ?? []);
          expect(fromEndpoints.length).toBeGreaterThan(0);
          expect(fromEndpoints.map(admits)).toEqual(fromEndpoints.map(() => runsIn(policy.from)));
        }
      }
    });

  });
});
