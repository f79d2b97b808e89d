/**
 * `helm template` of k3s HelmCharts, the way the k3s helm-controller installs them: the release
 * named after the HelmChart, its chart and version from the archive, its namespace and valuesContent.
 *
 * Rendering needs a helm binary (MESH_HELM, else `helm` on PATH) and the chart archive offline (a
 * folder given with --chart-dir or MESH_HELM_CHARTS holding `<chart>-<version>.tgz` or
 * `<version>/<chart>-<version>.tgz`, as `helm pull` writes it): no network is used.
 *
 * helm renders one chart on one core and a Cilium chart takes it about half a second, so a change
 * to every cluster's values (two renders each) is rendered ahead, on every core (ChartRenderer.prepare).
 */
import { execFile, spawnSync } from 'child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { availableParallelism, tmpdir } from 'os';
import { join } from 'path';
import { valueAt } from '../cilium/disruptive-settings';
import { ManifestObject, objectsOf } from './output-tree';

export interface ChartTools {
  /** The helm command; undefined when none was found. */
  readonly helm?: string;
  /** Folders holding chart archives. */
  readonly chartDirs: readonly string[];
}

export type Render = { readonly ok: true; readonly objects: ManifestObject[] } | { readonly ok: false; readonly reason: string };

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

/** One `helm template` to run: what it renders (`key`, the same for the same render) and how. */
interface Request {
  readonly key: string;
  readonly label: string;
  readonly helm: string;
  readonly archive: string;
  readonly release: string;
  readonly namespace: string;
  readonly values: string;
}

/** The render a HelmChart asks for, or why it cannot be rendered here. */
function requestFor(helmChart: ManifestObject, tools: ChartTools): Request | { readonly ok: false; readonly reason: string } {
  const chart = String(valueAt(helmChart.body, ['spec', 'chart']) ?? '');
  const version = String(valueAt(helmChart.body, ['spec', 'version']) ?? '');
  if (!tools.helm) return { ok: false, reason: 'helm is not available (put it on PATH or set MESH_HELM)' };
  const archive = chartArchive(tools, chart, version);
  if (!archive) {
    const looked = tools.chartDirs.length === 0 ? 'no chart folder was given' : `not in ${tools.chartDirs.join(', ')}`;
    return { ok: false, reason: `the chart archive ${chart}-${version}.tgz is not available (${looked}; give --chart-dir or MESH_HELM_CHARTS, e.g. a folder filled by 'helm pull ${chart} --repo ${String(valueAt(helmChart.body, ['spec', 'repo']) ?? '<repo>')} --version ${version}')` };
  }
  const namespace = String(valueAt(helmChart.body, ['spec', 'targetNamespace']) ?? helmChart.namespace ?? 'default');
  const values = String(valueAt(helmChart.body, ['spec', 'valuesContent']) ?? '');
  // The release is named after the HelmChart, as the k3s helm-controller names it.
  const release = helmChart.name;
  return { key: JSON.stringify([archive, release, namespace, values]), label: `${chart}-${version}`, helm: tools.helm, archive, release, namespace, values };
}

/** A temporary folder of the render's own with its values file: helm's arguments and environment. */
function scratch(request: Request): { readonly dir: string; readonly args: string[]; readonly env: NodeJS.ProcessEnv } {
  const dir = mkdtempSync(join(tmpdir(), 'mesh-impact-'));
  try {
    const values = join(dir, 'values.yaml');
    writeFileSync(values, request.values);
    // helm's own temporary files go to this folder too, so nothing it leaves outlives the render.
    return { dir, args: ['template', request.release, request.archive, '--namespace', request.namespace, '-f', values], env: { ...process.env, TMPDIR: dir } };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

const MAX_OUTPUT = 256 * 1024 * 1024;

function outcome(request: Request, failed: boolean, stdout: string, stderr: string): Render {
  if (failed) return { ok: false, reason: `helm template of ${request.label} failed: ${stderr.trim().split('\n')[0]}` };
  return { ok: true, objects: objectsOf(request.label, stdout) };
}

function renderNow(request: Request): Render {
  const { dir, args, env } = scratch(request);
  try {
    const run = spawnSync(request.helm, args, { encoding: 'utf8', maxBuffer: MAX_OUTPUT, env });
    return outcome(request, run.status !== 0, run.stdout ?? '', run.stderr || run.error?.message || '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function renderLater(request: Request): Promise<Render> {
  const { dir, args, env } = scratch(request);
  try {
    const run = await new Promise<{ error: Error | null; stdout: string; stderr: string }>((resolve) =>
      execFile(request.helm, args, { encoding: 'utf8', maxBuffer: MAX_OUTPUT, env }, (error, stdout, stderr) => resolve({ error, stdout, stderr })),
    );
    return outcome(request, run.error !== null, run.stdout, run.stderr || run.error?.message || '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * helm processes at once by default: one per core, but no more than this, so that a machine of many
 * cores does not start dozens, each holding the chart and its output in memory.
 */
const MAX_CONCURRENT_RENDERS = 8;

/**
 * Renders HelmCharts, each distinct render once: those given to `prepare` ahead, several at once;
 * any other when it is asked for.
 */
export class ChartRenderer {
  private readonly renders = new Map<string, Render>();

  constructor(private readonly tools: ChartTools) {}

  /** Renders the HelmCharts given, `concurrency` at a time (default: one per core, at most MAX_CONCURRENT_RENDERS). */
  async prepare(helmCharts: readonly ManifestObject[], concurrency = Math.min(availableParallelism(), MAX_CONCURRENT_RENDERS)): Promise<void> {
    const queue = new Map<string, Request>();
    for (const helmChart of helmCharts) {
      const request = requestFor(helmChart, this.tools);
      if ('key' in request && !this.renders.has(request.key)) queue.set(request.key, request);
    }
    const pending = [...queue.values()];
    const worker = async () => {
      for (let request = pending.shift(); request !== undefined; request = pending.shift()) this.renders.set(request.key, await renderLater(request));
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, pending.length)) }, worker));
  }

  /** The objects a HelmChart renders, or why it cannot be rendered. */
  render(helmChart: ManifestObject): Render {
    const request = requestFor(helmChart, this.tools);
    if (!('key' in request)) return request;
    let render = this.renders.get(request.key);
    if (!render) this.renders.set(request.key, (render = renderNow(request)));
    return render;
  }
}
