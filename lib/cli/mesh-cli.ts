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
import { closest, helpText, parseCommandLine } from './command-line';
import { COMMANDS } from './commands';
import { sopsUsageError } from './commands/ca-support';

function usage(commands: readonly MeshCommand[] = COMMANDS, prefix = '<command>'): string {
  const width = Math.max(...commands.map((c) => c.words.join(' ').length));
  const list = commands.map((c) => `  ${c.words.join(' ').padEnd(width)}  ${c.summary}`).join('\n');
  return `usage: npm run mesh -- ${prefix} [options]   (-h or --help after a command: its options)\n\ncommands:\n${list}\n\nexit codes: 0 done, 1 a problem the messages above name (with its fix), 2 a fault of the tool itself\n`;
}

const HELP = new Set(['help', '--help', '-h']);

/** The command whose words start argv, longest match first. */
function findCommand(argv: readonly string[]): MeshCommand | undefined {
  return [...COMMANDS].sort((a, b) => b.words.length - a.words.length).find((c) => c.words.every((w, i) => argv[i] === w));
}

export async function runMeshCli(argv: readonly string[], context: CommandContext): Promise<number> {
  if (argv.length === 0 || HELP.has(argv[0])) {
    context.stdout.write(usage());
    return argv.length === 0 ? 1 : 0;
  }
  const command = findCommand(argv);
  if (!command) {
    // A group (`ca`): its commands, as help or because one must be chosen.
    const group = COMMANDS.filter((c) => c.words.length > 1 && c.words[0] === argv[0]);
    if (group.length > 0 && (argv.length === 1 || HELP.has(argv[1]))) {
      if (argv.length > 1) {
        context.stdout.write(usage(group, `${argv[0]} <command>`));
        return 0;
      }
      context.stderr.write(`error: '${argv[0]}' needs one of its commands. Fix: run one of them:\n\n${usage(group, `${argv[0]} <command>`)}`);
      return 1;
    }
    const given = argv.slice(0, group.length > 0 ? 2 : 1).join(' ');
    const meant = closest(given, COMMANDS.map((c) => c.words.join(' ')));
    const fix = meant ? `did you mean '${meant}'? ('npm run mesh -- help' lists the commands)` : "run one of the commands below ('npm run mesh -- help' lists them)";
    context.stderr.write(redactSecrets(`error: unknown command '${given}'. Fix: ${fix}\n${meant ? '' : `\n${usage()}`}`));
    return 1;
  }
  const rest = argv.slice(command.words.length);
  if (rest.some((a) => a === '--help' || a === '-h')) {
    context.stdout.write(helpText(command));
    return 0;
  }
  try {
    const args = parseCommandLine(command, rest);
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
    (err: Error) => {
      // Not a problem of the input but a fault of the tool: the trace is for its maintainers.
      process.stderr.write(redactSecrets(`internal error (please report it): ${err.stack ?? err.message}\n`));
      process.exitCode = 2;
    },
  );
}
