/**
 * `npm run mesh -- <command>`: the commands around synth.
 */
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { loadInventory } from '../inventory/load';
import { compareTrees } from '../synth/compare-trees';
import { synthMesh } from '../synth/synth-mesh';
import { reportProblems } from './report';

const USAGE = `usage: npm run mesh -- <command>

commands:
  validate   check the inventory in clusters/ and report every problem
  check      synthesise into a temporary folder and compare with dist/;
             exits 1 and lists the files that differ when dist/ is stale
`;

/** `--errors-only`: synth runs this first and reports warnings itself. */
function validate(errorsOnly: boolean): number {
  const result = loadInventory(resolve(process.env.MESH_INVENTORY ?? 'clusters'));
  reportProblems(errorsOnly ? result.problems.filter((p) => p.severity === 'error') : result.problems);
  if (!result.mesh) return 1;
  if (errorsOnly) return 0;
  process.stdout.write(`inventory ok: ${result.mesh.clusters.length} clusters, ${result.mesh.globalServices.length} global services, ${result.mesh.policies.length} policies\n`);
  return 0;
}

function check(): number {
  const scratch = mkdtempSync(join(tmpdir(), 'mesh-check-'));
  try {
    const fresh = join(scratch, 'dist');
    const result = synthMesh({ inventoryDir: process.env.MESH_INVENTORY, outDir: fresh });
    reportProblems(result.problems);
    if (!result.ok) return 1;
    const committed = resolve(process.env.MESH_OUTPUT ?? 'dist');
    const diffs = compareTrees(fresh, committed);
    if (diffs.length === 0) {
      process.stdout.write(`dist/ is up to date (${result.files} files)\n`);
      return 0;
    }
    process.stderr.write(`dist/ is out of date with the inventory; run 'npm run synth' and commit the result:\n`);
    for (const d of diffs) process.stderr.write(`  ${d.change.padEnd(7)} ${d.path}\n`);
    return 1;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function main(argv: string[]): number {
  const [command] = argv;
  switch (command) {
    case 'validate':
      return validate(argv.includes('--errors-only'));
    case 'check':
      return check();
    case undefined:
    case 'help':
    case '--help':
      process.stdout.write(USAGE);
      return command === undefined ? 1 : 0;
    default:
      process.stderr.write(`unknown command '${command}'\n\n${USAGE}`);
      return 1;
  }
}

process.exitCode = main(process.argv.slice(2));
