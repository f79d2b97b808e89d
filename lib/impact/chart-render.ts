/**
 * What a change of a k3s HelmChart does to the pods it runs, found by rendering
 * the chart before and after with `helm template` (helm-template.ts) and comparing
 * the pod templates of its workloads and the ConfigMaps they read. The k3s
 * helm-controller runs `helm upgrade` with the same chart, version and values
 * when the HelmChart changes, so the rendered difference is what reaches the cluster.
 * Without helm or the chart archive the change is reported as "may roll pods" with
 * the reason, never guessed.
 *
 * Only valuesContent is rendered: the values from valuesSecrets (the mesh CA) are
 * encrypted in git. Without the CA the chart generates one per render, so Secrets
 * differ on every render and are not compared; no pod template of the Cilium
 * chart depends on them (rendering the same values twice gives the same templates).
 */
import { valueAt } from '../cilium/disruptive-settings';
import { ChartRenderer } from './helm-template';
import { ManifestObject } from './output-tree';

/** Kinds whose pods are replaced when their pod template changes. */
export const WORKLOAD_KINDS = new Set(['Deployment', 'DaemonSet', 'StatefulSet']);

export interface ChartDifference {
  /** Workloads whose pod template changed, e.g. DaemonSet/cilium. */
  readonly rolled: readonly string[];
  readonly addedWorkloads: readonly string[];
  readonly removedWorkloads: readonly string[];
  /** ConfigMaps whose data changed while the workloads reading them keep their pod template. */
  readonly configReadAtStart: readonly { readonly configMap: string; readonly keys: readonly string[]; readonly readBy: readonly string[] }[];
  /** Other objects that change (RBAC, Services, ...), applied by helm without restarts. */
  readonly otherChanges: readonly string[];
}

export type ChartComparison = { readonly ok: true; readonly difference: ChartDifference } | { readonly ok: false; readonly reason: string };

/** What of a HelmChart helm renders from: when none of it changes, helm upgrade renders the same. */
const RENDER_INPUTS = ['valuesContent', 'version', 'chart', 'repo'];

/** Whether two revisions of a HelmChart render differently, as far as their specs tell. */
export function rendersDiffer(was: ManifestObject, now: ManifestObject): boolean {
  return RENDER_INPUTS.some((k) => canonical(valueAt(was.body, ['spec', k])) !== canonical(valueAt(now.body, ['spec', k])));
}

/** JSON with sorted keys, so that equal objects compare equal whatever their key order. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The ConfigMaps a pod template reads: volumes (plain and projected), envFrom and env references. */
export function configMapsReadBy(template: unknown): Set<string> {
  const names = new Set<string>();
  const spec = valueAt(template, ['spec']) as Record<string, unknown> | undefined;
  for (const volume of (spec?.volumes as unknown[] | undefined) ?? []) {
    const direct = valueAt(volume, ['configMap', 'name']);
    if (typeof direct === 'string') names.add(direct);
    for (const source of (valueAt(volume, ['projected', 'sources']) as unknown[] | undefined) ?? []) {
      const projected = valueAt(source, ['configMap', 'name']);
      if (typeof projected === 'string') names.add(projected);
    }
  }
  const containers = [...((spec?.initContainers as unknown[] | undefined) ?? []), ...((spec?.containers as unknown[] | undefined) ?? [])];
  for (const container of containers) {
    for (const from of (valueAt(container, ['envFrom']) as unknown[] | undefined) ?? []) {
      const name = valueAt(from, ['configMapRef', 'name']);
      if (typeof name === 'string') names.add(name);
    }
    for (const env of (valueAt(container, ['env']) as unknown[] | undefined) ?? []) {
      const name = valueAt(env, ['valueFrom', 'configMapKeyRef', 'name']);
      if (typeof name === 'string') names.add(name);
    }
  }
  return names;
}

const workloadLabel = (o: ManifestObject) => `${o.kind}/${o.name}`;

/** Compares the rendered objects of two revisions of a chart's values. */
export function compareRenders(before: readonly ManifestObject[], after: readonly ManifestObject[]): ChartDifference {
  const old = new Map(before.map((o) => [o.id, o]));
  const now = new Map(after.map((o) => [o.id, o]));
  const rolled: string[] = [];
  const addedWorkloads: string[] = [];
  const removedWorkloads: string[] = [];
  const otherChanges: string[] = [];
  const changedConfig = new Map<string, string[]>();
  for (const [id, o] of now) {
    const was = old.get(id);
    if (WORKLOAD_KINDS.has(o.kind)) {
      if (!was) addedWorkloads.push(workloadLabel(o));
      else if (canonical(valueAt(was.body, ['spec', 'template'])) !== canonical(valueAt(o.body, ['spec', 'template']))) rolled.push(workloadLabel(o));
      else if (canonical(was.body) !== canonical(o.body)) otherChanges.push(id);
      continue;
    }
    if (o.kind === 'Secret') continue;
    if (!was) {
      otherChanges.push(`${id} (added)`);
      continue;
    }
    if (canonical(was.body) === canonical(o.body)) continue;
    if (o.kind === 'ConfigMap') {
      const a = (was.body.data ?? {}) as Record<string, unknown>;
      const b = (o.body.data ?? {}) as Record<string, unknown>;
      const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => canonical(a[k]) !== canonical(b[k])).sort();
      changedConfig.set(o.name, keys);
    } else otherChanges.push(id);
  }
  for (const [id, o] of old) {
    if (now.has(id) || o.kind === 'Secret') continue;
    if (WORKLOAD_KINDS.has(o.kind)) removedWorkloads.push(workloadLabel(o));
    else otherChanges.push(`${id} (removed)`);
  }
  // A changed ConfigMap restarts nothing by itself: a reader whose template did not change
  // (no checksum annotation, e.g. rollOutCiliumPods off) sees it at its next start.
  const configReadAtStart = [...changedConfig].flatMap(([configMap, keys]) => {
    const readBy = after
      .filter((o) => WORKLOAD_KINDS.has(o.kind) && !rolled.includes(workloadLabel(o)) && configMapsReadBy(valueAt(o.body, ['spec', 'template'])).has(configMap))
      .map(workloadLabel);
    if (readBy.length === 0) {
      otherChanges.push(`ConfigMap ${configMap}`);
      return [];
    }
    return [{ configMap, keys, readBy }];
  });
  return { rolled: rolled.sort(), addedWorkloads: addedWorkloads.sort(), removedWorkloads: removedWorkloads.sort(), configReadAtStart, otherChanges: otherChanges.sort() };
}

/** Renders both HelmCharts (each with its own chart version) and compares them. */
export function compareHelmCharts(before: ManifestObject, after: ManifestObject, renderer: ChartRenderer): ChartComparison {
  const a = renderer.render(before);
  if (!a.ok) return a;
  const b = renderer.render(after);
  if (!b.ok) return b;
  return { ok: true, difference: compareRenders(a.objects, b.objects) };
}
