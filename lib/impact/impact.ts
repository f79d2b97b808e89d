/**
 * The rollout impact of the working tree against a base revision: per cluster,
 * every object added, changed or removed in what GitOps applies, and what each
 * change does to the running cluster (lib/impact/effects.ts). The base is the
 * revision's committed dist/ (what the clusters run); the other side is what
 * the working tree's inventory renders now, not the working tree's dist/,
 * which may be stale: a pull request is judged by what merging and
 * synthesising it will deliver.
 */
import { changedSettings, CLUSTER_RENAME, describeSetting, helmChartValues, valueAt } from '../cilium/disruptive-settings';
import { HelmValues, MESH_CA_VALUES_SECRET } from '../cilium/helm-values';
import { X509Certificate } from 'crypto';
import { CA_FINGERPRINT_ANNOTATION } from '../secrets/mesh-ca/ca-secret';
import { REMOTE_USERS_CONFIGMAP } from '../constructs/clustermesh-remote-users';
import { OUTPUT_FOLDERS } from '../output/files';
import { canonical, compareHelmCharts, rendersDiffer, WORKLOAD_KINDS } from './chart-render';
import { ChartRenderer } from './helm-template';
import { Effect, worstOf } from './effects';
import { ClusterTree, ManifestObject, OutputTree } from './output-tree';

export interface ObjectChange {
  /** The object (`Kind namespace/name`), or a file for files that apply nothing. */
  readonly object: string;
  /** Its file, relative to dist/. */
  readonly file: string;
  readonly change: 'added' | 'changed' | 'removed';
  readonly effect: Effect;
  /** Workloads whose pods roll (or would need a restart). */
  readonly workloads: readonly string[];
  readonly why: string;
}

export type ClusterStatus = 'added' | 'removed' | 'renamed' | 'changed' | 'unchanged';

export interface ClusterImpact {
  readonly cluster: string;
  readonly status: ClusterStatus;
  /** For a renamed cluster: its name in the base revision. */
  readonly renamedFrom?: string;
  readonly effect: Effect;
  /** Why the cluster as a whole has its status (added, removed, renamed). */
  readonly note?: string;
  readonly changes: readonly ObjectChange[];
}

export interface ImpactReport {
  readonly base: { readonly ref: string; readonly commit: string };
  readonly effect: Effect;
  readonly clusters: readonly ClusterImpact[];
  /** dist/README.md and the Argo CD ApplicationSet. */
  readonly meshWide: readonly ObjectChange[];
}

/** Names Cilium reads peers from (lib/constructs/clustermesh-secrets.ts). */
const PEER_SECRETS = new Set(['cilium-clustermesh', 'cilium-kvstoremesh']);
const PRUNE_DISABLED = 'kustomize.toolkit.fluxcd.io/prune';

const ciliumValuesOf = (tree: ClusterTree): HelmValues | undefined => {
  const chart = [...tree.objects.values()].find((o) => o.kind === 'HelmChart');
  return chart ? helmChartValues(chart.body) : undefined;
};

/**
 * Fingerprints of the CAs every cluster of a tree trusts: the certificates of its trust bundle
 * (tls.caBundle.content of each HelmChart), the set all clusters share. A new issuing CA in it
 * was rolled out to every cluster's trust before (rotation phase trust-both).
 */
function trustedByEveryCluster(tree: OutputTree): ReadonlySet<string> {
  let shared: Set<string> | undefined;
  for (const cluster of tree.clusters.values()) {
    const bundle = valueAt(ciliumValuesOf(cluster), ['tls', 'caBundle', 'content']);
    const pems = typeof bundle === 'string' ? (bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? []) : [];
    const here = new Set(pems.flatMap((pem) => {
      try {
        return [new X509Certificate(pem).fingerprint256];
      } catch {
        return [];
      }
    }));
    shared = shared ? new Set([...shared].filter((f) => here.has(f))) : here;
  }
  return shared ?? new Set();
}

const idOf = (values: HelmValues | undefined): number | undefined => {
  const id = valueAt(values, ['cluster', 'id']);
  return typeof id === 'number' ? id : undefined;
};

/** The peers a cluster dials: the keys of its peer Secret cilium-clustermesh. */
function dialedPeers(tree: ClusterTree): string[] {
  const secret = [...tree.objects.values()].find((o) => o.kind === 'Secret' && o.name === 'cilium-clustermesh');
  return Object.keys((secret?.body.data ?? {}) as object);
}

