/**
 * The mesh as the product understands it: a validated, normalised view of the
 * inventory. Everything here is already checked; constructs render it and never
 * need to validate again. Lists are sorted so that output order is stable.
 */
import { CiliumVersion } from './cilium-versions';
import { Ipv4Cidr } from './ipv4';

/** Where a part of the model was declared, so later messages can point at it. */
export interface SourceRef {
  /** Path of the inventory file, relative to the project root. */
  readonly file: string;
}

export type NodeRole = 'server' | 'agent';

export interface ClusterNode {
  readonly name: string;
  /** Dotted-quad IPv4 address the node is reached at (k3s `node-ip`). */
  readonly ip: string;
  /** Address the other clusters reach this node at when a NAT sits between them; undefined: `ip`. */
  readonly externalAddress?: string;
  readonly role: NodeRole;
}

/** The address peers use for a node: its NAT address if it has one, else its node IP. */
export function peerFacingAddress(node: ClusterNode): string {
  return node.externalAddress ?? node.ip;
}

export const MESH_ENDPOINT_TYPES = ['NodePort', 'LoadBalancer', 'External'] as const;
export type MeshEndpointType = (typeof MESH_ENDPOINT_TYPES)[number];

export const LOAD_BALANCER_SUPPLIERS = ['kube-vip', 'metallb', 'cilium', 'other'] as const;
export type LoadBalancerSupplier = (typeof LOAD_BALANCER_SUPPLIERS)[number];

/**
 * How the peers reach this cluster's clustermesh-apiserver:
 * - `NodePort`: the project's NodePort Service; peers dial every node's peer-facing address on it.
 * - `LoadBalancer`: the chart's own Service `clustermesh-apiserver` as a LoadBalancer with a fixed
 *   IP from a supplier in the cluster (kube-vip, MetalLB, Cilium LB IPAM); peers dial that IP, port 2379.
 * - `External`: a load balancer outside the cluster, in front of the nodes' NodePort; peers dial its
 *   address (an IPv4 address, or a DNS name the server certificate then also carries).
 */
export type MeshEndpoint =
  | { readonly type: 'NodePort'; readonly nodePort: number }
  | {
      readonly type: 'LoadBalancer';
      readonly loadBalancerIP: string;
      /** undefined: the cluster's default load balancer implementation. */
      readonly loadBalancerClass?: string;
      /** Who assigns and announces the IP; undefined: not stated (a warning, as k3s servicelb is off). */
      readonly supplier?: LoadBalancerSupplier;
      /** Source ranges allowed in, as written; undefined: every peer node's peer-facing address (meshEndpointSourceRanges). */
      readonly sourceRanges?: readonly string[];
      readonly externalTrafficPolicy: 'Cluster' | 'Local';
      readonly annotations: Readonly<Record<string, string>>;
    }
  | {
      readonly type: 'External';
      /** The NodePort the external load balancer forwards to. */
      readonly nodePort: number;
      /** IPv4 address or DNS name peers dial. */
      readonly address: string;
      readonly addressKind: 'ip' | 'dns';
      /** Port peers dial on `address`. */
      readonly port: number;
    };

/** kube-vip announcing the API's virtual IP (apiServer.host) by ARP from the server that leads. */
export interface KubeVipSettings {
  /** The servers' network interface the VIP is announced on. */
  readonly interface: string;
  /** The kube-vip image, pinned by tag or digest. */
  readonly image: string;
}

export interface NodePortRange {
  readonly min: number;
  readonly max: number;
}

