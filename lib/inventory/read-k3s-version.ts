/**
 * `k3s.version` of a Mesh or Cluster file: a release the hand-over can install
 * and whose helm-controller hands the mesh CA to the Cilium chart.
 */
import { k3sVersionProblem } from '../model/k3s-versions';
import { Problem } from '../report/problems';
import { SourceFile } from './source-file';

export function readK3sVersion(file: SourceFile, version: string | undefined, problems: Problem[]): string | undefined {
  if (version === undefined) return undefined;
  const why = k3sVersionProblem(version);
  if (why !== undefined) {
    problems.push(file.problem(['k3s', 'version'], `'${version}' ${why}`, 'pin a k3s release that reads valuesSecrets, e.g. v1.34.2+k3s1 (k3s --version prints the installed one)'));
  }
  return version;
}