export function computeImpact(base: OutputTree, next: OutputTree, ref: { ref: string; commit: string }, renderer: ChartRenderer): ImpactReport {
  const clusters: ClusterImpact[] = [];
  const removed = [...base.clusters.keys()].filter((c) => !next.clusters.has(c));
  const added = [...next.clusters.keys()].filter((c) => !base.clusters.has(c));
  const renamedFrom = new Map<string, string>();
  const trusted = trustedByEveryCluster(base);
  for (const name of added) {
    const id = idOf(ciliumValuesOf(next.clusters.get(name)!));
    const old = removed.find((r) => id !== undefined && idOf(ciliumValuesOf(base.clusters.get(r)!)) === id && ![...renamedFrom.values()].includes(r));
    if (old) renamedFrom.set(name, old);
  }

  for (const name of [...new Set([...base.clusters.keys(), ...next.clusters.keys()])].sort()) {
    const before = base.clusters.get(name);
    const after = next.clusters.get(name);
    if (before && after) {
      const changes = diffCluster(before, after, renderer, trusted);
      clusters.push({ cluster: name, status: changes.length === 0 ? 'unchanged' : 'changed', effect: worstOf(changes.map((c) => c.effect)), changes });
    } else if (after) {
      const from = renamedFrom.get(name);
      if (from) {
        clusters.push({
          cluster: name,
          status: 'renamed',
          renamedFrom: from,
          effect: 'disruptive',
          note: `renamed from ${from} (the same cluster id): ${CLUSTER_RENAME.breaks}`,
          changes: [],
        });
      } else {
        clusters.push({
          cluster: name,
          status: 'added',
          effect: 'none',
          note: `a new cluster: nothing runs there yet; its first server is installed from dist/${name}/${OUTPUT_FOLDERS.bootstrap}/, then its GitOps engine applies ${after.objects.size} objects`,
          changes: [],
        });
      }
    } else if (before && ![...renamedFrom.values()].includes(name)) {
      const dialers = [...base.clusters].filter(([other, tree]) => other !== name && dialedPeers(tree).includes(name)).map(([other]) => other);
      clusters.push({
        cluster: name,
        status: 'removed',
        effect: dialers.length > 0 ? 'disruptive' : 'none',
        note:
          dialers.length > 0
            ? `removed while ${dialers.join(', ')} dial it at ${ref.ref}: they drop it live, but the cluster itself keeps running with its last configuration (nothing is pruned and its folder is gone), still dialing peers that no longer accept it; its cross-cluster traffic stops. Uninstall or isolate it after this is applied`
            : 'removed; no other cluster dials it',
        changes: [],
      });
    }
  }
  const meshWide = diffCluster(base.meshWide, next.meshWide, renderer, trusted);
  return { base: ref, effect: worstOf([...clusters, ...meshWide].map((c) => c.effect)), clusters, meshWide };
}

/**
 * The HelmCharts computeImpact renders: both revisions of every HelmChart whose render inputs change,
 * in a cluster of both trees or among the mesh-wide files. Rendered ahead, they render on every core.
 */
export function helmChartsToRender(base: OutputTree, next: OutputTree): ManifestObject[] {
  const pairs: [ClusterTree, ClusterTree][] = [...next.clusters].flatMap(([name, after]): [ClusterTree, ClusterTree][] => {
    const before = base.clusters.get(name);
    return before ? [[before, after]] : [];
  });
  pairs.push([base.meshWide, next.meshWide]);
  return pairs.flatMap(([before, after]) =>
    [...after.objects].flatMap(([id, now]) => {
      const was = before.objects.get(id);
      return now.kind === 'HelmChart' && was?.kind === 'HelmChart' && rendersDiffer(was, now) ? [was, now] : [];
    }),
  );
}

