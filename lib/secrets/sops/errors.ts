/** What went wrong, so callers (and tests) can react without parsing messages. */
export type SopsErrorCode =
  | 'MALFORMED_FILE' // not YAML, not a sops file, or a damaged sops structure
  | 'UNSUPPORTED' // a valid sops feature this implementation does not handle
  | 'INVALID_INPUT' // bad arguments or plaintext handed to the writer
  | 'NO_IDENTITY' // no age identity given, or none matches the file's recipients
  | 'DATA_KEY_DECRYPT_FAILED' // a matching identity could not open the data key
  | 'VALUE_DECRYPT_FAILED' // AES-GCM authentication failed for a value
  | 'MAC_MISSING'
  | 'MAC_MISMATCH';

/**
 * The only error type the sops module throws. Messages say what failed and what to do;
 * `cause` keeps the low-level error for debugging without leaking it into the message.
 */
export class SopsError extends Error {
  readonly code: SopsErrorCode;

  constructor(code: SopsErrorCode, message: string, options?: { cause?: unknown }) {
    super(message);
    this.name = 'SopsError';
    this.code = code;
    if (options && 'cause' in options) {
      Object.defineProperty(this, 'cause', { value: options.cause, enumerable: false });
    }
  }
}

/** Short description of an unknown thrown value, for wrapping third-party errors (duck-typed: errors may come from another realm). */
export function describeError(err: unknown): string {
  const message = (err as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(err);
}
