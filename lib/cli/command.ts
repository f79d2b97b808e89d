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

export interface MeshCommand {
  /** Words that select the command, e.g. ['ca', 'init']. */
  readonly words: readonly string[];
  /** One line for the usage text. */
  readonly summary: string;
  /**
   * Whether this run writes the project (the inventory or the CA files): it
   * then holds the project lock, so no synth or other command runs meanwhile.
   */
  writesProject?(args: readonly string[]): boolean;
  /** Runs with the arguments after the command words; returns the exit code. */
  run(args: readonly string[], context: CommandContext): Promise<number> | number;
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
