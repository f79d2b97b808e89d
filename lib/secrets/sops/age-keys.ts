import { existsSync, readFileSync } from 'fs';
import * as path from 'path';
import { armor, Decrypter, Encrypter, identityToRecipient } from 'age-encryption';
import { describeError, SopsError } from './errors';

/** One `sops.age[]` entry: the data key encrypted (and ASCII-armored) to one recipient. */
export interface AgeRecipientEntry {
  recipient: string;
  enc: string;
}

const IDENTITY_LINE = /^AGE-SECRET-KEY-(PQ-)?1[0-9A-Z]+$/;

/**
 * Parses an age identity file or SOPS_AGE_KEY value: one key per line, blank lines and
 * "#" comments ignored (as age and sops do). `source` names the origin in errors.
 */
export function parseAgeIdentities(text: string, source: string): string[] {
  const identities: string[] = [];
  text.split(/\r?\n/).forEach((rawLine, index) => {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) return;
    if (!IDENTITY_LINE.test(line)) {
      // The line may be secret material, so it is not echoed.
      throw new SopsError(
        'INVALID_INPUT',
        `Line ${index + 1} of ${source} is not an age secret key (expected AGE-SECRET-KEY-1…); plugin and SSH identities are not supported.`,
      );
    }
    identities.push(line);
  });
  return identities;
}

type Env = Record<string, string | undefined>;

function defaultKeyFile(env: Env): string | undefined {
  // Go's os.UserConfigDir, which sops uses for sops/age/keys.txt.
  const configDir = env.XDG_CONFIG_HOME || (env.HOME ? path.join(env.HOME, process.platform === 'darwin' ? 'Library/Application Support' : '.config') : undefined);
  return configDir ? path.join(configDir, 'sops', 'age', 'keys.txt') : undefined;
}

/**
 * Collects age identities the way sops does: SOPS_AGE_KEY (keys inline), SOPS_AGE_KEY_FILE
 * (a key file), and the user's sops/age/keys.txt if present. Throws if none are found.
 */
export function identitiesFromEnv(env: Env = process.env): string[] {
  const identities: string[] = [];
  if (env.SOPS_AGE_KEY) identities.push(...parseAgeIdentities(env.SOPS_AGE_KEY, 'SOPS_AGE_KEY'));
  const keyFile = env.SOPS_AGE_KEY_FILE;
  if (keyFile) {
    let text: string;
    try {
      text = readFileSync(keyFile, 'utf8');
    } catch (err) {
      throw new SopsError('NO_IDENTITY', `SOPS_AGE_KEY_FILE points to ${keyFile}, which cannot be read (${describeError(err)}). Fix the path or unset it.`, {
        cause: err,
      });
    }
    identities.push(...parseAgeIdentities(text, `SOPS_AGE_KEY_FILE (${keyFile})`));
  }
  const fallback = defaultKeyFile(env);
  if (fallback && existsSync(fallback)) identities.push(...parseAgeIdentities(readFileSync(fallback, 'utf8'), fallback));
  if (identities.length === 0) {
    throw new SopsError(
      'NO_IDENTITY',
      `No age identity found: SOPS_AGE_KEY and SOPS_AGE_KEY_FILE are unset or empty${fallback ? ` and ${fallback} does not exist` : ''}. ` +
        'Set SOPS_AGE_KEY_FILE to your age key file (age-keygen -o key.txt creates one).',
    );
  }
  return identities;
}

/** The public recipient (age1…) of a secret identity. */
export async function recipientOfIdentity(identity: string): Promise<string> {
  try {
    return await identityToRecipient(identity);
  } catch (err) {
    throw new SopsError('INVALID_INPUT', `An age identity is not a valid secret key (${describeError(err)}).`, { cause: err });
  }
}

/** Encrypts the data key to one recipient, armored like sops stores it. */
export async function encryptDataKey(dataKey: Uint8Array, recipient: string): Promise<AgeRecipientEntry> {
  const encrypter = new Encrypter();
  try {
    encrypter.addRecipient(recipient);
  } catch (err) {
    throw new SopsError('INVALID_INPUT', `"${recipient}" is not a valid age recipient (${describeError(err)}). Recipients look like age1….`, { cause: err });
  }
  return { recipient, enc: armor.encode(await encrypter.encrypt(dataKey)) };
}

/** Recovers the data key with whichever identity matches one of the file's age recipients. */
export async function decryptDataKey(entries: readonly AgeRecipientEntry[], identities: readonly string[]): Promise<Uint8Array> {
  if (identities.length === 0) {
    throw new SopsError('NO_IDENTITY', 'No age identity was given. Set SOPS_AGE_KEY_FILE to your age key file, or SOPS_AGE_KEY to the key itself.');
  }
  if (entries.length === 0) {
    throw new SopsError('UNSUPPORTED', 'The file has no age recipients (sops.age is empty); it was encrypted with other key types only.');
  }
  const ours = await Promise.all(identities.map(async (identity) => ({ identity, recipient: await recipientOfIdentity(identity) })));
  const failures: string[] = [];
  for (const entry of entries) {
    const matching = ours.filter((o) => o.recipient === entry.recipient.trim().toLowerCase());
    if (matching.length === 0) continue;
    try {
      const decrypter = new Decrypter();
      matching.forEach((o) => decrypter.addIdentity(o.identity));
      const dataKey = await decrypter.decrypt(armor.decode(entry.enc));
      if (dataKey.length !== 32) throw new Error(`the decrypted data key is ${dataKey.length} bytes, expected 32`);
      return dataKey;
    } catch (err) {
      failures.push(`${entry.recipient}: ${describeError(err)}`);
    }
  }
  if (failures.length > 0) {
    throw new SopsError(
      'DATA_KEY_DECRYPT_FAILED',
      `The data key could not be decrypted although an identity matches (${failures.join('; ')}). The sops.age block is damaged; restore the file from version control.`,
    );
  }
  throw new SopsError(
    'NO_IDENTITY',
    `None of the given age identities can open this file. It is encrypted for ${entries.map((e) => e.recipient).join(', ')}; ` +
      `the identities given are for ${ours.map((o) => o.recipient).join(', ')}. Use a matching key, or have a key holder add your recipient (rekey).`,
  );
}
