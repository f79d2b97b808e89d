/**
 * What a change of a k3s HelmChart does to the pods it runs, found by rendering
 * the chart before and after with `helm template` and comparing the pod
 * templates of its workloads and the ConfigMaps they read. The k3s
 * helm-controller runs `helm upgrade` with the same chart, version and values
 * when the HelmChart changes, so the rendered difference is what reaches the cluster.
 *
 * Rendering needs a helm binary (MESH_HELM, else `helm` on PATH) and the chart
 * archive offline (a folder given with --chart-dir or MESH_HELM_CHARTS holding
 * `<chart>-<version>.tgz` or `<version>/<chart>-<version>.tgz`, as `helm pull`
 * writes it): no network is used. Without them the change is reported as
 * "may roll pods" with the reason, never guessed.
 *
 * Only valuesContent is rendered: the values from valuesSecrets (the mesh CA) are
 * encrypted in git. Without the CA the chart generates one per render, so Secrets
 * differ on every render and are not compared; no pod template of the Cilium
 * chart depends on them (rendering the same values twice gives the same templates).
 */
import { spawnSync } from 'child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { valueAt } from '../cilium/disruptive-settings';
import { ManifestObject, objectsOf } from './output-tree';

export interface ChartTools {
  /** The helm command; undefined when none was found. */
  readonly helm?: string;
  /** Folders holding chart archives. */
  readonly chartDirs: readonly string[];
}

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

/** helm from MESH_HELM, else from PATH when it answers `helm version`. */
export function findChartTools(env: NodeJS.ProcessEnv, chartDir?: string): ChartTools {
  const candidates = env.MESH_HELM ? [env.MESH_HELM] : ['helm'];
  const helm = candidates.find((c) => spawnSync(c, ['version'], { stdio: 'ignore' }).status === 0);
  const dirs = [chartDir, ...(env.MESH_HELM_CHARTS ?? '').split(':')].filter((d): d is string => d !== undefined && d !== '');
  return { helm, chartDirs: dirs };
}

function chartArchive(tools: ChartTools, chart: string, version: string): string | undefined {
  for (const dir of tools.chartDirs) {
    for (const candidate of [join(dir, `${chart}-${version}.tgz`), join(dir, version, `${chart}-${version}.tgz`)]) if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

type Render = { ok: true; objects: ManifestObject[] } | { ok: false; reason: string };

function render(helmChart: ManifestObject, tools: ChartTools): Render {
  const chart = String(valueAt(helmChart.body, ['spec', 'chart']) ?? '');
  const version = String(valueAt(helmChart.body, ['spec', 'version']) ?? '');
  if (!tools.helm) return { ok: false, reason: 'helm is not available (put it on PATH or set MESH_HELM)' };
  const archive = chartArchive(tools, chart, version);
  if (!archive) {
    const looked = tools.chartDirs.length === 0 ? 'no chart folder was given' : `not in ${tools.chartDirs.join(', ')}`;
    return { ok: false, reason: `the chart archive ${chart}-${version}.tgz is not available (${looked}; give --chart-dir or MESH_HELM_CHARTS, e.g. a folder filled by 'helm pull ${chart} --repo ${String(valueAt(helmChart.body, ['spec', 'repo']) ?? '<repo>')} --version ${version}')` };
  }
  const namespace = String(valueAt(helmChart.body, ['spec', 'targetNamespace']) ?? helmChart.namespace ?? 'default');
  const dir = mkdtempSync(join(tmpdir(), 'mesh-impact-'));
  try {
    const values = join(dir, 'values.yaml');
    writeFileSync(values, String(valueAt(helmChart.body, ['spec', 'valuesContent']) ?? ''));
    // The release is named after the HelmChart, as the k3s helm-controller names it.
    // helm's own temporary files go to this folder too, so nothing it leaves outlives the render.
    const env = { ...process.env, TMPDIR: dir };
    const run = spawnSync(tools.helm, ['template', helmChart.name, archive, '--namespace', namespace, '-f', values], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, env });
    if (run.status !== 0) return { ok: false, reason: `helm template of ${chart} ${version} failed: ${(run.stderr || run.error?.message || '').trim().split('\n')[0]}` };
    return { ok: true, objects: objectsOf(`${chart}-${version}`, run.stdout) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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
export function compareHelmCharts(before: ManifestObject, after: ManifestObject, tools: ChartTools): ChartComparison {
  const a = render(before, tools);
  if (!a.ok) return a;
  const b = render(after, tools);
  if (!b.ok) return b;
  return { ok: true, difference: compareRenders(a.objects, b.objects) };
}