export interface Cluster {
  readonly source: SourceRef;
  /** Cilium cluster name; also the folder name under dist/. */
  readonly name: string;
  /** Cilium cluster id, unique in the mesh. */
  readonly id: number;
  readonly nodes: readonly ClusterNode[];
  readonly podCidr: Ipv4Cidr;
  /** Prefix length of the per-node pod range carved from podCidr. */
  readonly podCidrMaskSize: number;
  readonly serviceCidr: Ipv4Cidr;
  readonly nodePortRange: NodePortRange;
  /** How peers reach this cluster's clustermesh-apiserver. */
  readonly meshEndpoint: MeshEndpoint;
  /**
   * Where the Kubernetes API is published: Cilium's k8sServiceHost/Port, the
   * address joining nodes and Argo CD use, signed into every server's certificate
   * (tls-san). With `kubeVip`, `host` is a virtual IP kube-vip moves between the servers.
   */
  readonly apiServer: { readonly host: string; readonly port: number; readonly kubeVip?: KubeVipSettings };
  /** Helm values merged over the generated ones for this cluster only. */
  readonly helmValues: Readonly<Record<string, unknown>>;
  /** API server URL a central Argo CD deploys to. */
  readonly argocdServer: string;
  /** The k3s release the hand-over installs (the cluster's pin, else the mesh's); undefined: k3s's stable channel. */
  readonly k3sVersion?: string;
}

export type Routing =
  | { readonly mode: 'tunnel'; readonly tunnelProtocol: 'vxlan' | 'geneve' }
  | { readonly mode: 'native'; readonly nativeRoutingCidr: string };

export const CLUSTERMESH_AUTH_MODES = ['cluster', 'migration', 'legacy'] as const;
export type ClusterMeshAuthMode = (typeof CLUSTERMESH_AUTH_MODES)[number];

/**
 * Transparent encryption between nodes, the same in every cluster: Cilium supports no mixed mode
 * in a Cluster Mesh (every participating cluster must have WireGuard enabled; Cilium
 * Documentation/security/network/encryption-wireguard.rst, "Cluster Mesh").
 */
export type EncryptionSettings =
  | { readonly type: 'none' }
  | {
      readonly type: 'wireguard';
      /** Also encrypt node-to-node, pod-to-node and node-to-pod traffic (Cilium beta); k3s servers opt out. */
      readonly nodeEncryption: boolean;
    };

/** Hubble in every cluster: the agents' flow servers, Relay (which reaches the agents of every cluster) and its UI. */
export interface HubbleSettings {
  readonly enabled: boolean;
  readonly relay: boolean;
  readonly ui: boolean;
}

/**
 * How the clustermesh-apiserver certificates (server, admin, remote, local) are
 * issued from the mesh CA (`clustermesh.apiserver.tls.auto.method`, see the chart's
 * templates/clustermesh-apiserver/tls-{helm,cronjob,certmanager}/):
 * - `cronJob`: a certgen Job issues them at install and a CronJob re-issues them on
 *   `schedule`, from the `cilium-ca` Secret the chart writes from the mesh CA;
 * - `helm`: helm generates them at every helm run, so they expire `validityDays`
 *   after the last change of the HelmChart;
 * - `certmanager`: cert-manager `Certificate`s from `issuerRef`, renewed by cert-manager.
 */
export const CERTIFICATE_METHODS = ['cronJob', 'helm', 'certmanager'] as const;
export type CertificateMethod = (typeof CERTIFICATE_METHODS)[number];

export interface CertificateIssuerRef {
  readonly name: string;
  readonly kind: string;
  readonly group: string;
}

export type CertificateSettings =
  | { readonly method: 'cronJob'; readonly validityDays?: number; readonly schedule: string }
  | { readonly method: 'helm'; readonly validityDays?: number }
  | { readonly method: 'certmanager'; readonly validityDays?: number; readonly issuerRef: CertificateIssuerRef };

export interface CiliumSettings {
  readonly version: CiliumVersion;
  /** Namespace Cilium is installed into. */
  readonly namespace: string;
  /** Whether clustermesh-apiserver runs KVStoreMesh (caches remote clusters for the agents). */
  readonly kvstoremesh: boolean;
  /**
   * How each clustermesh-apiserver authenticates its peers (`clustermesh.apiserver.tls.authMode`):
   * `cluster` gives every cluster its own client identity `remote-<cluster>`, listed per peer in
   * ConfigMap `clustermesh-remote-users`; `legacy` shares one `remote` identity; `migration` accepts both.
   */
  readonly authMode: ClusterMeshAuthMode;
  readonly maxConnectedClusters: 255 | 511;
  readonly routing: Routing;
  readonly kubeProxyReplacement: boolean;
  readonly encryption: EncryptionSettings;
  readonly hubble: HubbleSettings;
  /** How the clustermesh certificates are issued and renewed; validityDays undefined: the chart's default. */
  readonly certificates: CertificateSettings;
  /** Helm values merged over the generated ones in every cluster. */
  readonly helmValues: Readonly<Record<string, unknown>>;
}