function diffCluster(before: ClusterTree, after: ClusterTree, renderer: ChartRenderer, trusted: ReadonlySet<string>): ObjectChange[] {
  const changes: ObjectChange[] = [];
  for (const [id, o] of after.objects) {
    const was = before.objects.get(id);
    if (!was) changes.push({ object: id, file: o.file, change: 'added', effect: 'live', workloads: [], why: `created by the GitOps engine${WORKLOAD_KINDS.has(o.kind) ? '; its pods start' : ''}` });
    // The same object in both trees (an unchanged file, read once) is unchanged without comparing.
    else if (was !== o && canonical(was.body) !== canonical(o.body)) changes.push({ object: id, file: o.file, change: 'changed', ...classifyChange(was, o, renderer, trusted) });
  }
  for (const [id, o] of before.objects) {
    if (after.objects.has(id)) continue;
    const annotations = (valueAt(o.body, ['metadata', 'annotations']) ?? {}) as Record<string, unknown>;
    const kept = annotations[PRUNE_DISABLED] === 'disabled';
    changes.push({
      object: id,
      file: o.file,
      change: 'removed',
      effect: kept ? 'none' : 'live',
      workloads: [],
      why: kept ? 'no longer in git, but pruning is disabled for it: it stays in the cluster until deleted by hand' : 'pruned by the GitOps engine',
    });
  }
  for (const [file, { role, text }] of after.inert) {
    const was = before.inert.get(file);
    if (was?.text === text) continue;
    changes.push({ object: file, file, change: was ? 'changed' : 'added', effect: 'none', workloads: [], why: inertWhy(role) });
  }
  for (const [file, { role }] of before.inert) {
    if (!after.inert.has(file)) changes.push({ object: file, file, change: 'removed', effect: 'none', workloads: [], why: inertWhy(role) });
  }
  return changes.sort((a, b) => a.file.localeCompare(b.file) || a.object.localeCompare(b.object));
}

function inertWhy(role: 'bootstrap' | 'build' | 'docs'): string {
  if (role === 'bootstrap') return 'bootstrap/ is read only when a cluster is first installed';
  if (role === 'build') return 'a build file of the GitOps engine: what it applies is listed object by object';
  return 'documentation';
}

type Classified = Pick<ObjectChange, 'effect' | 'workloads' | 'why'>;

function classifyChange(was: ManifestObject, now: ManifestObject, renderer: ChartRenderer, trusted: ReadonlySet<string>): Classified {
  if (now.name === MESH_CA_VALUES_SECRET && now.kind === 'Secret') return classifyCaSecret(was, now, trusted);
  if (now.name === MESH_CA_VALUES_SECRET && now.kind === 'ExternalSecret') return classifyCaExternalSecret(was, now);
  if (now.kind === 'Secret' && PEER_SECRETS.has(now.name)) {
    const keys = (o: ManifestObject) => Object.keys((o.body.data ?? {}) as object);
    const gained = keys(now).filter((k) => !keys(was).includes(k));
    const lost = keys(was).filter((k) => !keys(now).includes(k));
    const peers = [gained.length ? `peers added: ${gained.join(', ')}` : '', lost.length ? `peers removed: ${lost.join(', ')}` : ''].filter((s) => s).join('; ');
    // Cilium watches the mounted folder and connects or disconnects each peer file (pkg/clustermesh/common/config.go, fsnotify).
    return { effect: 'live', workloads: [], why: `${peers ? `${peers}; ` : ''}Cilium watches the mounted peer files and (dis)connects peers without a restart, once the kubelet has refreshed the volume (about a minute)` };
  }
  if (now.kind === 'ConfigMap' && now.name === REMOTE_USERS_CONFIGMAP) {
    // clustermesh-apiserver watches users.yaml and adds or removes etcd users (clustermesh-apiserver/clustermesh/users_mgmt.go, fswatcher).
    return { effect: 'live', workloads: [], why: 'clustermesh-apiserver watches users.yaml and adds or removes the etcd users of the peers without a restart' };
  }
  if (now.kind === 'HelmChart') return classifyHelmChart(was, now, renderer);
  if (WORKLOAD_KINDS.has(now.kind)) {
    if (canonical(valueAt(was.body, ['spec', 'template'])) !== canonical(valueAt(now.body, ['spec', 'template']))) {
      return { effect: 'rolls', workloads: [`${now.kind}/${now.name}`], why: 'its pod template changes (e.g. host aliases, image, resources)' };
    }
    return { effect: 'live', workloads: [], why: 'its pod template is unchanged (replicas, strategy or metadata only)' };
  }
  if (now.kind === 'Job' && canonical(valueAt(was.body, ['spec', 'template'])) !== canonical(valueAt(now.body, ['spec', 'template']))) {
    // A Job's pod template is immutable (the API server refuses the change); the verification kit's Job asks both engines to replace it.
    const forced = valueAt(now.body, ['metadata', 'annotations', 'kustomize.toolkit.fluxcd.io/force']) === 'Enabled';
    return { effect: 'live', workloads: [], why: forced ? 'its pod template is immutable, so the GitOps engine replaces the Job and it runs again' : 'its pod template is immutable: the apply fails until the Job is deleted' };
  }
  return { effect: 'live', workloads: [], why: 'applied by the GitOps engine; nothing restarts' };
}

