/**
 * The verification kit of one cluster: a small namespace with an echo server
 * that answers with the cluster's name, behind a global Service that exists in
 * every cluster, and a Job that calls the Service many times and passes only
 * when every cluster of the mesh answered. It replaces the runbook's checks by
 * hand (curl from a debug pod, `cilium node list`, `cilium service list`);
 * `verifyGuide` writes the commands that read the result.
 */
import { Construct } from 'constructs';
import * as k8s from 'cdk8s-plus-27/lib/imports/k8s';
import { Mesh, PolicyDirection, PolicyIntent } from '../model/mesh';
import { PolicyHalves } from './cluster-policies';
import { globalServiceAnnotations } from './global-service';
import { MANAGED_BY_LABELS } from './metadata';

/** Answers every request with the text it was started with (`-text`), on `-listen` (default :5678). */
export const ECHO_IMAGE = 'hashicorp/http-echo:1.0.0';
/** Has curl and a POSIX shell; runs as the unprivileged user curl_user (uid 100). */
export const CURL_IMAGE = 'curlimages/curl:8.11.1';
export const ECHO_PORT = 5678;
export const KIT_SERVICE = 'echo';
export const KIT_JOB = 'mesh-check';
/** Rounds of calls before the Job gives up, and the pause between them. */
export const KIT_ROUNDS = 10;
export const KIT_PAUSE_SECONDS = 15;

const ECHO_LABELS = { 'app.kubernetes.io/name': 'mesh-check-echo' };
const CLIENT_LABELS = { 'app.kubernetes.io/name': 'mesh-check-client' };

/**
 * A Job's pod template cannot change once created: Flux and Argo CD replace
 * the Job instead (which also runs the check again).
 */
const RECREATE_ANNOTATIONS: Readonly<Record<string, string>> = {
  'kustomize.toolkit.fluxcd.io/force': 'Enabled',
  'argocd.argoproj.io/sync-options': 'Force=true,Replace=true',
};

export interface VerificationKitProps {
  readonly namespace: string;
  /** The cluster being rendered: its echo server answers with this name. */
  readonly clusterName: string;
  /** Every cluster of the mesh (the echo Service exists in all of them). */
  readonly meshClusters: readonly string[];
  /** Calls per round. */
  readonly calls: number;
  /** Set when a default deny closes the kit's namespace here: the kit then brings its own allows. */
  readonly defaultDeny?: PolicyDirection;
}

export class VerificationKit extends Construct {
  readonly namespace: k8s.KubeNamespace;
  readonly service: k8s.KubeService;
  readonly echo: k8s.KubeDeployment;
  readonly job: k8s.KubeJob;
  readonly policies?: PolicyHalves;

  constructor(scope: Construct, id: string, props: VerificationKitProps) {
    super(scope, id);
    const { namespace, clusterName } = props;
    const labels = { 'app.kubernetes.io/part-of': 'mesh-verification-kit' };
    // The chart labels the objects; pod templates are content and carry the owner themselves.
    const podLabels = { ...MANAGED_BY_LABELS, ...labels };
    // The kit owns its namespace: disabling the kit prunes it with everything in it.
    this.namespace = new k8s.KubeNamespace(this, 'Namespace', { metadata: { name: namespace, labels } });

    this.service = new k8s.KubeService(this, 'Service', {
      metadata: {
        name: KIT_SERVICE,
        namespace,
        labels,
        // Every cluster offers its backend, and no cluster prefers its own: answers come from all.
        annotations: globalServiceAnnotations({ shared: true, affinity: 'none' }),
      },
      spec: { selector: { ...ECHO_LABELS }, ports: [{ name: 'http', port: 80, targetPort: k8s.IntOrString.fromNumber(ECHO_PORT), protocol: 'TCP' }] },
    });

    this.echo = new k8s.KubeDeployment(this, 'Echo', {
      metadata: { name: KIT_SERVICE, namespace, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: { ...ECHO_LABELS } },
        template: {
          metadata: { labels: { ...podLabels, ...ECHO_LABELS } },
          spec: {
            automountServiceAccountToken: false,
            securityContext: podSecurity(65534),
            containers: [
              {
                name: 'echo',
                image: ECHO_IMAGE,
                args: [`-listen=:${ECHO_PORT}`, `-text=${clusterName}`],
                ports: [{ name: 'http', containerPort: ECHO_PORT, protocol: 'TCP' }],
                readinessProbe: { httpGet: { path: '/', port: k8s.IntOrString.fromNumber(ECHO_PORT) }, periodSeconds: 5 },
                resources: smallResources(),
                securityContext: containerSecurity(),
              },
            ],
          },
        },
      },
    });

