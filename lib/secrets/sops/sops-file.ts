import { randomBytes } from 'crypto';
import { AgeRecipientEntry, decryptDataKey, encryptDataKey } from './age-keys';
import { decryptValue, encryptValue, RandomBytes } from './aes-gcm-value';
import { encryptionPredicate, EncryptionRules, withDefaultRule } from './encryption-rules';
import { SopsError } from './errors';
import { decryptMac, encryptMac, MacAccumulator, macsEqual } from './mac';
import { METADATA_KEY, metadataBlock, SopsMetadata, splitSopsDocument, withAgeEntries } from './metadata';
import { mapLeaves, TreeMap, treeFromPlain, TreeNode, treeToPlain } from './tree';
import { emitYamlTree } from './yaml-emit';
import { parseYamlTree } from './yaml-parse';

/** Kubernetes Secrets: encrypt only `data` and `stringData`, keep the rest readable for review. */
export const DEFAULT_ENCRYPTED_REGEX = '^(data|stringData)$';

const DATA_KEY_BYTES = 32;

export interface EncryptYamlOptions {
  /** age recipients (age1…) that can open the file; at least one. */
  recipients: readonly string[];
  /** Keys whose subtrees get encrypted (sops encrypted_regex). Default: DEFAULT_ENCRYPTED_REGEX. */
  encryptedRegex?: string;
  /** Hash only encrypted values into the MAC (sops mac_only_encrypted). Default false. */
  macOnlyEncrypted?: boolean;
  /** Timestamp written as sops.lastmodified. Default: now. */
  now?: Date;
  /** Source of the data key and IVs; tests inject a seeded one. age's own randomness is not affected. */
  random?: RandomBytes;
}

export interface DecryptYamlOptions {
  /** age secret keys (AGE-SECRET-KEY-1…); see identitiesFromEnv. */
  identities: readonly string[];
}

export interface RekeyOptions extends DecryptYamlOptions {
  /** The complete new list of age recipients. */
  recipients: readonly string[];
}

const defaultRandom: RandomBytes = (size) => randomBytes(size);

/** The AES-GCM additional data sops binds each value to: its key path, "a:b:c:". */
function additionalData(path: readonly string[]): string {
  return path.join(':') + ':';
}

