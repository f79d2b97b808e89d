/**
 * `kubectl kustomize` for tests (client side only, never a server). Where
 * kubectl is missing the tests are skipped and listed in the run's summary;
 * under CI=true they run and fail.
 */
import { execFileSync } from 'child_process';
import { readdirSync, readFileSync, statSync } from 'fs';
import { join } from 'path';
import { parse } from 'yaml';
import { describeNeeding } from './skips';
import { CHILD_PROCESS_HANG_MS } from './hang-bound';

function hasKubectl(): boolean {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const KUBECTL = hasKubectl();

export function describeWithKubectl(name: string, fn: () => void): void {
  if (KUBECTL || process.env.CI === 'true') {
    describe(name, fn);
    return;
  }
  describeNeeding(name, [{ what: 'kubectl (its built-in kustomize)', fix: 'install kubectl: https://kubernetes.io/docs/tasks/tools/' }], fn);
}

/** apiVersion/kind/namespace/name, as kustomize identifies a resource. */
export const resourceId = (o: any): string => `${o.apiVersion} ${o.kind} ${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;

/**
 * The YAML `kubectl kustomize` builds from a folder. kubectl is a short-lived Go program here:
 * without its garbage collector it does the same in about two thirds of the CPU time.
 */
export function kustomizeBuild(dir: string, ...flags: string[]): string {
  const key = selfContainedKey(dir, flags);
  let built = key === undefined ? undefined : builds.get(key);
  if (built === undefined) {
    built = execFileSync('kubectl', ['kustomize', ...flags, dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: CHILD_PROCESS_HANG_MS, env: { ...process.env, GOGC: 'off' } });
    if (key !== undefined) builds.set(key, built);
  }
  return built;
}

/** Builds of self-contained folders by their content: the same files build into the same YAML. */
const builds = new Map<string, string>();

/**
 * The folder's files and the flags, when a build can read nothing else: files only, and a
 * kustomization of nothing but resources that name files in it. Undefined otherwise (built afresh).
 */
function selfContainedKey(dir: string, flags: readonly string[]): string | undefined {
  const names = readdirSync(dir).sort();
  if (!names.includes('kustomization.yaml') || names.some((n) => !statSync(join(dir, n)).isFile())) return undefined;
  const kustomization = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8'));
  const keys = Object.keys(kustomization ?? {});
  const resources: unknown = kustomization?.resources;
  if (keys.some((k) => !['apiVersion', 'kind', 'resources'].includes(k)) || !Array.isArray(resources)) return undefined;
  if (resources.some((r) => typeof r !== 'string' || !names.includes(r))) return undefined;
  return JSON.stringify([flags, names.map((n) => [n, readFileSync(join(dir, n), 'utf8')])]);
}
