import { resolve, relative } from 'path';
import { GitRevisionError, readRevisionFolder } from '../../fs/git-revision';
import { FAIL_ON } from '../../impact/effects';
import { ChartRenderer, findChartTools } from '../../impact/helm-template';
import { computeImpact, helmChartsToRender } from '../../impact/impact';
import { impactMarkdown } from '../../impact/markdown';
import { ParsedFiles, splitOutputTree } from '../../impact/output-tree';
import { loadProject } from '../../inventory/load-project';
import { renderMesh } from '../../mesh-manifests';
import { reportProblems } from '../../report/problems';
import { MeshCommand, UsageError } from '../command';

export const impactCommand: MeshCommand = {
  words: ['impact'],
  summary: "what the inventory's output changes in each running cluster against a base revision's dist/: live, restarts, rolled pods, disruption (Markdown; --json)",
  options: {
    base: { type: 'string', value: 'REF', description: 'the revision whose committed dist/ the clusters run (default HEAD)' },
    json: { type: 'boolean', description: 'print the report as JSON instead of Markdown' },
    'fail-on': { type: 'string', value: 'EFFECT', description: `exit 1 when a change has this effect or a worse one: ${Object.keys(FAIL_ON).join(', ')}` },
    'chart-dir': { type: 'string', value: 'DIR', description: 'folder with the chart archives (cilium-<version>.tgz or <version>/cilium-<version>.tgz) to render HelmChart changes offline (default MESH_HELM_CHARTS)' },
  },
  async run(line, { root, env, stdout, stderr }) {
    const failOn = line.values['fail-on'] as string | undefined;
    if (failOn !== undefined && !(failOn in FAIL_ON)) throw new UsageError(`--fail-on '${failOn}' is no effect`, `use one of ${Object.keys(FAIL_ON).join(', ')}`);
    const ref = (line.values.base as string | undefined) ?? 'HEAD';
    const loaded = loadProject(resolve(root, env.MESH_INVENTORY ?? 'clusters'), { displayRoot: root });
    reportProblems(loaded.problems.filter((p) => p.severity === 'error'), stderr);
    if (!loaded.mesh || !loaded.secrets) return 1;
    const outDir = relative(root, resolve(root, env.MESH_OUTPUT ?? 'dist')) || '.';
    let base;
    try {
      base = readRevisionFolder(root, ref, outDir);
    } catch (err) {
      if (err instanceof GitRevisionError) throw new UsageError(err.problem, err.fix);
      throw err;
    }
    const next = new Map(renderMesh(loaded.mesh, loaded.secrets).map((f) => [f.path, f.content]));
    const chartDir = line.values['chart-dir'] as string | undefined;
    const parsed = new ParsedFiles();
    const [baseTree, nextTree] = [splitOutputTree(base.files, parsed), splitOutputTree(next, parsed)];
    const renderer = new ChartRenderer(findChartTools(env, chartDir && resolve(root, chartDir)));
    await renderer.prepare(helmChartsToRender(baseTree, nextTree));
    const report = computeImpact(baseTree, nextTree, { ref, commit: base.commit }, renderer);
    stdout.write(line.values.json === true ? `${JSON.stringify(report, null, 2)}\n` : impactMarkdown(report));
    if (failOn !== undefined && FAIL_ON[failOn].includes(report.effect)) {
      stderr.write(`error: the worst effect is ${report.effect}, which --fail-on ${failOn} refuses. Fix: review the report; merge it only when the clusters can take it\n`);
      return 1;
    }
    return 0;
  },
};
