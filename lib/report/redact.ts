/**
 * Key material in text (k3s join tokens too): found, to refuse a file that would publish it, and
 * removed, from text shown to people (a message may quote what the user wrote,
 * and what they wrote may be a secret pasted in the wrong place: an age
 * identity among the recipients, a private key in a comment). The patterns live
 * here only, so what is refused and what is redacted cannot drift apart.
 */
import { base64RunsInBytes, Base64ByteRun } from './base64-runs';

/** age identities, classic and post-quantum (bech32, so letters and digits only). */
const AGE_IDENTITY = /AGE-SECRET-KEY-(PQ-)?1[0-9A-Za-z]{20,}/g;
/**
 * A k3s token in k3s's secure format, `K10<SHA-256 of the cluster CA>::<credentials>`
 * (k3s-io/docs docs/cli/token.md): what /var/lib/rancher/k3s/server/token holds,
 * and what joins any node to that cluster. The short format is a bare password
 * and cannot be told from other text; it is kept out of dist/ by never being rendered.
 */
const K3S_SECURE_TOKEN = /K10[0-9a-f]{64}::[A-Za-z0-9._:-]+/g;
/** PEM private keys of any type, up to their end line or, when cut off, to the end of the text. */
const PEM_PRIVATE_KEY = /-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY-----[\s\S]*?(-----END ([A-Z0-9]+ )*PRIVATE KEY-----|$)/g;
/**
 * A run of base64 long enough to hide a key (base64 of the shortest PEM header
 * alone is 36 characters), also when wrapped over several lines as `base64`
 * prints it. It starts where a value starts, so it decodes from its first byte.
 * (base64-runs.ts finds the same runs in a text's bytes, faster, for large texts.)
 */
