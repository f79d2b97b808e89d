/**
 * Renders the packaged Cilium chart (cilium/<version>/cilium-<version>.tgz of ../shared or of
 * the test-data cache) with `helm template`: a real helm on PATH when there is one, else the
 * offline stand-in ../shared/tools/helm (the same command line). Values files are passed
 * in the order given, as the k3s helm-controller passes valuesContent and then
 * each valuesSecrets key.
 */
import { execFile, execFileSync } from 'child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { promisify } from 'util';
import { objectsIn } from '../conformance/rendered';
import { SHARED_DIR, UPSTREAM_DIR } from './paths';
import { Requirement } from './skips';
import { KubeObject } from './schema-validator';

const run = promisify(execFile);

/** The Kubernetes version the chart is rendered for, the same as the strict schemas'. */
export const KUBE_VERSION = 'v1.32.2';
export const STAND_IN_HELM = join('tools', 'helm');

export function chartArchive(version: string): string {
  return join('cilium', version, `cilium-${version}.tgz`);
}

let helmCommand: string | undefined | null;

/** `helm` on PATH when it answers `helm version`, else the stand-in in ../shared, else undefined. */
export function helmBinary(): string | undefined {
  if (helmCommand === undefined) {
    try {
      execFileSync('helm', ['version'], { stdio: 'ignore' });
      helmCommand = 'helm';
    } catch {
      const standIn = join(SHARED_DIR, STAND_IN_HELM);
      helmCommand = existsSync(standIn) ? standIn : null;
    }
  }
  return helmCommand ?? undefined;
}

/** What rendering needs besides the chart: a helm, unless there is one. */
export function missingHelm(): Requirement[] {
  if (helmBinary()) return [];
  return [{ what: 'helm 3 on PATH (renders the packaged Cilium chart)', fix: 'install helm 3: https://helm.sh/docs/intro/install/' }];
}

export class ChartRenderError extends Error {}

/**
 * A helm command for the product to run (MESH_HELM) that renders a `helm template` call once: its
 * standard output is kept by the command line and the bytes of the files it names (the values files are new
 * temporary files each time), in a folder removed by `cleanup`. A suite that compares every change
 * with the same committed base renders that base once. Other commands, and failed renders, go to
 * helm every time. Undefined when there is no helm.
 */
export function memoisedHelm(): { readonly command: string; cleanup(): void } | undefined {
  const helm = helmBinary();
  if (!helm) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'helm-memo-'));
  const cache = join(dir, 'renders');
  mkdirSync(cache);
  mkdirSync(join(dir, 'tmp'));
  const quoted = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;
  const command = join(dir, 'helm');
  writeFileSync(
    command,
    [
      '#!/bin/sh',
      'set -eu',
      `helm=${quoted(helm)}`,
      // helm's temporary files go below the cache folder, which cleanup removes whatever helm leaves there.
      `export TMPDIR=${quoted(join(dir, 'tmp'))}`,
      `[ "\${1:-}" = template ] || exec "$helm" "$@"`,
      // Without sha256sum (coreutils), every call goes to helm.
      'command -v sha256sum >/dev/null || exec "$helm" "$@"',
      'key=$(for arg in "$@"; do if [ -f "$arg" ]; then sha256sum < "$arg"; else printf \'%s\\n\' "$arg"; fi; done | sha256sum | cut -d" " -f1)',
      `entry=${quoted(cache)}/$key.yaml`,
      'if [ ! -f "$entry" ]; then',
      '  "$helm" "$@" > "$entry.$$" || { status=$?; rm -f "$entry.$$"; exit $status; }',
      '  mv "$entry.$$" "$entry"',
      'fi',
      'exec cat "$entry"',
      '',
    ].join('\n'),
  );
  chmodSync(command, 0o755);
  return { command, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** helm's output by its inputs: the same chart, namespace and values render the same objects (within one test process). */
const rendered = new Map<string, Promise<string>>();

/**
 * `helm template cilium <chart> --namespace <ns> -f <values>...`; the objects it
 * renders. A `fail` or `required` in the chart rejects with helm's message.
 * Each caller gets its own array of the objects, which are frozen (objectsIn).
 */
export async function renderCiliumChart(version: string, namespace: string, valuesTexts: readonly string[]): Promise<KubeObject[]> {
  return objectsIn(await renderCiliumChartText(version, namespace, valuesTexts), `helm template cilium ${version}`);
}

/** What `helm template` prints for renderCiliumChart. */
export function renderCiliumChartText(version: string, namespace: string, valuesTexts: readonly string[]): Promise<string> {
  const key = JSON.stringify([version, namespace, valuesTexts]);
  let stdout = rendered.get(key);
  if (!stdout) rendered.set(key, (stdout = helmTemplate(version, namespace, valuesTexts)));
  return stdout;
}

async function helmTemplate(version: string, namespace: string, valuesTexts: readonly string[]): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'cilium-chart-'));
  try {
    const helm = helmBinary();
    if (!helm) throw new ChartRenderError(missingHelm()[0].what + ' is missing');
    const args = ['template', 'cilium', join(UPSTREAM_DIR, chartArchive(version)), '--namespace', namespace, '--kube-version', KUBE_VERSION];
    valuesTexts.forEach((text, i) => {
      const file = join(dir, `values-${i}.yaml`);
      writeFileSync(file, text);
      args.push('-f', file);
    });
    try {
      // helm's own temporary files go to this folder too, removed below whatever helm leaves there.
      return (await run(helm, args, { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, TMPDIR: dir } })).stdout;
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new ChartRenderError(`helm template of Cilium ${version} failed: ${(e.stderr || e.message).trim()}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
