/** A problem with the CA file or its content, phrased for the user; `fix` says what to do. */
export class MeshCaError extends Error {
  constructor(
    message: string,
    readonly fix: string,
    readonly field = '',
    /** Line of the CA file, where the problem has one. */
    readonly line?: number,
  ) {
    super(message);
    this.name = 'MeshCaError';
  }
}

/** The fix for a CA file that cannot be repaired in place. */
export const REWRITE_CA_FIX = "run 'npm run mesh -- ca rotate --one-step --yes' to write a new one, or restore the file from version control";
