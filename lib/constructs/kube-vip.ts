/**
 * kube-vip holding a cluster's control-plane virtual IP in ARP mode: a
 * DaemonSet on the servers with its ServiceAccount and RBAC, as kube-vip's
 * k3s guide installs it (kube-vip/website content/docs/usage/k3s.md: "kube-vip
 * runs as a DaemonSet under K3s and not a static Pod"). The objects follow
 * kube-vip's own generator (kube-vip/kube-vip pkg/kubevip/config_generator.go,
 * `manifest daemonset --arp --controlplane --leaderElection --inCluster --taint`
 * at v1.2.3) and its RBAC (content/manifests/rbac.yaml), without Services mode:
 * only the API address is announced.
 *
 * With Cilium replacing kube-proxy, the kubernetes Service's cluster IP works
 * only once Cilium runs, and Cilium reaches the API through this VIP: kube-vip
 * talks to the API server on its own node instead (KUBERNETES_SERVICE_HOST/PORT,
 * which client-go's in-cluster config reads; the problem is kube-vip/kube-vip
 * issue 721). A k3s server serves the API on 127.0.0.1:6443 (the default
 * --server of `k3s token rotate`, k3s-io/docs docs/cli/token.md).
 */
import { Construct } from 'constructs';
import * as k8s from 'cdk8s-plus-27/lib/imports/k8s';
import { KEEP_ANNOTATIONS } from '../model/ownership';

/** The lease kube-vip's leader holds (cmd/kube-vip.go default of --leaseName). */
const LEASE_NAME = 'plndr-cp-lock';
/** Leader election timing in seconds, kube-vip's defaults (cmd/kube-vip.go: --leaseDuration, --leaseRenewDuration, --leaseRetry). */
const LEASE = { duration: 15, renewDeadline: 10, retryPeriod: 2 };
/** Where k3s serves the API on every server (k3s's default https-listen-port). */
const LOCAL_API = { host: '127.0.0.1', port: 6443 };

export interface KubeVipProps {
  /** The virtual IP the servers share; Cilium, Argo CD and joining nodes reach the API there. */
  readonly address: string;
  /** The network interface of the servers the VIP is announced on (ARP). */
  readonly interface: string;
  /** The kube-vip image, pinned by tag or digest. */
  readonly image: string;
  /** @default 'kube-system' (kube-vip's namespace, where its lease lives) */
  readonly namespace?: string;
}

export class KubeVip extends Construct {
  readonly daemonSet: k8s.KubeDaemonSet;

  constructor(scope: Construct, id: string, props: KubeVipProps) {
    super(scope, id);
    const namespace = props.namespace ?? 'kube-system';
    // Removing kube-vip from git must not take the API address away from every node: never pruned.
    const annotations = { ...KEEP_ANNOTATIONS };
    const account = new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata: { name: 'kube-vip', namespace, annotations } });
    const role = new k8s.KubeClusterRole(this, 'ClusterRole', {
      metadata: { name: 'system:kube-vip-role', annotations },
      rules: [
        { apiGroups: [''], resources: ['services/status'], verbs: ['update'] },
        { apiGroups: [''], resources: ['services', 'endpoints'], verbs: ['list', 'get', 'watch', 'update'] },
        { apiGroups: [''], resources: ['nodes'], verbs: ['list', 'get', 'watch', 'update', 'patch'] },
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['list', 'get', 'watch', 'update', 'create'] },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'get', 'watch', 'update'] },
        { apiGroups: [''], resources: ['pods'], verbs: ['list'] },
      ],
    });
    new k8s.KubeClusterRoleBinding(this, 'ClusterRoleBinding', {
      metadata: { name: 'system:kube-vip-binding', annotations },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role.name },
      subjects: [{ kind: 'ServiceAccount', name: account.name, namespace }],
    });
    const version = imageVersion(props.image);
    const selector = { 'app.kubernetes.io/name': 'kube-vip-ds' };
    const podLabels = { ...selector, ...(version ? { 'app.kubernetes.io/version': version } : {}) };
    const env = (name: string, value: string | number | boolean) => ({ name, value: String(value) });
    this.daemonSet = new k8s.KubeDaemonSet(this, 'DaemonSet', {
      metadata: { name: 'kube-vip-ds', namespace, labels: podLabels, annotations },
      spec: {
        selector: { matchLabels: selector },
        template: {
          metadata: { labels: podLabels },
          spec: {
            serviceAccountName: account.name,
            hostNetwork: true,
            // On the servers only, whatever their taints (the generator's --taint).
            affinity: {
              nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: {
                  nodeSelectorTerms: [
                    { matchExpressions: [{ key: 'node-role.kubernetes.io/master', operator: 'Exists' }] },
                    { matchExpressions: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists' }] },
                  ],
                },
              },
            },
            tolerations: [
              { effect: 'NoSchedule', operator: 'Exists' },
              { effect: 'NoExecute', operator: 'Exists' },
            ],
            containers: [
              {
                name: 'kube-vip',
                image: props.image,
                imagePullPolicy: 'IfNotPresent',
                args: ['manager'],
                env: [
                  env('vip_arp', true),
                  env('port', LOCAL_API.port),
                  { name: 'vip_nodename', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
                  env('vip_interface', props.interface),
                  env('vip_subnet', 32),
                  env('cp_enable', true),
                  env('cp_namespace', namespace),
                  env('vip_leaderelection', true),
                  env('vip_leasename', LEASE_NAME),
                  env('vip_leaseduration', LEASE.duration),
                  env('vip_renewdeadline', LEASE.renewDeadline),
                  env('vip_retryperiod', LEASE.retryPeriod),
                  env('address', props.address),
                  env('KUBERNETES_SERVICE_HOST', LOCAL_API.host),
                  env('KUBERNETES_SERVICE_PORT', LOCAL_API.port),
                ],
                securityContext: { capabilities: { add: ['NET_ADMIN', 'NET_RAW'], drop: ['ALL'] } },
              },
            ],
          },
        },
      },
    });
  }
}

/** The tag of an image reference (`repo:tag` or `repo:tag@sha256:…`), for the version label; undefined for a digest alone. */
export function imageVersion(image: string): string | undefined {
  const withoutDigest = image.split('@')[0];
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  return colon > slash ? withoutDigest.slice(colon + 1) : undefined;
}