export interface ServicePort {
  readonly name: string;
  readonly port: number;
  readonly targetPort: number;
  readonly protocol: 'TCP' | 'UDP' | 'SCTP';
}

export type ServiceAffinity = 'local' | 'remote' | 'none';

/** A workload that serves a global service, rendered with cdk8s-plus. */
export interface ContainerResources {
  readonly requests: { readonly cpu?: string; readonly memory?: string };
  readonly limits: { readonly cpu?: string; readonly memory?: string };
}

export interface ServiceBackend {
  /** Deployment name. */
  readonly name: string;
  readonly image: string;
  readonly replicas: number;
  readonly imagePullPolicy: 'Always' | 'IfNotPresent' | 'Never';
  readonly resources: ContainerResources;
  /** Whether the pods must run as a non-root user (the image must then set one). */
  readonly runAsNonRoot: boolean;
  /** Clusters the backend runs in. */
  readonly clusters: readonly string[];
}

export interface GlobalService {
  readonly source: SourceRef;
  readonly name: string;
  readonly namespace: string;
  readonly ports: readonly ServicePort[];
  /** Pod labels the Service selects, in every cluster. */
  readonly selector: Readonly<Record<string, string>>;
  /** Clusters in which the Service exists (and so can reach it). */
  readonly clusters: readonly string[];
  /** Whether this cluster's backends are offered to other clusters (`service.cilium.io/shared`). */
  readonly shared: boolean;
  /** Preference between local and remote backends; undefined leaves Cilium's default. */
  readonly affinity?: ServiceAffinity;
  readonly backend?: ServiceBackend;
}

export interface PolicyPort {
  readonly port: number;
  readonly protocol: 'TCP' | 'UDP' | 'SCTP' | 'ANY';
}

