/**
 * The Cilium Helm values for one cluster: what the chart needs to join the
 * mesh, with the mesh-wide and per-cluster overrides merged on top.
 */
import { createHash } from 'crypto';
import { CertificateSettings, Cluster, Mesh, meshEndpointSourceRanges, peersOf } from '../model/mesh';
import { serverCertificateDnsNames } from './peer-config';
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
 * @param committed the committed CA certificates (trust bundle, issuer); with provider
 *   external-secrets there are none, and the chart's own `ca.crt` of each certificate is trusted.
 */
export function ciliumHelmValues(mesh: Mesh, cluster: Cluster, committed: CommittedSecrets): HelmValues {
  const { cilium } = mesh;
  const routing: HelmValues =
    cilium.routing.mode === 'tunnel'
      ? { routingMode: 'tunnel', tunnelProtocol: cilium.routing.tunnelProtocol }
      : { routingMode: 'native', ipv4NativeRoutingCIDR: cilium.routing.nativeRoutingCidr, autoDirectNodeRoutes: true };
  const facts = ciliumVersionFacts(cilium.version);
  const chartListsUsers = cilium.authMode !== 'legacy' && facts.chartRendersRemoteUsers;
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
        service: apiserverService(mesh, cluster),
        tls: deepMerge({ authMode: cilium.authMode, auto: certificateValues(cilium.certificates) }, serverCertificateValues(cluster, facts.serverExtraDnsNamesPath)),
        ...(trust ? { podLabels: { [MESH_CA_TRUST_LABEL]: trust.label } } : {}),
      },
    },
    // Every consumer of the mesh CA (agent and KVStoreMesh etcd clients, the clustermesh-apiserver
    // etcd server, operator, Hubble relay) reads its trusted CAs from this bundle instead of the
    // certificates' ca.crt, which is how the chart allows CA rotation with no down-time (values.yaml
    // tls.caBundle; the chart renders ConfigMap cilium-root-ca.crt from `content`).
    ...(trust ? { tls: { caBundle: { enabled: true, content: trust.bundle } } } : {}),
  };
  return deepMerge(deepMerge({ ...generated, ...encryptionValues(mesh), ...hubbleValues(mesh, committed) }, cilium.helmValues), cluster.helmValues);
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
function hubbleValues(mesh: Mesh, committed: CommittedSecrets): HelmValues {
  const { hubble } = mesh.cilium;
  if (!hubble.enabled) return { hubble: { enabled: false, relay: { enabled: false }, ui: { enabled: false } } };
  const fingerprint = committed.issuerFingerprintSha256;
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

/**
 * The chart's Service `clustermesh-apiserver` (templates/clustermesh-apiserver/service.yaml, the
 * same in 1.18 to 1.20). For a LoadBalancer endpoint it is the mesh endpoint itself, with the
 * chart's own LoadBalancer values. Otherwise it serves local clients only as a ClusterIP, and
 * peers use the project's NodePort Service (lib/constructs/mesh-endpoint-service.ts), which has
 * existed since the first release, so moving the NodePort into the chart would make both Services
 * claim one port during the upgrade. The chart writes externalTrafficPolicy (default Cluster)
 * whatever the type, and the API server refuses it on a ClusterIP Service: null removes it.
 */
function apiserverService(mesh: Mesh, cluster: Cluster): HelmValues {
  const endpoint = cluster.meshEndpoint;
  if (endpoint.type !== 'LoadBalancer') return { type: 'ClusterIP', externalTrafficPolicy: null };
  const sourceRanges = meshEndpointSourceRanges(mesh, cluster);
  return {
    type: 'LoadBalancer',
    loadBalancerIP: endpoint.loadBalancerIP,
    ...(endpoint.loadBalancerClass === undefined ? {} : { loadBalancerClass: endpoint.loadBalancerClass }),
    ...(sourceRanges.length === 0 ? {} : { loadBalancerSourceRanges: sourceRanges }),
    externalTrafficPolicy: endpoint.externalTrafficPolicy,
    ...(Object.keys(endpoint.annotations).length === 0 ? {} : { annotations: endpoint.annotations }),
  };
}

/** The DNS address peers dial, added to the server certificate the chart generates (under `clustermesh.apiserver.tls`). */
function serverCertificateValues(cluster: Cluster, path: readonly string[]): HelmValues {
  const names = serverCertificateDnsNames(cluster);
  if (names.length === 0) return {};
  return path.reduceRight<unknown>((inner, key) => ({ [key]: inner }), names) as HelmValues;
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