/** sops writes lastmodified as Go time.RFC3339 in UTC, without fractional seconds. */
function formatLastModified(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new SopsError('INVALID_INPUT', 'options.now is an invalid Date.');
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function requireRecipients(recipients: readonly string[] | undefined): readonly string[] {
  if (!recipients || recipients.length === 0) {
    throw new SopsError('INVALID_INPUT', 'At least one age recipient (age1…) is needed, or nobody could decrypt the file.');
  }
  return recipients;
}

async function encryptForRecipients(dataKey: Uint8Array, recipients: readonly string[]): Promise<AgeRecipientEntry[]> {
  const entries: AgeRecipientEntry[] = [];
  for (const recipient of requireRecipients(recipients)) entries.push(await encryptDataKey(dataKey, recipient.trim()));
  return entries;
}

/** Encrypts a plain object into sops YAML text, encrypted to the given age recipients. */
export async function encryptYaml(plainObject: Record<string, unknown>, options: EncryptYamlOptions): Promise<string> {
  const recipients = requireRecipients(options.recipients);
  const tree = treeFromPlain(plainObject);
  if (!(tree instanceof TreeMap)) throw new SopsError('INVALID_INPUT', 'Only a plain object can be encrypted as a sops YAML document.');
  if (tree.has(METADATA_KEY)) {
    throw new SopsError('INVALID_INPUT', 'The object already has a top-level "sops" key; it looks encrypted already. Decrypt it first.');
  }
  const encryptedRegex = options.encryptedRegex ?? DEFAULT_ENCRYPTED_REGEX;
  if (encryptedRegex === '') throw new SopsError('INVALID_INPUT', 'encryptedRegex must not be empty.');
  const rules: EncryptionRules = { encryptedRegex };
  const shouldEncrypt = encryptionPredicate(rules);
  const random = options.random ?? defaultRandom;
  const dataKey = Buffer.from(random(DATA_KEY_BYTES));
  if (dataKey.length !== DATA_KEY_BYTES) throw new SopsError('INVALID_INPUT', `options.random returned ${dataKey.length} bytes, expected ${DATA_KEY_BYTES}.`);

  const macOnlyEncrypted = options.macOnlyEncrypted ?? false;
  const mac = new MacAccumulator(macOnlyEncrypted);
  const encrypted = mapLeaves(tree, (leaf, path) => {
    const encrypt = shouldEncrypt(path);
    mac.add(leaf, encrypt);
    return encrypt && leaf !== null ? encryptValue(leaf, dataKey, additionalData(path), random) : leaf;
  }) as TreeMap;

  const lastModified = formatLastModified(options.now ?? new Date());
  const metadata: SopsMetadata = {
    age: await encryptForRecipients(dataKey, recipients),
    lastModified,
    mac: encryptMac(mac.digest(), dataKey, lastModified, random),
    rules,
    macOnlyEncrypted,
  };
  return emitYamlTree(new TreeMap([...encrypted.entries, [METADATA_KEY, metadataBlock(metadata)]]));
}

/** Decrypts every value and checks the MAC; returns the plaintext tree. */
function decryptAndVerify(data: TreeMap, metadata: SopsMetadata, dataKey: Uint8Array): TreeNode {
  // Opening the stored MAC first also proves the data key is right before touching values.
  const storedMac = decryptMac(metadata.mac, dataKey, metadata.lastModified);
  const shouldEncrypt = encryptionPredicate(withDefaultRule(metadata.rules));
  const mac = new MacAccumulator(metadata.macOnlyEncrypted);
  const plain = mapLeaves(data, (leaf, path, location) => {
    const encrypted = shouldEncrypt(path);
    let value = leaf;
    if (encrypted && leaf !== null) {
      if (typeof leaf !== 'string') {
        throw new SopsError('MALFORMED_FILE', `The value at ${location} should be encrypted but is a plain ${typeof leaf}; the file was edited without sops.`);
      }
      value = decryptValue(leaf, dataKey, additionalData(path), location);
    }
    mac.add(value, encrypted);
    return value;
  });
  if (!macsEqual(mac.digest(), storedMac)) {
    throw new SopsError(
      'MAC_MISMATCH',
      'MAC mismatch: the file content does not match its integrity code. A value or key was changed, added, removed or reordered ' +
        'without sops; restore the file from version control or re-encrypt it.',
    );
  }
  return plain;
}

/** Decrypts sops YAML text with age identities, verifying the MAC, and returns the plain object. */
export async function decryptYaml(text: string, options: DecryptYamlOptions): Promise<Record<string, unknown>> {
  const { data, metadata } = splitSopsDocument(parseYamlTree(text));
  const dataKey = await decryptDataKey(metadata.age, options.identities);
  return treeToPlain(decryptAndVerify(data, metadata, dataKey)) as Record<string, unknown>;
}

/**
 * Re-encrypts the data key for a new recipient list, like `sops updatekeys`: values, MAC and
 * lastmodified are untouched, and the rest of the text (comments included) is kept as written.
 */
export async function rekey(text: string, options: RekeyOptions): Promise<string> {
  const recipients = requireRecipients(options.recipients);
  const root = parseYamlTree(text);
  const { data, metadata, block } = splitSopsDocument(root);
  const dataKey = await decryptDataKey(metadata.age, options.identities);
  decryptAndVerify(data, metadata, dataKey); // never re-wrap the key of a tampered file
  const newBlock = withAgeEntries(block, await encryptForRecipients(dataKey, recipients));
  const spliced = replaceMetadataText(text, newBlock);
  if (spliced !== undefined && sameData(spliced, data)) return spliced;
  // Unusual layouts (flow style, JSON): re-emit the whole document.
  return emitYamlTree(new TreeMap((root as TreeMap).entries.map(([k, v]) => [k, k === METADATA_KEY ? newBlock : v])));
}

/** Replaces the column-0 `sops:` block in place; undefined when the text has no such single block. */
function replaceMetadataText(text: string, block: TreeMap): string | undefined {
  const lines = text.split('\n');
  const starts = lines.flatMap((line, i) => (/^sops:\s*(#.*)?$/.test(line) ? [i] : []));
  if (starts.length !== 1) return undefined;
  const start = starts[0];
  let end = start + 1;
  while (end < lines.length && !/^[^\s#]/.test(lines[end])) end++; // up to the next top-level key
  while (end > start + 1 && lines[end - 1].trim() === '') end--; // keep trailing blank lines
  const blockLines = emitYamlTree(new TreeMap([[METADATA_KEY, block]])).replace(/\n$/, '').split('\n');
  return [...lines.slice(0, start), ...blockLines, ...lines.slice(end)].join('\n');
}

function sameData(text: string, data: TreeMap): boolean {
  try {
    return emitYamlTree(splitSopsDocument(parseYamlTree(text)).data) === emitYamlTree(data);
  } catch {
    return false;
  }
}
