/**
 * The names the inventory passes into rendered objects, checked with the
 * rules of whoever reads them (the API server, git, Cilium) as a file is read:
 * one problem per value, at its line, with the rule it breaks and the fix. The
 * schemas' patterns say the same in fewer words, for editors; where a rule
 * here speaks about a value, the schema's error about it is left out.
 */
import {
  dns1035LabelProblem,
  dns1123LabelProblem,
  dns1123SubdomainProblem,
  gitBranchProblem,
  hostProblem,
  labelValueProblem,
  qualifiedNameProblem,
  repositoryUrlProblem,
  sshUrlOf,
} from '../model/kubernetes-names';
import { Problem } from '../report/problems';
import type { InventoryKind } from './kinds';
import { FieldPath, SourceFile } from './source-file';

interface NameRule {
  /** Field path; '*' matches every list item or mapping entry. */
  readonly path: readonly (string | '*')[];
  /** Check the keys of the mapping at `path` instead of a value. */
  readonly keys?: boolean;
  readonly check: (value: string) => string | undefined;
  /** What the value becomes, so the message says why the rule applies. */
  readonly becomes: string;
  readonly fix: string;
  /** A fix that depends on the value (the corrected value itself), where one can be computed. */
  readonly fixFor?: (value: string) => string | undefined;
}

const NAMESPACE = { check: dns1123LabelProblem, becomes: 'a namespace', fix: "use lower-case letters, digits and '-', at most 63" };
const LABEL_KEY = { keys: true, check: qualifiedNameProblem, becomes: 'a label key', fix: "write [prefix/]name: a name of letters, digits, '-', '_' or '.', at most 63, without spaces" };
const LABEL_VALUE = { check: labelValueProblem, becomes: 'a label value', fix: "use letters, digits, '-', '_' and '.', at most 63, without spaces" };

const RULES: Readonly<Record<InventoryKind, readonly NameRule[]>> = {
  Mesh: [
    { path: ['name'], check: dns1123LabelProblem, becomes: 'part of the Argo CD ApplicationSet name', fix: "use lower-case letters, digits and '-'" },
    { path: ['cilium', 'namespace'], ...NAMESPACE },
    { path: ['namespaces', '*'], ...NAMESPACE },
    { path: ['verificationKit', 'namespace'], ...NAMESPACE },
    { path: ['delivery', 'argocd', 'namespace'], ...NAMESPACE },
    { path: ['delivery', 'argocd', 'project'], check: dns1123SubdomainProblem, becomes: 'an Argo CD AppProject name', fix: "use lower-case letters, digits, '-' and '.'" },
    {
      path: ['delivery', 'repository', 'url'],
      check: repositoryUrlProblem,
      becomes: "the repository Flux's GitRepository and Argo CD's Applications clone",
      fix: 'write an https:// or ssh:// URL of this repository as the clusters reach it',
      fixFor: (url) => {
        const ssh = sshUrlOf(url);
        return ssh && `write it as ${ssh} (the same repository over ssh; a path relative to the home folder of a plain ssh server is /~/<path>)`;
      },
    },
    { path: ['delivery', 'repository', 'branch'], check: gitBranchProblem, becomes: 'the git branch Flux and Argo CD check out', fix: 'write the branch as git shows it (git branch --show-current)' },
  ],
  Cluster: [
    { path: ['nodes', '*', 'name'], check: dns1123SubdomainProblem, becomes: 'a Kubernetes node name', fix: "write the node's hostname in lower case (kubectl get nodes)" },
    { path: ['apiServer', 'host'], check: hostProblem, becomes: "the address Cilium and Argo CD reach the cluster's API at", fix: 'write an IPv4 address (four numbers 0-255) or a DNS name' },
  ],
  GlobalServices: [
    { path: ['services', '*', 'name'], check: dns1035LabelProblem, becomes: 'a Service name', fix: "start with a letter; use lower-case letters, digits and '-', at most 63" },
    { path: ['services', '*', 'namespace'], ...NAMESPACE },
    { path: ['services', '*', 'selector'], ...LABEL_KEY },
    { path: ['services', '*', 'selector', '*'], ...LABEL_VALUE },
    { path: ['services', '*', 'backend', 'name'], check: dns1123LabelProblem, becomes: 'a Deployment name and the label value that selects it', fix: "use lower-case letters, digits and '-', at most 63" },
  ],
  Policies: [
    { path: ['policies', '*', 'name'], check: dns1123LabelProblem, becomes: 'the name of its CiliumNetworkPolicy halves and a label value', fix: "use lower-case letters, digits and '-', at most 63" },
    ...(['from', 'to'] as const).flatMap((side): NameRule[] => [
      { path: ['policies', '*', side, 'namespace'], ...NAMESPACE },
      { path: ['policies', '*', side, 'labels'], ...LABEL_KEY },
      { path: ['policies', '*', side, 'labels', '*'], ...LABEL_VALUE },
    ]),
    { path: ['defaultDeny', '*', 'namespace'], ...NAMESPACE },
  ],
};

export interface NameProblem {
  readonly path: FieldPath;
  readonly problem: Problem;
}

/** Every value of the file that breaks the name rule of its field. */
export function nameRuleProblems(file: SourceFile, kind: InventoryKind): NameProblem[] {
  const found: NameProblem[] = [];
  for (const rule of RULES[kind]) {
    for (const [path, node] of valuesAt(file.data, rule.path, [])) {
      if (rule.keys) {
        if (node === null || typeof node !== 'object' || Array.isArray(node)) continue;
        for (const key of Object.keys(node)) {
          const why = rule.check(key);
          if (why !== undefined) found.push({ path: [...path, key], problem: file.problem([...path, key], `'${key}' ${why}; it becomes ${rule.becomes}`, rule.fix, { atKey: true }) });
        }
      } else if (typeof node === 'string') {
        const why = rule.check(node);
        if (why !== undefined) found.push({ path, problem: file.problem(path, `'${node}' ${why}; it becomes ${rule.becomes}`, rule.fixFor?.(node) ?? rule.fix) });
      }
    }
  }
  return found;
}

function valuesAt(node: unknown, pattern: readonly (string | '*')[], at: (string | number)[]): [FieldPath, unknown][] {
  if (pattern.length === 0) return [[at, node]];
  if (node === null || typeof node !== 'object') return [];
  const [step, ...rest] = pattern;
  if (step !== '*') return valuesAt((node as Record<string, unknown>)[step], rest, [...at, step]);
  const entries: [string | number, unknown][] = Array.isArray(node) ? node.map((v, i) => [i, v]) : Object.entries(node);
  return entries.flatMap(([key, value]) => valuesAt(value, rest, [...at, key]));
}
