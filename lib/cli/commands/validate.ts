import { resolve } from 'path';
import { loadProject } from '../../inventory/load-project';
import { MeshCommand } from '../command';
import { reportProblems } from '../../report/problems';

export const validateCommand: MeshCommand = {
  words: ['validate'],
  summary: 'check the inventory in clusters/ and report every problem (--errors-only: no warnings, no summary)',
  options: { 'errors-only': { type: 'boolean', description: 'print the errors, not the warnings' } },
  run(line, { root, env, stdout, stderr }) {
    const errorsOnly = line.values['errors-only'] === true;
    const result = loadProject(resolve(root, env.MESH_INVENTORY ?? 'clusters'), { displayRoot: root });
    reportProblems(errorsOnly ? result.problems.filter((p) => p.severity === 'error') : result.problems, stderr);
    if (!result.mesh) return 1;
    if (!errorsOnly) {
      const m = result.mesh;
      stdout.write(`inventory ok: ${m.clusters.length} clusters, ${m.globalServices.length} global services, ${m.policies.length} policies\n`);
    }
    return 0;
  },
};
