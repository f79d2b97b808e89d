/**
 * `npm run mesh -- <command>`: the commands around synth.
 */
import { resolve } from 'path';
import { loadInventory } from '../inventory/load';
import { reportProblems } from './report';

const USAGE = `usage: npm run mesh -- <command>

commands:
  check     check the inventory in clusters/ and report every problem
`;

function main(argv: string[]): number {
  const [command] = argv;
  switch (command) {
    case 'check': {
      const result = loadInventory(resolve(process.env.MESH_INVENTORY ?? 'clusters'));
      reportProblems(result.problems);
      if (!result.mesh) return 1;
      process.stdout.write(`inventory ok: ${result.mesh.clusters.length} clusters, ${result.mesh.globalServices.length} global services, ${result.mesh.policies.length} policies\n`);
      return 0;
    }
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
