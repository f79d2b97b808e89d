import { resolve } from 'path';
import { loadProject } from '../../inventory/load-project';
import { DISRUPTIVE_KEYS, guardRailProblems, unknownKeys } from '../../synth/guard-rails';
import { MeshCommand, UsageError } from '../command';
import { reportProblems, sortProblems } from '../../report/problems';
import { closest } from '../command-line';

export const validateCommand: MeshCommand = {
  words: ['validate'],
  summary: 'check the inventory in clusters/ and report every problem, including changes that break running clusters (--errors-only: no warnings, no summary)',
  options: {
    'errors-only': { type: 'boolean', description: 'print the errors, not the warnings' },
    base: { type: 'string', value: 'REF', description: "the revision whose committed dist/ says which clusters run and how (default HEAD; nothing is compared outside git)" },
    'allow-disruptive': {
      type: 'string',
      multiple: true,
      value: 'CHANGE',
      description: `allow a change that breaks running clusters: ${DISRUPTIVE_KEYS.join(', ')} (repeat for several)`,
    },
  },
  run(line, { root, env, stdout, stderr }) {
    const errorsOnly = line.values['errors-only'] === true;
    const allow = (line.values['allow-disruptive'] as string[] | undefined) ?? [];
    for (const key of unknownKeys(allow)) {
      const meant = closest(key, DISRUPTIVE_KEYS);
      throw new UsageError(`--allow-disruptive '${key}' is no change it can allow`, `${meant ? `did you mean ${meant}? ` : ''}use one of ${DISRUPTIVE_KEYS.join(', ')}`);
    }
    const inventoryDir = resolve(root, env.MESH_INVENTORY ?? 'clusters');
    const result = loadProject(inventoryDir, { displayRoot: root });
    const refused =
      result.mesh && result.secrets
      ? guardRailProblems(result.mesh, result.secrets, {
          root,
          inventoryDir,
          outDir: env.MESH_OUTPUT,
          base: line.values.base as string | undefined,
          allow,
          howToAllow: (key) => `npm run mesh -- validate --allow-disruptive ${key}, and MESH_ALLOW_DISRUPTIVE=${key} npm run synth`,
        })
      : [];
    const problems = sortProblems([...result.problems, ...refused]);
    reportProblems(errorsOnly ? problems.filter((p) => p.severity === 'error') : problems, stderr);
    if (!result.mesh || refused.length > 0) return 1;
    if (!errorsOnly) {
      const m = result.mesh;
      stdout.write(`inventory ok: ${m.clusters.length} clusters, ${m.globalServices.length} global services, ${m.policies.length} policies\n`);
    }
    return 0;
  },
};
