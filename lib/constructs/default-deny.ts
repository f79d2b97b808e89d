/**
 * A namespace closed by default in one cluster: a CiliumNetworkPolicy that
 * selects every pod of the namespace (`endpointSelector: {}`) and turns on
 * default deny for the chosen directions, so only what other policies allow
 * gets through. Closing egress keeps DNS: the same policy allows lookups to
 * kube-dns of this cluster, as Cilium's own default-deny examples do.
 */
import { Construct } from 'constructs';
import { CiliumNetworkPolicy, CiliumNetworkPolicySpecEgressToPortsPortsProtocol } from '../../imports/cilium.io';
import { PolicyDirection } from '../model/mesh';
import { DEFAULT_DENY_POLICY_NAME } from '../model/names';
import { CLUSTER_LABEL, NAMESPACE_LABEL } from './metadata';
import { dns1123LabelProblem } from '../model/kubernetes-names';

export { DEFAULT_DENY_POLICY_NAME };

export interface NamespaceDefaultDenyPolicyProps {
  readonly namespace: string;
  readonly direction: PolicyDirection;
  /** The cluster being rendered: DNS is allowed to its own kube-dns. */
  readonly clusterName: string;
}

/** Labels of the CoreDNS pods k3s (and kubeadm) run in kube-system. */
export const KUBE_DNS_LABELS: Readonly<Record<string, string>> = { 'k8s-app': 'kube-dns' };

export class NamespaceDefaultDenyPolicy extends Construct {
  readonly policy: CiliumNetworkPolicy;

  constructor(scope: Construct, id: string, props: NamespaceDefaultDenyPolicyProps) {
    super(scope, id);
    if (!['ingress', 'egress', 'both'].includes(props.direction)) throw new Error(`direction must be ingress, egress or both, got ${props.direction}`);
    if (dns1123LabelProblem(props.namespace) !== undefined) throw new Error(`'${props.namespace}' is not a namespace name`);
    const ingress = props.direction !== 'egress';
    const egress = props.direction !== 'ingress';
    const what = props.direction === 'both' ? 'ingress and egress' : props.direction;
    this.policy = new CiliumNetworkPolicy(this, 'Resource', {
      metadata: { name: DEFAULT_DENY_POLICY_NAME, namespace: props.namespace },
      spec: {
        description: `Every pod of ${props.namespace} in ${props.clusterName} drops ${what} traffic no policy allows${egress ? ' (DNS to kube-dns stays open)' : ''}`,
        endpointSelector: {},
        enableDefaultDeny: { ingress, egress },
        // An empty rule allows nothing; it only gives the policy an ingress section.
        ingress: ingress ? [{}] : undefined,
        egress: egress
          ? [
              {
                toEndpoints: [{ matchLabels: { [NAMESPACE_LABEL]: 'kube-system', 'k8s:k8s-app': KUBE_DNS_LABELS['k8s-app'], [CLUSTER_LABEL]: props.clusterName } }],
                toPorts: [
                  {
                    ports: [{ port: '53', protocol: CiliumNetworkPolicySpecEgressToPortsPortsProtocol.ANY }],
                    rules: { dns: [{ matchPattern: '*' }] },
                  },
                ],
              },
            ]
          : undefined,
      },
    });
  }
}