    this.job = new k8s.KubeJob(this, 'Job', {
      metadata: { name: KIT_JOB, namespace, labels, annotations: { ...RECREATE_ANNOTATIONS } },
      spec: {
        backoffLimit: 0,
        activeDeadlineSeconds: 1800,
        template: {
          metadata: { labels: { ...podLabels, ...CLIENT_LABELS } },
          spec: {
            restartPolicy: 'Never',
            automountServiceAccountToken: false,
            securityContext: podSecurity(100),
            containers: [
              {
                name: 'check',
                image: CURL_IMAGE,
                command: ['/bin/sh', '-c', CHECK_SCRIPT],
                env: [
                  { name: 'URL', value: `http://${KIT_SERVICE}.${namespace}.svc/` },
                  { name: 'CLUSTER', value: clusterName },
                  { name: 'EXPECT', value: [...props.meshClusters].sort().join(' ') },
                  { name: 'CALLS', value: String(props.calls) },
                  { name: 'ROUNDS', value: String(KIT_ROUNDS) },
                  { name: 'PAUSE', value: String(KIT_PAUSE_SECONDS) },
                ],
                resources: smallResources(),
                securityContext: containerSecurity(),
                volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
              },
            ],
            volumes: [{ name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('1Mi') } }],
          },
        },
      },
    });

    if (props.defaultDeny) {
      // The kit runs in every cluster, so both halves of its intent belong in each.
      this.policies = new PolicyHalves(this, 'Allow', { intent: kitIntent(namespace), egress: true, ingress: true, clusterName, meshClusters: props.meshClusters });
    }
  }
}

/** The kit's own traffic: its client in any cluster may reach its echo server in any cluster. */
export function kitIntent(namespace: string): PolicyIntent {
  return {
    source: { file: 'clusters/mesh.yaml' },
    name: 'mesh-check',
    description: 'the verification kit: its check Job in any cluster may reach its echo server in any cluster',
    from: { namespace, labels: { ...CLIENT_LABELS } },
    to: { namespace, labels: { ...ECHO_LABELS } },
    ports: [{ port: ECHO_PORT, protocol: 'TCP' }],
  };
}

/**
 * Calls the Service CALLS times per round and records which clusters answered
 * (each echo server answers with its cluster's name); passes as soon as every
 * cluster in EXPECT has answered, fails after ROUNDS rounds naming the silent ones.
 */
const CHECK_SCRIPT = `set -u
: > /tmp/seen
round=1
while :; do
  : > /tmp/answers
  i=0
  while [ "$i" -lt "$CALLS" ]; do
    i=$((i + 1))
    answer=$(curl -fsS --max-time 2 "$URL" 2>/dev/null) || answer="(no answer)"
    echo "$answer" >> /tmp/answers
  done
  grep -v '^(no answer)$' /tmp/answers >> /tmp/seen || true
  echo "round $round of $ROUNDS: $CALLS calls from $CLUSTER to $URL, answers by cluster:"
  sort /tmp/answers | uniq -c | sed 's/^/  /'
  missing=""
  for cluster in $EXPECT; do
    grep -qx "$cluster" /tmp/seen || missing="$missing $cluster"
  done
  if [ -z "$missing" ]; then
    echo "PASS: every cluster answered ($EXPECT)"
    exit 0
  fi
  if [ "$round" -ge "$ROUNDS" ]; then
    echo "FAIL: no answer from:$missing; traffic does not reach those clusters"
    exit 1
  fi
  round=$((round + 1))
  sleep "$PAUSE"
done
`;

