import { SopsError } from './errors';

/** The sops settings that decide which values get encrypted; at most one may be set. */
export interface EncryptionRules {
  unencryptedSuffix?: string;
  encryptedSuffix?: string;
  unencryptedRegex?: string;
  encryptedRegex?: string;
}

/** sops' default when a file names no rule (stores.go ToInternal). */
export const DEFAULT_UNENCRYPTED_SUFFIX = '_unencrypted';

export function withDefaultRule(rules: EncryptionRules): EncryptionRules {
  const set = Object.values(rules).filter((v) => v !== undefined && v !== '');
  if (set.length > 1) {
    throw new SopsError(
      'MALFORMED_FILE',
      'The file sets more than one of unencrypted_suffix, encrypted_suffix, unencrypted_regex and encrypted_regex; sops allows only one.',
    );
  }
  return set.length === 0 ? { unencryptedSuffix: DEFAULT_UNENCRYPTED_SUFFIX } : rules;
}

function compile(pattern: string, setting: string): RegExp {
  try {
    return new RegExp(pattern);
  } catch {
    throw new SopsError('INVALID_INPUT', `${setting} "${pattern}" is not a valid regular expression.`);
  }
}

/**
 * Returns a predicate deciding, from its key path, whether a value is encrypted
 * (sops.go shouldBeEncrypted: any path component can switch encryption on or off).
 */
export function encryptionPredicate(rules: EncryptionRules): (path: readonly string[]) => boolean {
  const { unencryptedSuffix, encryptedSuffix } = rules;
  const unencryptedRegex = rules.unencryptedRegex ? compile(rules.unencryptedRegex, 'unencrypted_regex') : undefined;
  const encryptedRegex = rules.encryptedRegex ? compile(rules.encryptedRegex, 'encrypted_regex') : undefined;
  return (path) => {
    let encrypted = true;
    if (unencryptedSuffix && path.some((key) => key.endsWith(unencryptedSuffix))) encrypted = false;
    if (encryptedSuffix) encrypted = path.some((key) => key.endsWith(encryptedSuffix));
    if (unencryptedRegex && path.some((key) => unencryptedRegex.test(key))) encrypted = false;
    if (encryptedRegex) encrypted = path.some((key) => encryptedRegex.test(key));
    return encrypted;
  };
}
