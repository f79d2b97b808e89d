/**
 * Renders the packaged Cilium chart (../shared/cilium/<version>/cilium-<version>.tgz)
 * with `helm template`: a real helm on PATH when there is one, else the offline
 * stand-in ../shared/tools/helm (the same command line). Values files are passed
 * in the order given, as the k3s helm-controller passes valuesContent and then
 * each valuesSecrets key.
 */
import { execFile, execFileSync } from 'child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { promisify } from 'util';
import { objectsIn } from '../conformance/rendered';
import { SHARED_DIR } from './paths';
import { KubeObject } from './schema-validator';

const run = promisify(execFile);

/** The Kubernetes version the chart is rendered for, the same as the strict schemas'. */
export const KUBE_VERSION = 'v1.32.2';
export const STAND_IN_HELM = join('tools', 'helm');

export function chartArchive(version: string): string {
  return join('cilium', version, `cilium-${version}.tgz`);
}

let helmCommand: string | undefined;

/** `helm` on PATH when it answers `helm version`, else the stand-in in ../shared. */
export function helmBinary(): string {
  if (helmCommand === undefined) {
    try {
      execFileSync('helm', ['version'], { stdio: 'ignore' });
      helmCommand = 'helm';
    } catch {
      helmCommand = join(SHARED_DIR, STAND_IN_HELM);
    }
  }
  return helmCommand;
}

export class ChartRenderError extends Error {}

/**
 * `helm template cilium <chart> --namespace <ns> -f <values>...`; the objects it
 * renders. A `fail` or `required` in the chart rejects with helm's message.
 */
export async function renderCiliumChart(version: string, namespace: string, valuesTexts: readonly string[]): Promise<KubeObject[]> {
  const dir = mkdtempSync(join(tmpdir(), 'cilium-chart-'));
  try {
    const args = ['template', 'cilium', join(SHARED_DIR, chartArchive(version)), '--namespace', namespace, '--kube-version', KUBE_VERSION];
    valuesTexts.forEach((text, i) => {
      const file = join(dir, `values-${i}.yaml`);
      writeFileSync(file, text);
      args.push('-f', file);
    });
    let stdout: string;
    try {
      ({ stdout } = await run(helmBinary(), args, { maxBuffer: 64 * 1024 * 1024 }));
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new ChartRenderError(`helm template of Cilium ${version} failed: ${(e.stderr || e.message).trim()}`);
    }
    return objectsIn(stdout, `helm template cilium ${version}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