function podSecurity(uid: number): k8s.PodSecurityContext {
  return { runAsNonRoot: true, runAsUser: uid, runAsGroup: uid, seccompProfile: { type: 'RuntimeDefault' } };
}

function containerSecurity(): k8s.SecurityContext {
  return { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } };
}

function smallResources(): k8s.ResourceRequirements {
  return {
    requests: { cpu: k8s.Quantity.fromString('10m'), memory: k8s.Quantity.fromString('16Mi') },
    limits: { memory: k8s.Quantity.fromString('64Mi') },
  };
}

/** dist/<cluster>/VERIFY.md: how to read the kit's result and check the mesh with Cilium's own tools. */
export function verifyGuide(mesh: Mesh, clusterName: string): string {
  const kit = mesh.verificationKit;
  if (!kit) throw new Error('the verification kit is not enabled');
  const ns = kit.namespace;
  const cns = mesh.cilium.namespace;
  const peers = mesh.clusters.map((c) => c.name).filter((n) => n !== clusterName);
  return [
    `# Verify the mesh from ${clusterName}`,
    '',
    'Generated from the inventory; do not edit. `verification-kit.yaml` runs, in namespace',
    `\`${ns}\`, an echo server that answers with its cluster's name (here: \`${clusterName}\`) behind the`,
    `global Service \`${KIT_SERVICE}\`, which exists in every cluster of the mesh, and the Job \`${KIT_JOB}\`, which`,
    `calls the Service ${kit.calls} times per round (up to ${KIT_ROUNDS} rounds, ${KIT_PAUSE_SECONDS} s apart) and passes once every cluster`,
    'of the mesh has answered. Run the commands with the kubeconfig of this cluster.',
    '',
    '## Read the result',
    '',
    '```sh',
    `kubectl -n ${ns} wait --for=condition=complete job/${KIT_JOB} --timeout=30m`,
    `kubectl -n ${ns} logs job/${KIT_JOB}`,
    '```',
    '',
    `The log lists how many calls each cluster answered in each round and ends with \`PASS: every cluster`,
    `answered\` once this cluster and its peers (${peers.join(', ') || 'none yet'}) have. \`FAIL: no answer from: <clusters>\``,
    `(the Job is then failed: \`kubectl -n ${ns} wait --for=condition=failed job/${KIT_JOB}\`) names the clusters`,
    'traffic did not reach: check those peers below. The Job runs in its own stage, which nothing waits on.',
    '',
    'Run the check again (after adding a cluster, or after a fix): delete the Job, and Flux or Argo CD',
    'creates it anew at the next sync.',
    '',
    '```sh',
    `kubectl -n ${ns} delete job ${KIT_JOB}`,
    '```',
    '',
    '## What the runbook checked by hand',
    '',
    '```sh',
    '# Every remote cluster connected and ready (Cilium CLI)',
    'cilium clustermesh status --wait',
    '',
    '# The agent sees the nodes of every cluster, named <cluster>/<node>',
    `kubectl -n ${cns} exec ds/cilium -c cilium-agent -- cilium-dbg node list`,
    '',
    `# The global Service has backends from every cluster (look for port 80 of ${KIT_SERVICE}.${ns})`,
    `kubectl -n ${ns} get svc ${KIT_SERVICE} -o jsonpath='{.spec.clusterIP}{"\\n"}'`,
    `kubectl -n ${cns} exec ds/cilium -c cilium-agent -- cilium-dbg service list`,
    '',
    '# The echo pods of this cluster',
    `kubectl -n ${ns} get pods -o wide`,
    '```',
    '',
  ].join('\n');
}
