/**
 * `npm run mesh -- remove-cluster NAME`: deletes clusters/NAME.yaml, but only
 * when no global service, policy, default deny or raw policy names the cluster;
 * otherwise lists every reference (file, line, field) and changes nothing.
 */
import { readdirSync, unlinkSync } from 'fs';
import { join, relative, resolve } from 'path';
import { fsCall } from '../../fs/file-system-error';
import { loadProject } from '../../inventory/load-project';
import { ANY_CLUSTER, clusterLabelReferences } from '../../inventory/read-policies';
import { FieldPath, SourceFile } from '../../inventory/source-file';
import { MeshCommand, UsageError } from '../command';
import { formatFieldPath, formatProblem, Problem, reportProblems } from '../../report/problems';

export interface ClusterReference {
  /** Inventory file, relative to the project root. */
  readonly file: string;
  readonly line?: number;
  /** Field path, e.g. services[0].backend.clusters[0]. */
  readonly field: string;
}

/** Every place in the GlobalServices and Policies files that names `cluster` ('all' and '*' do not). */
export function clusterReferences(dir: string, displayRoot: string, cluster: string): ClusterReference[] {
  const found: ClusterReference[] = [];
  for (const name of readdirSync(dir).filter((n) => /\.ya?ml$/.test(n)).sort()) {
    const { file } = SourceFile.read(join(dir, name), relative(displayRoot, join(dir, name)));
    const data = file?.data as Record<string, unknown> | undefined;
    if (!file || !data || typeof data !== 'object') continue;
    const add = (path: FieldPath) => found.push({ file: file.path, line: file.lineOf(path), field: formatFieldPath(path) });
    const list = (value: unknown, path: FieldPath) => {
      if (Array.isArray(value)) value.forEach((v, i) => v === cluster && add([...path, i]));
    };
    const items = (key: string): Record<string, any>[] => (Array.isArray(data[key]) ? (data[key] as Record<string, any>[]) : []);
    if (data.kind === 'GlobalServices') {
      items('services').forEach((svc, i) => {
        list(svc?.clusters, ['services', i, 'clusters']);
        list(svc?.backend?.clusters, ['services', i, 'backend', 'clusters']);
      });
    }
    if (data.kind === 'Policies') {
      items('policies').forEach((policy, i) => {
        for (const side of ['from', 'to'] as const) {
          const named = policy?.[side]?.cluster;
          if (named === cluster && named !== ANY_CLUSTER) add(['policies', i, side, 'cluster']);
        }
      });
      items('defaultDeny').forEach((deny, i) => list(deny?.clusters, ['defaultDeny', i, 'clusters']));
      items('rawPolicies').forEach((raw, i) => {
        list(raw?.clusters, ['rawPolicies', i, 'clusters']);
        for (const ref of clusterLabelReferences(raw?.policy, ['rawPolicies', i, 'policy'])) if (ref.cluster === cluster) add(ref.path);
      });
    }
  }
  return found;
}


function referenceProblem(ref: ClusterReference, cluster: string): Problem {
  return {
    severity: 'error',
    file: ref.file,
    field: ref.field,
    line: ref.line,
    message: `names cluster ${cluster}, which remove-cluster would delete`,
    fix: `remove ${cluster} here (or name all clusters with 'all' / '*'), then run remove-cluster again`,
  };
}

export const removeClusterCommand: MeshCommand = {
  words: ['remove-cluster'],
  summary: 'delete clusters/NAME.yaml when no service or policy names the cluster (else list where it is named)',
  positionals: ['NAME'],
  writesProject: () => true,
  run(line, { root, env, stdout, stderr }) {
    const [name] = line.positionals;
    const dir = resolve(root, env.MESH_INVENTORY ?? 'clusters');
    const before = loadProject(dir, { displayRoot: root });
    if (!before.mesh) {
      reportProblems(before.problems, stderr);
      stderr.write("remove-cluster changes only a valid inventory: fix the errors above ('npm run mesh -- validate' checks), then run it again.\n");
      return 1;
    }
    const cluster = before.mesh.clusters.find((c) => c.name === name);
    if (!cluster) throw new UsageError(`the mesh has no cluster ${name}`, `name one of its clusters: ${before.mesh.clusters.map((c) => c.name).join(', ')}`);
    if (before.mesh.clusters.length === 1) {
      throw new UsageError(`${name} is the only cluster of the mesh, and an inventory needs at least one`, "add the cluster that replaces it first ('npm run mesh -- add-cluster'), then remove this one");
    }

    const references = clusterReferences(dir, root, name);
    if (references.length > 0) {
      // One problem per reference, in synth's format, so each says where and what to do.
      for (const ref of references) stderr.write(`${formatProblem(referenceProblem(ref, name))}\n`);
      stderr.write(`\n${name} is still named in ${references.length} place${references.length === 1 ? '' : 's'}; nothing was removed.\n`);
      return 1;
    }

    const path = resolve(root, cluster.source.file);
    fsCall('remove', path, () => unlinkSync(path));
    const after = loadProject(dir, { displayRoot: root });
    reportProblems(after.problems, stderr);
    stdout.write(
      [
        `removed ${relative(root, path)} (cluster id ${cluster.id}, podCidr ${cluster.podCidr.text})`,
        '',
        'Next:',
        `  1. npm run synth        # dist/${name}/ goes away and every other cluster drops ${name} from its peers`,
        '  2. git diff dist/       # review, then commit clusters/ and dist/ together',
        `  3. stop syncing dist/${name} in that cluster (Flux Kustomization or Argo CD Application) and retire it`,
        '',
      ].join('\n'),
    );
    return after.mesh ? 0 : 1;
  },
};
