/**
 * The runs of base64 in a text that could hide key material, found by one
 * pass over its characters: what `BASE64_RUN` in redact.ts matches, at a
 * third of its cost on large outputs (the regular expression tries its
 * look-behind at every position). test/report/base64-runs.test.ts holds the
 * two equal on random texts.
 *
 * A run starts where a value starts (no base64 character before it), has at
 * least 40 base64 characters, then up to two '=', and may go on over lines
 * as `base64` wraps it: each further line holds, after optional blanks, at
 * least 4 base64 characters and up to two '='.
 */

/** Whether each character code below 128 is a base64 character. */
const BASE64 = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') BASE64[c.charCodeAt(0)] = 1;

const MIN_FIRST_LINE = 40;
const MIN_NEXT_LINE = 4;
const EQUALS = 0x3d;
const SPACE = 0x20;
const TAB = 0x09;
const CR = 0x0d;
const LF = 0x0a;

export interface Base64Run {
  /** Index of its first character. */
  readonly index: number;
  readonly text: string;
}

/** Every such run in `text`, in order. One plain loop: this runs over every byte of a synth's output. */
export function base64Runs(text: string): Base64Run[] {
  const runs: Base64Run[] = [];
  const length = text.length;
  let i = 0;
  while (i < length) {
    let c = text.charCodeAt(i);
    if (c >= 128 || BASE64[c] === 0) {
      i++;
      continue;
    }
    // i starts a run of base64 characters (the one before, if any, is not one).
    const start = i;
    do c = text.charCodeAt(++i);
    while (i < length && c < 128 && BASE64[c] === 1);
    if (i - start < MIN_FIRST_LINE) continue;
    let end = skipPadding(text, i);
    for (;;) {
      let j = skipBlanks(text, end);
      if (text.charCodeAt(j) === CR) j++;
      if (text.charCodeAt(j) !== LF) break;
      j = skipBlanks(text, j + 1);
      const lineStart = j;
      for (c = text.charCodeAt(j); j < length && c < 128 && BASE64[c] === 1; c = text.charCodeAt(++j));
      if (j - lineStart < MIN_NEXT_LINE) break;
      end = skipPadding(text, j);
    }
    runs.push({ index: start, text: text.slice(start, end) });
    i = end;
  }
  return runs;
}

function skipPadding(text: string, from: number): number {
  let i = from;
  while (i - from < 2 && text.charCodeAt(i) === EQUALS) i++;
  return i;
}

function skipBlanks(text: string, from: number): number {
  let i = from;
  for (let c = text.charCodeAt(i); c === SPACE || c === TAB; c = text.charCodeAt(++i));
  return i;
}

/** A run found in bytes: its bounds, and a hash of its bytes to look it up by. */
export interface Base64ByteRun {
  readonly start: number;
  readonly end: number;
  readonly hash: number;
}

const BASE64_BYTES = new Uint8Array(256);
BASE64_BYTES.set(BASE64);
const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 16777619;

/**
 * The same runs in the UTF-8 bytes of a text (bytes of multi-byte characters
 * are never base64), with an FNV-1a hash of each: a file about to be written
 * is scanned as the bytes it is written as, which is cheaper than scanning
 * its characters, and a run is looked up by hash without being cut out.
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
    do i++;
    while (i < length && BASE64_BYTES[bytes[i]] === 1);
    if (i - start < MIN_FIRST_LINE) continue;
    let end = i;
    while (end - i < 2 && end < length && bytes[end] === EQUALS) end++;
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
      end = j;
    }
    let hash = FNV_OFFSET;
    for (let k = start; k < end; k++) hash = Math.imul(hash ^ bytes[k], FNV_PRIME);
    runs.push({ start, end, hash });
    i = end;
  }
  return runs;
}