export const BASE64_RUN = /(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{40,}={0,2}(?:[ \t]*\r?\n[ \t]*[A-Za-z0-9+/]{4,}={0,2})*/g;
/** Base64 inside base64 (a Secret's `data` holding Helm values that hold a base64 key) is unwrapped this deep. */
const MAX_BASE64_DEPTH = 3;

export const REDACTED_IDENTITY = '<age identity, redacted>';
export const REDACTED_PRIVATE_KEY = '<private key, redacted>';
export const REDACTED_BASE64_KEY = '<base64 of a private key, redacted>';
export const REDACTED_K3S_TOKEN = '<k3s join token, redacted>';

export type KeyMaterialKind = 'PEM private key' | 'age identity' | 'k3s join token' | 'base64-encoded private key';

/** The kind with its article, for messages: "a PEM private key", "an age identity". */
export function describeKeyMaterial(kind: KeyMaterialKind): string {
  return `${/^[aeiou]/i.test(kind) ? 'an' : 'a'} ${kind}`;
}

export interface KeyMaterialFinding {
  readonly kind: KeyMaterialKind;
  /** 1-based line of the text where it starts. */
  readonly line: number;
}

/** Every piece of key material in clear in `text`: PEM private keys, age identities, and either of them base64-encoded (nested too). */
export function findKeyMaterial(text: string): KeyMaterialFinding[] {
  return keyMaterialIn(text, Buffer.from(text, 'utf8'));
}

/**
 * findKeyMaterial for the UTF-8 bytes of a text (a file about to be written),
 * with the same findings, faster. The three patterns have literal parts
 * ('PRIVATE KEY', 'AGE-SECRET-KEY-', a token's '::'): bytes holding none of
 * them can only hide a key in base64, and are not decoded to text at all.
 */
export function findKeyMaterialInBytes(bytes: Buffer): KeyMaterialFinding[] {
  const literal = bytes.includes('PRIVATE KEY') || bytes.includes('AGE-SECRET-KEY-') || bytes.includes('::');
  return keyMaterialIn(literal ? bytes.toString('utf8') : undefined, bytes);
}

/** The patterns in `text` (when given: the bytes may hold one), and the base64 runs of `bytes`, its UTF-8 bytes, found and remembered there. */
function keyMaterialIn(text: string | undefined, bytes: Buffer): KeyMaterialFinding[] {
  const found: KeyMaterialFinding[] = [];
  if (text !== undefined) {
    const lineAt = (index: number) => lineOfIndex(text, index);
    for (const m of text.matchAll(PEM_PRIVATE_KEY)) found.push({ kind: 'PEM private key', line: lineAt(m.index) });
    for (const m of text.matchAll(AGE_IDENTITY)) found.push({ kind: 'age identity', line: lineAt(m.index) });
    for (const m of text.matchAll(K3S_SECURE_TOKEN)) found.push({ kind: 'k3s join token', line: lineAt(m.index) });
  }
  for (const run of base64RunsInBytes(bytes)) {
    if (runHidesKeyMaterial(bytes, run)) found.push({ kind: 'base64-encoded private key', line: lineOfByte(bytes, run.start) });
  }
  return found.sort((a, b) => a.line - b.line);
}

/**
 * Rendered output repeats the same base64 values many times (every cluster
 * holds each peer's configuration): a value is decoded once, and found again
 * by its hash, its bytes telling collisions apart. Bounded in count and
 * length, so remembering costs at most a few MiB.
 */
const RUN_VERDICTS = new Map<number, { readonly run: Buffer; readonly verdict: boolean }[]>();
let remembered = 0;
const MAX_RUN_VERDICTS = 4096;
const MAX_REMEMBERED_RUN = 8192;

function runHidesKeyMaterial(bytes: Buffer, { start, end, hash }: Base64ByteRun): boolean {
  const length = end - start;
  // A run is ASCII, so its bytes are its characters.
  if (length > MAX_REMEMBERED_RUN) return hidesKeyMaterial(bytes.toString('latin1', start, end), MAX_BASE64_DEPTH);
  const known = RUN_VERDICTS.get(hash);
  if (known) for (const entry of known) if (entry.run.length === length && bytes.compare(entry.run, 0, length, start, end) === 0) return entry.verdict;
  const verdict = hidesKeyMaterial(bytes.toString('latin1', start, end), MAX_BASE64_DEPTH);
  if (remembered >= MAX_RUN_VERDICTS) {
    RUN_VERDICTS.clear();
    remembered = 0;
  }
  RUN_VERDICTS.set(hash, [...(known ?? []), { run: Buffer.from(bytes.subarray(start, end)), verdict }]);
  remembered++;
  return verdict;
}

function lineOfByte(bytes: Buffer, offset: number): number {
  let line = 1;
  for (let i = bytes.indexOf(0x0a); i >= 0 && i < offset; i = bytes.indexOf(0x0a, i + 1)) line++;
  return line;
}

export function containsKeyMaterial(text: string): boolean {
  return findKeyMaterial(text).length > 0;
}

export function redactSecrets(text: string): string {
  return text
    .replace(PEM_PRIVATE_KEY, REDACTED_PRIVATE_KEY)
    .replace(AGE_IDENTITY, REDACTED_IDENTITY)
    .replace(K3S_SECURE_TOKEN, REDACTED_K3S_TOKEN)
    .replace(BASE64_RUN, (run) => (hidesKeyMaterial(run, MAX_BASE64_DEPTH) ? REDACTED_BASE64_KEY : run));
}

/** The key patterns without the global flag, compiled once: `test` on them keeps no state between texts. */
const KEY_PATTERNS: readonly RegExp[] = [PEM_PRIVATE_KEY, AGE_IDENTITY, K3S_SECURE_TOKEN].map((pattern) => new RegExp(pattern.source, pattern.flags.replace('g', '')));

/** Whether a base64 run decodes to text that holds key material, directly or in base64 again. */
function hidesKeyMaterial(run: string, depth: number): boolean {
  const decoded = Buffer.from(run.replace(/\s+/g, ''), 'base64').toString('latin1');
  // Ciphertext, DER and compressed data decode to binary: nothing to read there.
  if (!looksLikeText(decoded)) return false;
  if (KEY_PATTERNS.some((pattern) => pattern.test(decoded))) return true;
  if (depth <= 1) return false;
  for (const m of decoded.matchAll(BASE64_RUN)) if (hidesKeyMaterial(m[0], depth - 1)) return true;
  return false;
}

/** Mostly printable ASCII (a little slack for a cut-off last byte or two). */
function looksLikeText(decoded: string): boolean {
  let binary = 0;
  for (let i = 0; i < decoded.length; i++) {
    const c = decoded.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c > 0x7e) binary++;
  }
  return binary <= 2 + decoded.length / 100;
}

function lineOfIndex(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}