/** One side of a policy intent; `cluster: undefined` means any cluster of the mesh. */
export interface PolicyPeer {
  readonly cluster?: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** "Pods matching `from` may reach pods matching `to`", placed by synth into both clusters. */
export interface PolicyIntent {
  readonly source: SourceRef;
  readonly name: string;
  readonly description?: string;
  readonly from: PolicyPeer;
  readonly to: PolicyPeer;
  /** Empty means every port. */
  readonly ports: readonly PolicyPort[];
}

export type PolicyDirection = 'ingress' | 'egress' | 'both';

/** Every pod of a namespace denies what no policy allows, in the listed clusters. */
export interface NamespaceDefaultDeny {
  readonly source: SourceRef;
  readonly namespace: string;
  /** Clusters to render it in, sorted. */
  readonly clusters: readonly string[];
  readonly direction: PolicyDirection;
}

export type RawPolicyKind = 'CiliumNetworkPolicy' | 'CiliumClusterwideNetworkPolicy';

/** A CiliumNetworkPolicy or CiliumClusterwideNetworkPolicy written out by hand, placed as is. */
export interface RawCiliumPolicy {
  readonly source: SourceRef;
  readonly kind: RawPolicyKind;
  readonly name: string;
  /** Set for CiliumNetworkPolicy, absent for the cluster-wide kind. */
  readonly namespace?: string;
  /** Clusters to render it in, sorted. */
  readonly clusters: readonly string[];
  /** The object as written: apiVersion, kind, metadata, spec or specs. */
  readonly manifest: Readonly<Record<string, unknown>>;
}

/**
 * A CA rotation without an outage, one committed phase at a time (`ca rotate --yes`):
 * - `trust-both`: every cluster trusts the current and the next CA (tls.caBundle),
 *   certificates are still issued from the current one;
 * - `issue-new`: the next CA has become the current one and issues every certificate;
 *   the previous one is still trusted;
 * - `drop-old`: only the new CA is trusted: the rotation is complete (same output as no rotation).
 */
export const ROTATION_PHASES = ['trust-both', 'issue-new', 'drop-old'] as const;
export type RotationPhase = (typeof ROTATION_PHASES)[number];

/** Where the one mesh CA comes from. */
export type SecretsSettings =
  | {
      readonly provider: 'sops';
      /** age recipients the CA file is encrypted to. */
      readonly ageRecipients: readonly string[];
      /** The encrypted CA Secret, relative to the project root (its text: CommittedSecrets.meshCaText). */
      readonly caFile: string;
      /** The phase of a CA rotation; undefined: none was ever started. */
      readonly rotationPhase?: RotationPhase;
    }
  | {
      readonly provider: 'external-secrets';
      readonly storeRef: { readonly name: string; readonly kind: 'SecretStore' | 'ClusterSecretStore' };
      /** Key in the store with properties tls.crt and tls.key. */
      readonly remoteKey: string;
      readonly refreshInterval: string;
    };

export type DeliveryEngine = 'flux' | 'argocd';

export interface DeliverySettings {
  /** Engines to render entry points for. */
  readonly engines: readonly DeliveryEngine[];
  /** Undefined when the inventory names no repository: entry points cannot be rendered then. */
  readonly repository?: { readonly url: string; readonly branch: string; readonly path: string };
  readonly interval: string;
  readonly argocd: { readonly namespace: string; readonly project: string };
}

export interface VerificationKitSettings {
  readonly namespace: string;
  /** How many calls the check Job makes per round. */
  readonly calls: number;
}

export interface Mesh {
  readonly name: string;
  readonly cilium: CiliumSettings;
  readonly secrets: SecretsSettings;
  readonly delivery: DeliverySettings;
  /** Present when the verification kit is enabled. */
  readonly verificationKit?: VerificationKitSettings;
  /** Sorted by name. */
  readonly clusters: readonly Cluster[];
  /** Sorted by namespace, then name. */
  readonly globalServices: readonly GlobalService[];
  /** Sorted by name. */
  readonly policies: readonly PolicyIntent[];
  /** Namespaces the mesh file declares (besides the built-in ones and those of global services), sorted. */
  readonly namespaces: readonly string[];
  /** Sorted by namespace. */
  readonly defaultDenies: readonly NamespaceDefaultDeny[];
  /** In the order of the Policies files. */
  readonly rawPolicies: readonly RawCiliumPolicy[];
}

/** The other clusters of the mesh, in name order. */
export function peersOf(mesh: Mesh, cluster: Cluster): Cluster[] {
  return mesh.clusters.filter((c) => c.name !== cluster.name);
}

/** The NodePort the cluster's mesh endpoint Service opens on every node; undefined for a LoadBalancer endpoint. */
export function meshNodePortOf(cluster: Cluster): number | undefined {
  return cluster.meshEndpoint.type === 'LoadBalancer' ? undefined : cluster.meshEndpoint.nodePort;
}

/**
 * The source ranges a LoadBalancer mesh endpoint admits: the ones written, else
 * every peer node's peer-facing address as a /32 (peers dial from their nodes,
 * their pods' traffic masqueraded to the node address), sorted and distinct.
 */
export function meshEndpointSourceRanges(mesh: Mesh, cluster: Cluster): string[] {
  const endpoint = cluster.meshEndpoint;
  if (endpoint.type !== 'LoadBalancer') return [];
  const ranges = endpoint.sourceRanges ?? peersOf(mesh, cluster).flatMap((peer) => peer.nodes.map((n) => `${peerFacingAddress(n)}/32`));
  return [...new Set(ranges)].sort();
}

/** Node IPs of the cluster's servers first, then its agents (dial order for peers). */
export function serverNodes(cluster: Cluster): ClusterNode[] {
  return cluster.nodes.filter((n) => n.role === 'server');
}
