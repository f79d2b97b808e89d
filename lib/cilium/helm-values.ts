/**
 * The Cilium Helm values for one cluster: what the chart needs to join the
 * mesh, with the mesh-wide and per-cluster overrides merged on top.
 */
import { Cluster, Mesh, peersOf } from '../model/mesh';
import { ciliumVersionFacts } from '../model/cilium-versions';

/** Secret (in Cilium's namespace) whose `values.yaml` key carries `tls.ca.cert` and `tls.ca.key`. */
export const MESH_CA_VALUES_SECRET = 'cilium-mesh-ca';
export const MESH_CA_VALUES_KEY = 'values.yaml';

export type HelmValues = { [key: string]: unknown };

export function ciliumHelmValues(mesh: Mesh, cluster: Cluster): HelmValues {
  const { cilium } = mesh;
  const routing: HelmValues =
    cilium.routing.mode === 'tunnel'
      ? { routingMode: 'tunnel', tunnelProtocol: cilium.routing.tunnelProtocol }
      : { routingMode: 'native', ipv4NativeRoutingCIDR: cilium.routing.nativeRoutingCidr, autoDirectNodeRoutes: true };
  const chartListsUsers = cilium.authMode !== 'legacy' && ciliumVersionFacts(cilium.version).chartRendersRemoteUsers;
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
        tls: { authMode: cilium.authMode, auto: { enabled: true, method: 'helm' } },
      },
    },
  };
  return deepMerge(deepMerge({ ...generated, ...encryptionValues(mesh), ...hubbleValues(mesh) }, cilium.helmValues), cluster.helmValues);
}

/** Port of the hubble-relay Service with server TLS on (chart templates/hubble-relay/service.yaml). */
export const HUBBLE_RELAY_SERVICE_PORT = 443;
/** Port of the hubble-ui Service (chart templates/hubble-ui/service.yaml). */
export const HUBBLE_UI_SERVICE_PORT = 80;
/** A name Relay's server certificate (`*.hubble-relay.cilium.io`) covers, for clients' --tls-server-name. */
export const HUBBLE_RELAY_TLS_SERVER_NAME = 'ui.hubble-relay.cilium.io';
/** Label on the certgen pods that changes with the mesh CA, so a rotation re-issues the Hubble certificates at once. */
export const CERTGEN_CA_LABEL = 'k3s-cilium-mesh.io/ca-fingerprint';

function encryptionValues(mesh: Mesh): HelmValues {
  const { encryption } = mesh.cilium;
  if (encryption.type === 'none') return { encryption: { enabled: false } };
  return { encryption: { enabled: true, type: 'wireguard', nodeEncryption: encryption.nodeEncryption } };
}

/**
 * Hubble's TLS comes from the mesh CA: the chart renders Secret cilium-ca from `tls.ca`
 * (templates/cilium-ca-secret.yaml) and the certgen Job and CronJob issue the server, Relay
 * and UI certificates from it (`--ca-reuse-secret --ca-secret-name=cilium-ca`,
 * templates/hubble/tls-cronjob/_job-spec.tpl). One CA in every cluster is what lets Relay
 * verify the agents of the other clusters, which it dials because each agent's peer service
 * lists every node it knows, remote clusters' included (Cilium pkg/hubble/peer, server name
 * `<node>.<cluster>.hubble-grpc.cilium.io`; Documentation/network/clustermesh/clustermesh.rst,
 * "Shared Certificate Authority"). Not the `helm` method: it reuses the certificates of an
 * existing Secret at every upgrade (templates/hubble/tls-helm/server-secret.yaml, `lookup`),
 * so they are never renewed and outlive a CA rotation.
 */
function hubbleValues(mesh: Mesh): HelmValues {
  const { hubble } = mesh.cilium;
  const { secrets } = mesh;
  if (!hubble.enabled) return { hubble: { enabled: false, relay: { enabled: false }, ui: { enabled: false } } };
  const fingerprint = secrets.provider === 'sops' ? secrets.caSecret?.certificate.fingerprintSha256 : undefined;
  return {
    hubble: {
      enabled: true,
      tls: { enabled: true, auto: { enabled: true, method: 'cronJob' } },
      relay: { enabled: hubble.relay, ...(hubble.relay ? { tls: { server: { enabled: true } } } : {}) },
      ui: { enabled: hubble.ui },
    },
    // Never a CA of certgen's own: without cilium-ca the Job fails and retries instead.
    certgen: {
      generateCA: false,
      // 1.19 on name the Job after a checksum of its spec: a new CA gives a new Job. A label value holds 63 characters.
      ...(fingerprint ? { podLabels: { [CERTGEN_CA_LABEL]: fingerprint.replace(/:/g, '').toLowerCase().slice(0, 32) } } : {}),
    },
  };
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
