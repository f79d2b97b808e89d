/**
 * The halves of a policy intent that belong in one cluster (placed by
 * lib/model/cluster-view.ts): the egress allow where the source pods run, the
 * ingress allow where the destination pods run, each selecting peers with
 * explicit cluster and namespace labels.
 */
import { Construct } from 'constructs';
import {
  CiliumNetworkPolicy,
  CiliumNetworkPolicySpecEgressToEndpoints,
  CiliumNetworkPolicySpecEgressToPortsPortsProtocol,
  CiliumNetworkPolicySpecEndpointSelectorMatchExpressionsOperator,
  CiliumNetworkPolicySpecIngressFromEndpoints,
  CiliumNetworkPolicySpecIngressToPorts,
} from '../../imports/cilium.io';
import { PolicyIntent, PolicyPeer } from '../model/mesh';
import { CLUSTER_LABEL, NAMESPACE_LABEL } from './metadata';

export interface PolicyHalvesProps {
  readonly intent: PolicyIntent;
  /** Render the egress half: the intent's source pods run in this cluster. */
  readonly egress: boolean;
  /** Render the ingress half: the intent's destination pods run in this cluster. */
  readonly ingress: boolean;
  /** The cluster being rendered; its pods are the ones each half selects. */
  readonly clusterName: string;
  /** Every cluster of the mesh, for intents that name any cluster. */
  readonly meshClusters: readonly string[];
}

export class PolicyHalves extends Construct {
  readonly egress?: CiliumNetworkPolicy;
  readonly ingress?: CiliumNetworkPolicy;

  constructor(scope: Construct, id: string, props: PolicyHalvesProps) {
    super(scope, id);
    const { intent, clusterName, meshClusters } = props;
    if (!props.egress && !props.ingress) throw new Error(`policy ${intent.name}: neither half belongs in ${clusterName}; do not render it there`);
    for (const peer of [intent.from, intent.to]) {
      if (peer.cluster !== undefined && !meshClusters.includes(peer.cluster)) {
        throw new Error(`policy ${intent.name} names cluster ${peer.cluster}, which is not in the mesh`);
      }
    }
    // The egress and ingress port types are generated separately but are the same shape.
    const toPorts = intent.ports.length === 0 ? undefined : [{ ports: intent.ports.map((p) => ({ port: String(p.port), protocol: p.protocol as CiliumNetworkPolicySpecEgressToPortsPortsProtocol })) }];
    const description = intent.description ?? `${describePeer(intent.from)} may reach ${describePeer(intent.to)}`;

    if (props.egress) {
      this.egress = new CiliumNetworkPolicy(this, 'Egress', {
        metadata: { name: `${intent.name}-egress`, namespace: intent.from.namespace, labels: policyLabels(intent) },
        spec: {
          description,
          endpointSelector: { matchLabels: { ...intent.from.labels, [CLUSTER_LABEL]: clusterName } },
          // An allow must not cut the source pods off from everything else (DNS included).
          enableDefaultDeny: { egress: false },
          egress: [{ toEndpoints: [selectorFor(intent.to, meshClusters) as CiliumNetworkPolicySpecEgressToEndpoints], toPorts }],
        },
      });
    }
    if (props.ingress) {
      this.ingress = new CiliumNetworkPolicy(this, 'Ingress', {
        metadata: { name: `${intent.name}-ingress`, namespace: intent.to.namespace, labels: policyLabels(intent) },
        spec: {
          description,
          endpointSelector: { matchLabels: { ...intent.to.labels, [CLUSTER_LABEL]: clusterName } },
          // An intent only opens: closing the destination to everything else is what defaultDeny is for.
          enableDefaultDeny: { ingress: false },
          ingress: [{ fromEndpoints: [selectorFor(intent.from, meshClusters) as CiliumNetworkPolicySpecIngressFromEndpoints], toPorts: toPorts as CiliumNetworkPolicySpecIngressToPorts[] | undefined }],
        },
      });
    }
  }
}

function policyLabels(intent: PolicyIntent): Record<string, string> {
  return { 'k3s-cilium-mesh/intent': intent.name };
}

/**
 * Selects the peer's pods by labels, namespace and cluster. "Any cluster" is
 * spelled out as the list of mesh clusters: from Cilium 1.19 a selector without
 * a cluster label matches the local cluster only.
 */
function selectorFor(peer: PolicyPeer, meshClusters: readonly string[]) {
  const matchLabels: Record<string, string> = { ...peer.labels, [NAMESPACE_LABEL]: peer.namespace };
  if (peer.cluster !== undefined) {
    return { matchLabels: { ...matchLabels, [CLUSTER_LABEL]: peer.cluster } };
  }
  return {
    matchLabels,
    matchExpressions: [{ key: CLUSTER_LABEL, operator: CiliumNetworkPolicySpecEndpointSelectorMatchExpressionsOperator.IN, values: [...meshClusters] }],
  };
}

function describePeer(peer: PolicyPeer): string {
  const labels = Object.entries(peer.labels).map(([k, v]) => `${k}=${v}`).join(',');
  return `pods ${labels || '(all)'} in ${peer.namespace} of ${peer.cluster ?? 'any cluster'}`;
}
