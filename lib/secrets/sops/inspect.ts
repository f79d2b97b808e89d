import { splitSopsDocument } from './metadata';
import { treeToPlain } from './tree';
import { parseYamlTree } from './yaml-parse';

/** What a sops file says about itself without any key: its readable structure and metadata. */
export interface SopsFileOutline {
  /** The document without its `sops` block; encrypted values stay ENC[…] strings. */
  readonly data: Record<string, unknown>;
  /** age recipients the data key is encrypted to, in file order. */
  readonly recipients: readonly string[];
  readonly lastModified: string;
  /** Whether the file carries a MAC (sops always writes one; a file without it cannot be trusted). */
  readonly hasMac: boolean;
  /** Whether that MAC is a complete encrypted value (a truncated file usually breaks it). */
  readonly macWellFormed: boolean;
  readonly encryptedRegex?: string;
}

/**
 * Reads a sops YAML file's structure without decrypting it: for checks that must
 * run where no identity is available (synth, CI). Throws SopsError MALFORMED_FILE
 * for text that is not a sops file or whose metadata is damaged (a truncated file).
 */
export function outlineSopsFile(text: string): SopsFileOutline {
  const { data, metadata } = splitSopsDocument(parseYamlTree(text));
  return {
    data: treeToPlain(data) as Record<string, unknown>,
    recipients: metadata.age.map((a) => a.recipient.trim()),
    lastModified: metadata.lastModified,
    hasMac: metadata.mac !== '',
    macWellFormed: ENCRYPTED_VALUE.test(metadata.mac),
    encryptedRegex: metadata.rules.encryptedRegex,
  };
}

/** Whether a file is SOPS-encrypted: sops writes its metadata as a top-level `sops:` mapping. */
export function isSopsEncrypted(content: string): boolean {
  return /^sops:[ \t]*$/m.test(content);
}

/** An encrypted sops value: ENC[AES256_GCM,data:…,iv:…,tag:…,type:…]. */
export const ENCRYPTED_VALUE = /^ENC\[AES256_GCM,data:[A-Za-z0-9+/=]*,iv:[A-Za-z0-9+/=]+,tag:[A-Za-z0-9+/=]+,type:(str|int|float|bool|bytes|comment)\]$/;
