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
