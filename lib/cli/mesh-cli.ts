/**
 * `npm run mesh -- <command>`: the commands around synth.
 */
import { resolve } from 'path';
import { finishInterruptedWrites, hasInterruptedWrites } from '../fs/atomic-write';
import { formatFileSystemFailure } from '../fs/file-system-error';
import { sayWaiting, withProjectLock } from '../fs/project-lock';
import { InventoryError, reportProblems } from '../report/problems';
import { redactSecrets } from '../report/redact';
import { SopsError } from '../secrets/sops';
import { CommandContext, MeshCommand, UsageError } from './command';
import { COMMANDS } from './commands';
import { sopsUsageError } from './commands/ca-support';

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.words.join(' ').length));
  return `usage: npm run mesh -- <command> [options]\n\ncommands:\n${COMMANDS.map((c) => `  ${c.words.join(' ').padEnd(width)}  ${c.summary}`).join('\n')}\n`;
}

/** The command whose words start argv, longest match first. */
function findCommand(argv: readonly string[]): MeshCommand | undefined {
  return [...COMMANDS].sort((a, b) => b.words.length - a.words.length).find((c) => c.words.every((w, i) => argv[i] === w));
}

export async function runMeshCli(argv: readonly string[], context: CommandContext): Promise<number> {
  if (argv.length === 0 || argv[0] === 'help' || argv[0] === '--help') {
    context.stdout.write(usage());
    return argv.length === 0 ? 1 : 0;
  }
  const command = findCommand(argv);
  if (!command) {
    const fix = "run one of the commands below ('npm run mesh -- help' lists them)";
    context.stderr.write(redactSecrets(`error: unknown command '${argv.join(' ')}'. Fix: ${fix}\n\n${usage()}`));
    return 1;
  }
  try {
    const args = argv.slice(command.words.length);
    const outDir = resolve(context.root, context.env.MESH_OUTPUT ?? 'dist');
    const lock = { command: command.words.join(' '), env: context.env, onWait: sayWaiting(context.stderr, 'the project') };
    if (!command.writesProject?.(args)) {
      // A write killed half-way is finished first, so that every command sees whole files.
      if (hasInterruptedWrites(context.root)) await withProjectLock(outDir, lock, () => finishInterruptedWrites(context.root));
      return await command.run(args, context);
    }
    return await withProjectLock(outDir, lock, () => {
      finishInterruptedWrites(context.root);
      return command.run(args, context);
    });
  } catch (err) {
    if (err instanceof InventoryError) {
      // The same lines synth prints for the same problems.
      reportProblems((err as InventoryError).problems, context.stderr);
      return 1;
    }
    if (err instanceof UsageError || err instanceof SopsError) {
      const usageError = err instanceof UsageError ? err : sopsUsageError(err);
      context.stderr.write(redactSecrets(`error: ${usageError.message}\n`));
      return 1;
    }
    const line = formatFileSystemFailure(err, context.root);
    if (line === undefined) throw err;
    context.stderr.write(`${line}\n`);
    return 1;
  }
}

if (require.main === module) {
  runMeshCli(process.argv.slice(2), { root: process.cwd(), env: process.env, stdout: process.stdout, stderr: process.stderr }).then(
    (code) => (process.exitCode = code),
  );
}
