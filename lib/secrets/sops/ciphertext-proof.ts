/**
 * What can be proven about a sops file without its key, before it is copied
 * anywhere: every value its encryption rules cover is ciphertext, nothing the
 * rules leave readable is ciphertext (that only happens when the file was
 * edited without sops), nothing readable (a value, a key, a comment, the
 * metadata) holds key material, and the MAC is there, well formed, and covers
 * the readable values too. Whether the MAC matches cannot be known without
 * the data key: sops checks that when it decrypts.
 */
import { isMap, isSeq, Node, parseDocument } from 'yaml';
import { findKeyMaterial, KeyMaterialKind } from '../../report/redact';
import { encryptionPredicate, withDefaultRule } from './encryption-rules';
import { ENCRYPTED_VALUE } from './inspect';
import { splitSopsDocument } from './metadata';
import { TreeMap, TreeNode } from './tree';
import { parseYamlTree } from './yaml-parse';

export type CiphertextIssue =
  /** A value the rules (or the caller's `mustEncrypt`) cover is readable. `byRules` is false when only the caller requires it. */
  | { readonly kind: 'clear-value'; readonly field: string; readonly line?: number; readonly byRules: boolean; readonly keyMaterial?: KeyMaterialKind }
  /** A value the rules leave readable is ciphertext: the file was edited (or its rules changed) without sops. */
  | { readonly kind: 'stray-ciphertext'; readonly field: string; readonly line?: number }
  /** Key material in clear outside any value the checks above report: a readable value, a key, a comment, the metadata. */
  | { readonly kind: 'key-material'; readonly field: string; readonly line: number; readonly keyMaterial: KeyMaterialKind; readonly inComment: boolean }
  | { readonly kind: 'mac-missing' | 'mac-damaged' | 'mac-partial'; readonly field: 'sops.mac' | 'sops.mac_only_encrypted' };

export interface CiphertextProofOptions {
  /** Values that must be ciphertext whatever the file's rules say (a Secret's data, say), by key path. */
  readonly mustEncrypt?: (path: readonly string[]) => boolean;
}

/**
 * Every reason the file is not proven ciphertext; empty when it is.
 * Throws SopsError MALFORMED_FILE for text that is not a sops file at all.
 */
export function proveCiphertext(text: string, options: CiphertextProofOptions = {}): CiphertextIssue[] {
  const { data, metadata } = splitSopsDocument(parseYamlTree(text));
  const issues: CiphertextIssue[] = [];
  if (metadata.mac === '') issues.push({ kind: 'mac-missing', field: 'sops.mac' });
  else if (!ENCRYPTED_VALUE.test(metadata.mac)) issues.push({ kind: 'mac-damaged', field: 'sops.mac' });
  // With mac_only_encrypted, the readable fields could be changed unnoticed.
  if (metadata.macOnlyEncrypted) issues.push({ kind: 'mac-partial', field: 'sops.mac_only_encrypted' });

  const byRules = encryptionPredicate(withDefaultRule(metadata.rules));
  const mustEncrypt = options.mustEncrypt ?? (() => false);
  const lines = lineFinder(text);
  const reportedLines = new Set<number>();
  walkLeaves(data, [], (leaf, keys, location) => {
    if (leaf === null) return; // sops leaves null as null
    const encrypted = typeof leaf === 'string' && ENCRYPTED_VALUE.test(leaf);
    const ruled = byRules(keys);
    const span = lines(location);
    if ((ruled || mustEncrypt(keys)) && !encrypted) {
      const keyMaterial = typeof leaf === 'string' ? findKeyMaterial(leaf)[0]?.kind : undefined;
      issues.push({ kind: 'clear-value', field: formatLocation(location), line: span?.[0], byRules: ruled, keyMaterial });
      if (span) for (let l = span[0]; l <= span[1]; l++) reportedLines.add(l);
    } else if (!ruled && encrypted) {
      issues.push({ kind: 'stray-ciphertext', field: formatLocation(location), line: span?.[0] });
    }
  });
  // Whatever else holds key material in clear: readable values, keys, comments, the metadata block.
  const textLines = text.split('\n');
  for (const finding of findKeyMaterial(text)) {
    if (reportedLines.has(finding.line)) continue;
    reportedLines.add(finding.line);
    const inComment = /^\s*#/.test(textLines[finding.line - 1] ?? '');
    issues.push({ kind: 'key-material', field: '', line: finding.line, keyMaterial: finding.kind, inComment });
  }
  return issues;
}

type Step = string | number;

/** Calls `visit` for every leaf with its sops key path (map keys only) and its full location. */
function walkLeaves(node: TreeNode, location: Step[], visit: (leaf: TreeNode, keys: string[], location: Step[]) => void): void {
  if (node instanceof TreeMap) for (const [key, value] of node.entries) walkLeaves(value, [...location, key], visit);
  else if (Array.isArray(node)) node.forEach((item, i) => walkLeaves(item, [...location, i], visit));
  else visit(node, location.filter((s): s is string => typeof s === 'string'), location);
}

function formatLocation(location: readonly Step[]): string {
  return location.reduce<string>((text, step) => (typeof step === 'number' ? `${text}[${step}]` : text === '' ? step : `${text}.${step}`), '');
}

/** First and last line of the value at a location, for messages (undefined when the text cannot say). */
function lineFinder(text: string): (location: readonly Step[]) => [number, number] | undefined {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  const lineOf = (offset: number) => {
    let line = 0;
    while (line + 1 < starts.length && starts[line + 1] <= offset) line++;
    return line + 1;
  };
  const doc = parseDocument(text, { uniqueKeys: false });
  return (location) => {
    const node = doc.errors.length === 0 ? nodeAt(doc.contents, location) : undefined;
    if (!node?.range) return undefined;
    return [lineOf(node.range[0]), lineOf(Math.max(node.range[0], node.range[1] - 1))];
  };
}

function nodeAt(root: unknown, location: readonly Step[]): Node | undefined {
  let node = root;
  for (const step of location) {
    if (isMap(node)) node = node.items.find((pair) => String((pair.key as { value?: unknown } | null)?.value ?? pair.key) === String(step))?.value;
    else if (isSeq(node) && typeof step === 'number') node = node.items[step];
    else return undefined;
  }
  return node as Node | undefined;
}