function classifyCaSecret(was: ManifestObject, now: ManifestObject, trusted: ReadonlySet<string>): Classified {
  const fingerprint = (o: ManifestObject) => valueAt(o.body, ['metadata', 'annotations', CA_FINGERPRINT_ANNOTATION]);
  const [a, b] = [fingerprint(was), fingerprint(now)];
  if (a !== undefined && a === b) return { effect: 'none', workloads: [], why: 'the same CA (fingerprint unchanged), encrypted anew: it decrypts to the same values' };
  if (typeof b === 'string' && trusted.has(b.toUpperCase())) {
    return {
      effect: 'rolls',
      workloads: ['Deployment/clustermesh-apiserver'],
      why: `the issuing CA changes to one every cluster already trusts (sha256 ${b.slice(0, 11)}…, in the trust bundle of the base revision: rotation phase issue-new): the certificates are re-issued from it and clustermesh-apiserver restarts, while the peers accept both CAs`,
    };
  }
  return {
    effect: 'disruptive',
    workloads: [],
    why: `the mesh CA changes${a && b ? ` (sha256 ${String(a).slice(0, 11)}… to ${String(b).slice(0, 11)}…)` : ''}: each cluster re-issues its certificates when it applies it, and until every cluster has, clusters on the new CA and on the old one reject each other (cross-cluster discovery pauses); rotate it in one commit for all clusters and let them sync promptly`,
  };
}

/**
 * With External Secrets the CA lives in a store, so a rotation there is not in git at all; what git
 * shows is where it is read from. Another store or key may hold another CA: counted as a CA change.
 */
function classifyCaExternalSecret(was: ManifestObject, now: ManifestObject): Classified {
  const source = (o: ManifestObject) => canonical({ ...(o.body.spec as Record<string, unknown>), refreshInterval: undefined });
  if (source(was) === source(now)) return { effect: 'live', workloads: [], why: 'only how often the CA is read from the store changes' };
  return {
    effect: 'disruptive',
    workloads: [],
    why: 'the mesh CA is read from another store or key: if that holds another CA, clusters on the new CA and on the old one reject each other until every cluster has applied it',
  };
}

function classifyHelmChart(was: ManifestObject, now: ManifestObject, renderer: ChartRenderer): Classified {
  const reasons: string[] = [];
  let effect: Effect = 'live';
  const workloads: string[] = [];
  const settings = changedSettings(helmChartValues(was.body), helmChartValues(now.body));
  for (const s of settings) reasons.push(`${s.what} ${describeSetting(helmChartValues(was.body), s)} → ${describeSetting(helmChartValues(now.body), s)}: ${s.breaks}`);
  if (settings.length > 0) effect = 'disruptive';
  if (!rendersDiffer(was, now)) {
    reasons.push('the helm-controller runs helm upgrade again; the chart and its values are unchanged');
    return { effect, workloads, why: reasons.join('; ') };
  }
  const comparison = compareHelmCharts(was, now, renderer);
  if (!comparison.ok) {
    reasons.push(`may roll pods: ${comparison.reason}`);
    return { effect: worstOf([effect, 'may-roll']), workloads, why: reasons.join('; ') };
  }
  const d = comparison.difference;
  if (d.rolled.length > 0) {
    workloads.push(...d.rolled);
    effect = worstOf([effect, 'rolls']);
    reasons.push(`helm upgrade changes the pod template of ${d.rolled.join(', ')}`);
  }
  if (d.addedWorkloads.length > 0) reasons.push(`new: ${d.addedWorkloads.join(', ')}`);
  if (d.removedWorkloads.length > 0) reasons.push(`removed: ${d.removedWorkloads.join(', ')}`);
  for (const c of d.configReadAtStart) {
    effect = worstOf([effect, 'restart']);
    workloads.push(...c.readBy.filter((w) => !workloads.includes(w)));
    reasons.push(`ConfigMap ${c.configMap} changes (${c.keys.join(', ')}); ${c.readBy.join(', ')} read it at start and are not rolled for it, so it applies at their next restart`);
  }
  if (d.otherChanges.length > 0) reasons.push(`also applied live: ${d.otherChanges.join(', ')}`);
  if (reasons.length === 0) reasons.push('the rendered chart is the same (apart from generated certificates)');
  return { effect, workloads, why: reasons.join('; ') };
}
