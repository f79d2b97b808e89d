/**
 * The Cilium Helm values for one cluster: what the chart needs to join the
 * mesh, with the mesh-wide and per-cluster overrides merged on top.
 */
import { createHash } from 'crypto';
import { CertificateSettings, Cluster, Mesh, peersOf } from '../model/mesh';
import { ciliumVersionFacts } from '../model/cilium-versions';
import { CommittedSecrets } from '../model/committed-secrets';

/** Secret (in Cilium's namespace) whose `values.yaml` key carries `tls.ca.cert` and `tls.ca.key`. */
export const MESH_CA_VALUES_SECRET = 'cilium-mesh-ca';
export const MESH_CA_VALUES_KEY = 'values.yaml';

/**
 * Label on the clustermesh-apiserver pods (and so on the certgen Job's pods) whose value
 * changes with the issuing CA and the trust bundle: the pods restart and read the new trust
 * at each rotation phase, and with method cronJob the one-shot certgen Job, named after a
 * checksum of its spec (1.19 and 1.20 templates/clustermesh-apiserver/tls-cronjob/job.yaml;
 * 1.18 runs it at every helm upgrade), runs again and issues from the new CA at once.
 */
export const MESH_CA_TRUST_LABEL = 'k3s-cilium-mesh.io/mesh-ca-trust';

export type HelmValues = { [key: string]: unknown };

/**
 * @param committed the committed CA certificates (trust bundle, issuer); without them (provider
 *   external-secrets) the chart's own `ca.crt` of each certificate is trusted.
 */
export function ciliumHelmValues(mesh: Mesh, cluster: Cluster, committed: CommittedSecrets = {}): HelmValues {
  const { cilium } = mesh;
  const routing: HelmValues =
    cilium.routing.mode === 'tunnel'
      ? { routingMode: 'tunnel', tunnelProtocol: cilium.routing.tunnelProtocol }
      : { routingMode: 'native', ipv4NativeRoutingCIDR: cilium.routing.nativeRoutingCidr, autoDirectNodeRoutes: true };
  const chartListsUsers = cilium.authMode !== 'legacy' && ciliumVersionFacts(cilium.version).chartRendersRemoteUsers;
  const trust = trustValues(committed);
  const generated: HelmValues = {
    cluster: { name: cluster.name, id: cluster.id },
    ...routing,
    kubeProxyReplacement: cilium.kubeProxyReplacement,
    k8sServiceHost: cluster.apiServer.host,
    k8sServicePort: cluster.apiServer.port,
    ipam: {
      mode: 'cluster-pool',
      operator: {
        // Cilium's default pool ignores k3s' cluster-cidr: without this every cluster gets 10.0.0.0/8.
        clusterPoolIPv4PodCIDRList: [cluster.podCidr.text],
        clusterPoolIPv4MaskSize: cluster.podCidrMaskSize,
      },
    },
    // Two operator replicas refuse to share a node; a one-node cluster would keep one Pending.
    operator: { replicas: Math.min(2, cluster.nodes.length) },
    clustermesh: {
      useAPIServer: true,
      maxConnectedClusters: cilium.maxConnectedClusters,
      // Peers come from the cilium-clustermesh / cilium-kvstoremesh Secrets rendered next to this chart.
      // 1.18 still renders clustermesh-remote-users from the names listed here (nothing else, with the
      // config disabled); later versions get it from this project (lib/constructs/clustermesh-remote-users.ts).
      config: { enabled: false, ...(chartListsUsers ? { clusters: peersOf(mesh, cluster).map((peer) => ({ name: peer.name })) } : {}) },
      apiserver: {
        kvstoremesh: { enabled: cilium.kvstoremesh },
        // Local clients use the chart's ClusterIP Service; peers use the mesh endpoint NodePort Service.
        // The chart writes externalTrafficPolicy (default Cluster) whatever the type, and the API server
        // refuses it on a ClusterIP Service: null removes the chart default.
        service: { type: 'ClusterIP', externalTrafficPolicy: null },
        tls: { authMode: cilium.authMode, auto: certificateValues(cilium.certificates) },
        ...(trust ? { podLabels: { [MESH_CA_TRUST_LABEL]: trust.label } } : {}),
      },
    },
    // Every consumer of the mesh CA (agent and KVStoreMesh etcd clients, the clustermesh-apiserver
    // etcd server, operator, Hubble relay) reads its trusted CAs from this bundle instead of the
    // certificates' ca.crt, which is how the chart allows CA rotation with no down-time (values.yaml
    // tls.caBundle; the chart renders ConfigMap cilium-root-ca.crt from `content`).
    ...(trust ? { tls: { caBundle: { enabled: true, content: trust.bundle } } } : {}),
  };
  return deepMerge(deepMerge(generated, cilium.helmValues), cluster.helmValues);
}

/** clustermesh.apiserver.tls.auto for the inventory's certificate method (the chart's value names). */
function certificateValues(certificates: CertificateSettings): HelmValues {
  const validity = certificates.validityDays === undefined ? {} : { certValidityDuration: certificates.validityDays };
  switch (certificates.method) {
    case 'cronJob':
      return { enabled: true, method: 'cronJob', ...validity, schedule: certificates.schedule };
    case 'helm':
      return { enabled: true, method: 'helm', ...validity };
    case 'certmanager':
      return { enabled: true, method: 'certmanager', ...validity, certManagerIssuerRef: { ...certificates.issuerRef } };
  }
}

function trustValues(committed: CommittedSecrets): { bundle: string; label: string } | undefined {
  if (committed.trustBundlePem === undefined || committed.issuerFingerprintSha256 === undefined) return undefined;
  const label = createHash('sha256').update(`${committed.issuerFingerprintSha256}\n${committed.trustBundlePem}`).digest('hex').slice(0, 16);
  return { bundle: committed.trustBundlePem, label };
}

/** Maps merge key by key; anything else (lists included) is replaced, as Helm does. */
export function deepMerge(base: HelmValues, override: Readonly<HelmValues>): HelmValues {
  const result: HelmValues = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = result[key];
    result[key] = isMap(current) && isMap(value) ? deepMerge(current, value) : value;
  }
  return result;
}

function isMap(value: unknown): value is HelmValues {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
