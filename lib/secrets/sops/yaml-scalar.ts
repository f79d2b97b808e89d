/**
 * How one scalar of a sops file is written, so that every reader the file meets takes it
 * back as the same value: sops itself (go-yaml v3, which keeps YAML 1.1's octals, binary
 * and underscored numbers and its timestamps), YAML 1.2 readers, and YAML 1.1 readers
 * that still take yes/no/on/off/y/n for booleans.
 *
 * A string is written plain when every character is printable, nothing in it ends or
 * changes a plain scalar (an indicator first, ': ', ' #', a space or ':' last), and no
 * reader takes the plain text for another type; otherwise it is double-quoted with YAML's
 * escapes. These are the rules the files this project wrote so far follow, so they keep
 * their bytes; the rules of the `yaml` library's YAML 1.1 and 1.2 schemas are checked as
 * well, so a spelling no rule below lists (`1_000`, `+.5`, `1e999`) is quoted rather than misread.
 */
import { Schema } from 'yaml';

/** YAML escapes for characters that have a short one (YAML 1.2, 5.7 "Escaped Characters"). */
const SHORT_ESCAPES: ReadonlyMap<number, string> = new Map([
  [0x00, '\\0'],
  [0x07, '\\a'],
  [0x08, '\\b'],
  [0x09, '\\t'],
  [0x0a, '\\n'],
  [0x0b, '\\v'],
  [0x0c, '\\f'],
  [0x0d, '\\r'],
  [0x1b, '\\e'],
  [0x22, '\\"'],
  [0x5c, '\\\\'],
  [0x85, '\\N'],
  [0xa0, '\\_'],
  [0x2028, '\\L'],
  [0x2029, '\\P'],
]);

/** YAML 1.1 booleans and sexagesimal numbers: read as such by YAML 1.1 readers, strings in 1.2. */
const YAML_1_1_BOOLEANS = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'on', 'On', 'ON', 'n', 'N', 'no', 'No', 'NO', 'off', 'Off', 'OFF']);
const SEXAGESIMAL = /^[-+]?[0-9_]+(?::[0-9_]+)+(?:\.[0-9_]*)?$/;

/** Plain text that is another type: null, bool, int, float, timestamp, merge key. */
const OTHER_TYPE: readonly RegExp[] = [
  /^(?:~|null|Null|NULL)$/,
  /^(?:true|True|TRUE|false|False|FALSE)$/,
  /^[-+]?(?:0b[01]+|0x[0-9a-fA-F]+|0o[0-7]+|[0-9]+)$/,
  /^(?:[-+]?[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?|\.[0-9]+(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
  /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/,
  /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?$/,
  /^<<$/,
];

/** The YAML 1.2 core and YAML 1.1 schemas: a plain scalar one of their default tags matches is not a string. */
const READER_SCHEMAS = [new Schema({ schema: 'core' }), new Schema({ schema: 'yaml-1.1' })];

const SCIENTIFIC_WITHOUT_DOT = /^[-+]?[0-9]+e/;

/** A string as a YAML scalar on one line: plain where that reads back the same, else double-quoted. */
export function quotedYamlString(value: string): string {
  if (value === '') return '""';
  return plainIsSafe(value) ? value : `"${escaped(value)}"`;
}

/** A number as YAML: integers in decimal, others as JavaScript writes them (with a '.' before any exponent), `.inf`, `.nan`. */
export function formatYamlNumber(value: number): string {
  if (Number.isNaN(value)) return '.nan';
  if (value === Infinity) return '.inf';
  if (value === -Infinity) return '-.inf';
  if (Object.is(value, -0)) return '-0.0';
  const text = value.toString(10);
  if (Number.isInteger(value)) return text;
  // JavaScript writes 5e-100; YAML's float pattern wants 5.e-100.
  return SCIENTIFIC_WITHOUT_DOT.test(text) ? text.replace('e', '.e') : text;
}

function plainIsSafe(value: string): boolean {
  const codePoints = Array.from(value, (c) => c.codePointAt(0)!);
  if (!isPlainSafeFirst(codePoints[0]) || !isPlainSafeLast(codePoints[codePoints.length - 1])) return false;
  let previous: number | undefined;
  for (const c of codePoints) {
    if (!isPrintable(c) || !isPlainSafe(c, previous)) return false;
    previous = c;
  }
  if (YAML_1_1_BOOLEANS.has(value) || SEXAGESIMAL.test(value) || OTHER_TYPE.some((pattern) => pattern.test(value))) return false;
  // How the library's composer resolves a plain scalar (compose/compose-scalar.js, findScalarTagByTest).
  return !READER_SCHEMAS.some((schema) => schema.tags.some((tag) => tag.default && 'test' in tag && tag.test?.test(value)));
}

/** YAML 1.2 nb-char without tab, NEL, NBSP, the line and paragraph separators and the BOM: written as is. */
function isPrintable(c: number): boolean {
  return (
    (c >= 0x20 && c <= 0x7e) ||
    (c >= 0xa1 && c <= 0xd7ff && c !== 0x2028 && c !== 0x2029) ||
    (c >= 0xe000 && c <= 0xfffd && c !== 0xfeff) ||
    (c >= 0x10000 && c <= 0x10ffff)
  );
}

function isWhitespace(c: number | undefined): boolean {
  return c === 0x20 || c === 0x09;
}

/** ns-char or white space (YAML 1.2 [34]). */
function isCharOrWhitespace(c: number | undefined): boolean {
  return c !== undefined && isPrintable(c) && c !== 0xfeff && c !== 0x0d && c !== 0x0a;
}

/** YAML 1.2 [130] ns-plain-char in block context: '#' only after a non-space, ':' only before a non-space. */
function isPlainSafe(c: number, previous: number | undefined): boolean {
  const cIsChar = isCharOrWhitespace(c) && !isWhitespace(c);
  return (
    (isCharOrWhitespace(c) && c !== 0x23 && !(previous === 0x3a && !cIsChar)) ||
    (isCharOrWhitespace(previous) && !isWhitespace(previous) && c === 0x23) ||
    (previous === 0x3a && cIsChar)
  );
}

/** No white space and no indicator (YAML 1.2 [22] c-indicator) first. */
function isPlainSafeFirst(c: number): boolean {
  return isPrintable(c) && c !== 0xfeff && !isWhitespace(c) && !'-?:,[]{}#&*!|=>\'"%@`'.includes(String.fromCodePoint(c));
}

/** No white space (it would be dropped) and no ':' (it would make a key) last. */
function isPlainSafeLast(c: number): boolean {
  return !isWhitespace(c) && c !== 0x3a;
}

/** The inside of a double-quoted scalar: short escapes where YAML has one, \x, \u or \U for other unprintable characters. */
function escaped(value: string): string {
  let out = '';
  for (const char of value) {
    const c = char.codePointAt(0)!;
    const short = SHORT_ESCAPES.get(c);
    if (short) out += short;
    else if (isPrintable(c)) out += char;
    else out += hexEscape(c);
  }
  return out;
}

function hexEscape(c: number): string {
  const hex = c.toString(16).toUpperCase();
  if (c <= 0xff) return `\\x${hex.padStart(2, '0')}`;
  if (c <= 0xffff) return `\\u${hex.padStart(4, '0')}`;
  return `\\U${hex.padStart(8, '0')}`;
}
