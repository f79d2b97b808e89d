/**
 * `kubectl kustomize` for tests (client side only, never a server). Where
 * kubectl is missing the tests are skipped and listed in the run's summary;
 * under CI=true they run and fail.
 */
import { execFileSync } from 'child_process';
import { describeNeeding } from './skips';

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

/** The YAML `kubectl kustomize` builds from a folder. */
export function kustomizeBuild(dir: string, ...flags: string[]): string {
  return execFileSync('kubectl', ['kustomize', ...flags, dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 20000 });
}
