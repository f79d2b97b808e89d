import { AgeRecipientEntry } from './age-keys';
import { EncryptionRules } from './encryption-rules';
import { SopsError } from './errors';
import { TreeMap, TreeNode } from './tree';

/** The top-level key sops stores its metadata under. */
export const METADATA_KEY = 'sops';

/** The sops release whose age-only layout the writer reproduces (empty key lists omitted, struct order). */
export const WRITER_SOPS_VERSION = '3.12.1';

/** The parts of the `sops:` block this implementation uses. */
export interface SopsMetadata {
  age: AgeRecipientEntry[];
  lastModified: string;
  /** Encrypted MAC; empty when absent. */
  mac: string;
  rules: EncryptionRules;
  macOnlyEncrypted: boolean;
  version?: string;
}

const RULE_KEYS: ReadonlyArray<[keyof EncryptionRules, string]> = [
  ['unencryptedSuffix', 'unencrypted_suffix'],
  ['encryptedSuffix', 'encrypted_suffix'],
  ['unencryptedRegex', 'unencrypted_regex'],
  ['encryptedRegex', 'encrypted_regex'],
];

function damaged(detail: string): SopsError {
  return new SopsError('MALFORMED_FILE', `The sops metadata block is damaged: ${detail}. Check that the file was not truncated.`);
}

function optionalString(block: TreeMap, key: string): string | undefined {
  const value = block.get(key);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw damaged(`sops.${key} should be text`);
  return value;
}

function readAgeEntries(value: TreeNode | undefined): AgeRecipientEntry[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw damaged('sops.age should be a list');
  return value.map((item, i) => {
    const recipient = item instanceof TreeMap ? item.get('recipient') : undefined;
    const enc = item instanceof TreeMap ? item.get('enc') : undefined;
    if (typeof recipient !== 'string' || typeof enc !== 'string') throw damaged(`sops.age[${i}] needs text "recipient" and "enc" fields`);
    return { recipient, enc };
  });
}

/** Splits a parsed sops file into its data and its metadata, rejecting features not implemented here. */
export function splitSopsDocument(root: TreeNode): { data: TreeMap; metadata: SopsMetadata; block: TreeMap } {
  if (!(root instanceof TreeMap)) {
    throw new SopsError('MALFORMED_FILE', 'The file is not a sops YAML file: its top level is not a mapping.');
  }
  const block = root.get(METADATA_KEY);
  if (block === undefined) {
    throw new SopsError('MALFORMED_FILE', 'The file is not sops-encrypted: there is no top-level "sops" metadata key. Was it truncated, or never encrypted?');
  }
  if (!(block instanceof TreeMap)) throw damaged('"sops" is not a mapping');
  const keyGroups = block.get('key_groups');
  if (Array.isArray(keyGroups) && keyGroups.length > 0) {
    throw new SopsError('UNSUPPORTED', 'The file uses sops key_groups (Shamir secret sharing), which this reader does not support. Decrypt it with the sops CLI.');
  }
  for (const key of ['unencrypted_comment_regex', 'encrypted_comment_regex']) {
    if (optionalString(block, key)) {
      throw new SopsError('UNSUPPORTED', `The file uses sops.${key}, which depends on YAML comments this reader does not see. Decrypt it with the sops CLI.`);
    }
  }
  const lastModified = optionalString(block, 'lastmodified');
  if (!lastModified) throw damaged('sops.lastmodified is missing');
  const rules: EncryptionRules = {};
  for (const [field, key] of RULE_KEYS) {
    const value = optionalString(block, key);
    if (value) rules[field] = value;
  }
  const macOnly = block.get('mac_only_encrypted');
  if (macOnly !== undefined && macOnly !== null && typeof macOnly !== 'boolean') throw damaged('sops.mac_only_encrypted should be true or false');
  const version = block.get('version');
  const metadata: SopsMetadata = {
    age: readAgeEntries(block.get('age')),
    lastModified,
    mac: optionalString(block, 'mac') ?? '',
    rules,
    macOnlyEncrypted: macOnly === true,
    version: version === undefined || version === null ? undefined : String(version),
  };
  return { data: root.without(METADATA_KEY), metadata, block };
}

export function ageEntriesNode(entries: readonly AgeRecipientEntry[]): TreeNode {
  return entries.map((e) => new TreeMap([['recipient', e.recipient], ['enc', e.enc]]));
}

/** The metadata block the writer emits, in sops' field order for an age-only file. */
export function metadataBlock(metadata: SopsMetadata): TreeMap {
  const entries: Array<[string, TreeNode]> = [
    ['age', ageEntriesNode(metadata.age)],
    ['lastmodified', metadata.lastModified],
    ['mac', metadata.mac],
  ];
  for (const [field, key] of RULE_KEYS) {
    const value = metadata.rules[field];
    if (value) entries.push([key, value]);
  }
  if (metadata.macOnlyEncrypted) entries.push(['mac_only_encrypted', true]);
  entries.push(['version', metadata.version ?? WRITER_SOPS_VERSION]);
  return new TreeMap(entries);
}

/** A copy of an existing metadata block with its age list replaced; everything else is kept as written. */
export function withAgeEntries(block: TreeMap, entries: readonly AgeRecipientEntry[]): TreeMap {
  const age = ageEntriesNode(entries);
  if (block.has('age')) return new TreeMap(block.entries.map(([k, v]) => [k, k === 'age' ? age : v]));
  const at = block.entries.findIndex(([k]) => k === 'lastmodified');
  const copy = [...block.entries];
  copy.splice(at < 0 ? 0 : at, 0, ['age', age]);
  return new TreeMap(copy);
}
