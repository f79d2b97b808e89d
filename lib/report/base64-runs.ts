/**
 * The runs of base64 in a text that could hide key material, found by one
 * pass over its UTF-8 bytes: what `BASE64_RUN` in redact.ts matches, at a
 * fraction of its cost on large outputs (the regular expression tries its
 * look-behind at every character, and a file about to be written is already
 * bytes). test/report/base64-runs.test.ts holds the two equal on random texts.
 *
 * A run starts where a value starts (no base64 character before it), has at
 * least 40 base64 characters, then up to two '=', and may go on over lines
 * as `base64` wraps it: each further line holds, after optional blanks, at
 * least 4 base64 characters and up to two '='.
 */

/** Whether each byte is a base64 character (a byte of a multi-byte UTF-8 character never is). */
const BASE64_BYTES = new Uint8Array(256);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') BASE64_BYTES[c.charCodeAt(0)] = 1;

const MIN_FIRST_LINE = 40;
const MIN_NEXT_LINE = 4;
const EQUALS = 0x3d;
const SPACE = 0x20;
const TAB = 0x09;
const CR = 0x0d;
const LF = 0x0a;

/** A run found in bytes: its bounds, and a hash of its bytes to look it up by. */
export interface Base64ByteRun {
  readonly start: number;
  readonly end: number;
  readonly hash: number;
}

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 16777619;

/**
 * Every run in the bytes, in order, with an FNV-1a hash of each: a run is looked up by hash without
 * being cut out. The hash is taken in the same pass that finds the run (a second pass over the run
 * cost a quarter more), so a run too short to count is hashed for nothing, which costs less.
 */
export function base64RunsInBytes(bytes: Uint8Array): Base64ByteRun[] {
  const runs: Base64ByteRun[] = [];
  const length = bytes.length;
  let i = 0;
  while (i < length) {
    if (BASE64_BYTES[bytes[i]] === 0) {
      i++;
      continue;
    }
    const start = i;
    let hash = FNV_OFFSET;
    do {
      hash = Math.imul(hash ^ bytes[i], FNV_PRIME);
      i++;
    } while (i < length && BASE64_BYTES[bytes[i]] === 1);
    if (i - start < MIN_FIRST_LINE) continue;
    let end = i;
    while (end - i < 2 && end < length && bytes[end] === EQUALS) {
      hash = Math.imul(hash ^ EQUALS, FNV_PRIME);
      end++;
    }
    for (;;) {
      let j = end;
      while (j < length && (bytes[j] === SPACE || bytes[j] === TAB)) j++;
      if (j < length && bytes[j] === CR) j++;
      if (j >= length || bytes[j] !== LF) break;
      j++;
      while (j < length && (bytes[j] === SPACE || bytes[j] === TAB)) j++;
      const lineStart = j;
      while (j < length && BASE64_BYTES[bytes[j]] === 1) j++;
      if (j - lineStart < MIN_NEXT_LINE) break;
      const lineEnd = j;
      while (j - lineEnd < 2 && j < length && bytes[j] === EQUALS) j++;
      // The line joins the run: its bytes, and the blanks and break before it, join the hash.
      for (let k = end; k < j; k++) hash = Math.imul(hash ^ bytes[k], FNV_PRIME);
      end = j;
    }
    runs.push({ start, end, hash });
    i = end;
  }
  return runs;
}
