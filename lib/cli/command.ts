/**
 * A subcommand of `npm run mesh`. Each lives in its own file under commands/.
 */
export interface CommandContext {
  /** Project root: clusters/, dist/ and secrets/ are found from here. */
  readonly root: string;
  readonly env: NodeJS.ProcessEnv;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

/** An option a command takes, for util.parseArgs and the help text. */
export interface CommandOption {
  readonly type: 'string' | 'boolean';
  readonly multiple?: boolean;
  readonly short?: string;
  /** The value's name in the help text (string options). */
  readonly value?: string;
  readonly description: string;
}

/** The arguments after the command words, parsed (lib/cli/command-line.ts). */
export interface CommandLine {
  readonly values: Readonly<Record<string, string | boolean | string[] | undefined>>;
  readonly positionals: readonly string[];
}

export interface MeshCommand {
  /** Words that select the command, e.g. ['ca', 'init']. */
  readonly words: readonly string[];
  /** One line for the usage text. */
  readonly summary: string;
  /** The options it takes; any other is refused. @default none */
  readonly options?: Readonly<Record<string, CommandOption>>;
  /** Its positional arguments, in order, all required. @default none */
  readonly positionals?: readonly string[];
  /**
   * Whether this run writes the project (the inventory or the CA files): it
   * then holds the project lock, so no synth or other command runs meanwhile.
   */
  writesProject?(line: CommandLine): boolean;
  /** Runs with the parsed arguments; returns the exit code. */
  run(line: CommandLine, context: CommandContext): Promise<number> | number;
}

/**
 * A problem the user can fix: printed as one line in the form synth uses for
 * inventory problems (`error: <what>. Fix: <what to do>`), never with a stack
 * trace. The fix is required, so no command can say what is wrong without
 * saying what to do.
 */
export class UsageError extends Error {
  constructor(
    /** What is wrong, as a sentence without its final period. */
    readonly problem: string,
    /** What to do about it. */
    readonly fix: string,
  ) {
    super(`${problem}. Fix: ${fix}`);
    this.name = 'UsageError';
  }
}
