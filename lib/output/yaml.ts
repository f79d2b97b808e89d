/**
 * YAML text for the manifests, byte for byte what cdk8s's `Yaml.stringify`
 * gives (the `yaml` library's Document model, YAML 1.1 schema, no line
 * folding), at a fraction of its cost: the library builds a node tree, looks
 * for aliases and resolves every scalar's tag before writing a character,
 * which was half of a large synth's CPU time.
 *
 * This writes plain objects, arrays, strings, numbers, booleans and null
 * directly, following the library's rules for when and how a string is quoted
 * or written as a block. Anything else (a Date, a Map, a class instance, an
 * object referenced twice, which the library writes as an anchor and alias)
 * is handed to the library, so the bytes are the same for every input.
 * test/output/yaml.property.test.ts holds the two equal on random documents.
 */
import { Yaml } from 'cdk8s';

/** Thrown inside the writer when a document holds something only the library writes. */
class Unsupported extends Error {}

const INDENT_STEP = '  ';
/** A key written longer than this becomes an explicit key (`? key`), which the library does. */
const MAX_IMPLICIT_KEY = 1024;

/** Strings the library writes with double quotes whatever the context: control characters, lone surrogates. */
const NEEDS_ESCAPES = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u{D800}-\u{DFFF}]/u;
/** Characters and sequences a plain scalar may not hold (the library's own test). */
const NOT_PLAIN = /^[\n\t ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-][ \t]|[\n:][ \t]|[ \t]\n|[\n\t ]#|[\n\t :]$/;
const DOCUMENT_MARKER = /^(%|---|\.\.\.)/m;
/**
 * Plain text a YAML 1.1 reader would take for another type (the tests of the
 * schema's null, bool, int, float, merge and timestamp tags): such a string is quoted.
 */
const OTHER_TYPE = new RegExp(
  [
    /^(?:~|[Nn]ull|NULL)?$/,
    /^(?:Y|y|[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/,
    /^(?:N|n|[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/,
    /^[-+]?0b[0-1_]+$/,
    /^[-+]?0[0-7_]+$/,
    /^[-+]?[0-9][0-9_]*$/,
    /^[-+]?0x[0-9a-fA-F_]+$/,
    /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/,
    /^[-+]?(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?[eE][-+]?[0-9]+$/,
    /^[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*$/,
    /^<<$/,
    /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+$/,
    /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*$/,
    /^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:(?:t|T|[ \t]+)([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2}(\.[0-9]+)?)(?:[ \t]*(Z|[-+][012]?[0-9](?::[0-9]{2})?))?)?$/,
  ]
    .map((r) => `(?:${r.source})`)
    .join('|'),
);
/** Most strings in a manifest: nothing in them can need quotes (first character a letter, then no ':', '#', space or newline). */
const SAFE_PLAIN = /^[A-Za-z/_][A-Za-z0-9._/=-]*$/;
/** The longest word OTHER_TYPE matches among strings SAFE_PLAIN passes ('FALSE'). */
const LONGEST_KEYWORD = 5;

/** `docs` as one YAML stream, separated by `---`, exactly as cdk8s's `Yaml.stringify(...docs)`. */
export function toYaml(...docs: unknown[]): string {
  let out = '';
  for (let i = 0; i < docs.length; i++) {
    if (i > 0) out += '---\n';
    out += documentText(docs[i]);
  }
  return out;
}

function documentText(doc: unknown): string {
  if (doc === undefined) return '\n';
  try {
    return `${node(doc, '', new Set())}\n`;
  } catch (err) {
    if (!(err instanceof Unsupported)) throw err;
    return Yaml.stringify(doc);
  }
}

/** A value at a position whose indentation (the library's `ctx.indent`) is `indent`. */
function node(value: unknown, indent: string, seen: Set<object>): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string':
      return scalar(value, indent, false);
    case 'number':
      return numberText(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (seen.has(value)) throw new Unsupported();
      seen.add(value);
      if (Array.isArray(value)) return sequence(value, indent, seen);
      if (isPlainObject(value)) return mapping(value as Record<string, unknown>, indent, seen);
      throw new Unsupported();
    default:
      throw new Unsupported();
  }
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return (proto === Object.prototype || proto === null) && typeof (value as { toJSON?: unknown }).toJSON !== 'function';
}

function isCollection(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

function mapping(map: Record<string, unknown>, indent: string, seen: Set<object>): string {
  const keys = Object.keys(map);
  if (keys.length === 0) return '{}';
  const inner = indent + INDENT_STEP;
  let out = '';
  for (let i = 0; i < keys.length; i++) {
    const key = scalar(keys[i], inner, true);
    if (key.length > MAX_IMPLICIT_KEY) throw new Unsupported();
    const value = map[keys[i]];
    const text = node(value, inner, seen);
    // A non-empty collection starts on the next line; an empty one is `{}` or `[]` after the key. (Asking
    // the text instead would copy it whole at every level: a text built by `+=` is flattened to be searched.)
    const gap = isCollection(value) && !isEmpty(value) ? `\n${inner}` : ' ';
    out += (i === 0 ? '' : `\n${indent}`) + key + ':' + gap + text;
  }
  return out;
}

function isEmpty(value: object): boolean {
  return Array.isArray(value) ? value.length === 0 : Object.keys(value).length === 0;
}

function sequence(items: readonly unknown[], indent: string, seen: Set<object>): string {
  if (items.length === 0) return '[]';
  const inner = indent + INDENT_STEP;
  let out = '';
  for (let i = 0; i < items.length; i++) out += (i === 0 ? '- ' : `\n${indent}- `) + node(items[i], inner, seen);
  return out;
}

function numberText(value: number): string {
  if (!isFinite(value)) return isNaN(value) ? '.nan' : value < 0 ? '-.inf' : '.inf';
  return Object.is(value, -0) ? '-0' : JSON.stringify(value);
}

/** A string as a key (`implicitKey`) or a value, at indentation `indent`. */
function scalar(value: string, indent: string, implicitKey: boolean): string {
  if (writtenAsIs(value)) return value;
  if (NEEDS_ESCAPES.test(value)) return doubleQuoted(value, indent, implicitKey);
  return plain(value, indent, implicitKey);
}

/**
 * Whether a string is written as it is, as a key or a value at any
 * indentation: the tests of `scalar` and `plain` that lead to no quotes and no
 * block. Manifests repeat the same strings (names, addresses, each peer's
 * Secret entry in every cluster), so the verdict is remembered; bounded, for a
 * process that writes many documents.
 */
function writtenAsIs(value: string): boolean {
  if (value.length > MAX_REMEMBERED) return testedAsIs(value);
  let asIs = AS_IS.get(value);
  if (asIs === undefined) {
    asIs = testedAsIs(value);
    if (AS_IS.size >= MAX_AS_IS) AS_IS.clear();
    AS_IS.set(value, asIs);
  }
  return asIs;
}

function testedAsIs(value: string): boolean {
  return (
    (SAFE_PLAIN.test(value) && (value.length > LONGEST_KEYWORD || !OTHER_TYPE.test(value))) ||
    // The library writes '<<' through YAML 1.1's merge tag, unquoted.
    value === '<<' ||
    (!NEEDS_ESCAPES.test(value) && !value.includes('\n') && !NOT_PLAIN.test(value) && !DOCUMENT_MARKER.test(value) && !OTHER_TYPE.test(value))
  );
}

const AS_IS = new Map<string, boolean>();
/** At most this many strings of at most this length: a few MiB. */
const MAX_AS_IS = 8192;
const MAX_REMEMBERED = 512;

function plain(value: string, indent: string, implicitKey: boolean): string {
  const multiLine = value.includes('\n');
  if (implicitKey && multiLine) return quoted(value, indent, implicitKey);
  if (NOT_PLAIN.test(value)) return implicitKey || !multiLine ? quoted(value, indent, implicitKey) : block(value, indent, false);
  if (!implicitKey && multiLine) return block(value, indent, false);
  if (DOCUMENT_MARKER.test(value)) {
    if (indent === '') return block(value, indent, true);
    if (implicitKey && indent === INDENT_STEP) return quoted(value, indent, implicitKey);
  }
  if (OTHER_TYPE.test(value)) return quoted(value, indent, implicitKey);
  return value;
}

function quoted(value: string, indent: string, implicitKey: boolean): string {
  const hasDouble = value.includes('"');
  const hasSingle = value.includes("'");
  return hasDouble && !hasSingle ? singleQuoted(value, indent, implicitKey) : doubleQuoted(value, indent, implicitKey);
}

function singleQuoted(value: string, indent: string, implicitKey: boolean): string {
  if ((implicitKey && value.includes('\n')) || /[ \t]\n|\n[ \t]/.test(value)) return doubleQuoted(value, indent, implicitKey);
  const at = indent || (DOCUMENT_MARKER.test(value) ? INDENT_STEP : '');
  return "'" + value.replace(/'/g, "''").replace(/\n+/g, `$&\n${at}`) + "'";
}

/** The library's double-quoted style: JSON escapes, YAML's short escapes, and line breaks kept as breaks in a long value. */
function doubleQuoted(value: string, indent: string, implicitKey: boolean): string {
  const json = JSON.stringify(value);
  const at = indent || (DOCUMENT_MARKER.test(value) ? INDENT_STEP : '');
  let str = '';
  let start = 0;
  for (let i = 0, ch = json[i]; ch; ch = json[++i]) {
    if (ch === ' ' && json[i + 1] === '\\' && json[i + 2] === 'n') {
      // A space before a break is escaped, or a reader would fold it away.
      str += json.slice(start, i) + '\\ ';
      i += 1;
      start = i;
      ch = '\\';
    }
    if (ch !== '\\') continue;
    switch (json[i + 1]) {
      case 'u': {
        str += json.slice(start, i);
        const code = json.substr(i + 2, 4);
        str += SHORT_ESCAPES[code] ?? (code.startsWith('00') ? `\\x${code.substr(2)}` : json.substr(i, 6));
        i += 5;
        start = i + 1;
        break;
      }
      case 'n':
        if (implicitKey || json[i + 2] === '"' || json.length < 40) {
          i += 1;
        } else {
          // The first break is folded away by a reader, so it is written twice.
          str += json.slice(start, i) + '\n\n';
          while (json[i + 2] === '\\' && json[i + 3] === 'n' && json[i + 4] !== '"') {
            str += '\n';
            i += 2;
          }
          str += at;
          if (json[i + 2] === ' ') str += '\\';
          i += 1;
          start = i + 1;
        }
        break;
      default:
        i += 1;
    }
  }
  return start ? str + json.slice(start) : json;
}

const SHORT_ESCAPES: Readonly<Record<string, string>> = {
  '0000': '\\0',
  '0007': '\\a',
  '000b': '\\v',
  '001b': '\\e',
  '0085': '\\N',
  '00a0': '\\_',
  '2028': '\\L',
  '2029': '\\P',
};

const BLOCK_END_NEWLINES = /(^|(?<!\n))\n+(?!\n|$)/g;

/** A literal block scalar (`|`), with the chomping and indentation indicators the value needs. */
function block(value: string, indent: string, forceIndent: boolean): string {
  // A block cannot end in whitespace after its last break: quoted instead.
  if (/\n[\t ]+$/.test(value)) return quoted(value, indent, false);
  const at = indent || (forceIndent || DOCUMENT_MARKER.test(value) ? INDENT_STEP : '');
  if (!value) return '|\n';
  let endStart = value.length;
  for (; endStart > 0; --endStart) {
    const ch = value[endStart - 1];
    if (ch !== '\n' && ch !== '\t' && ch !== ' ') break;
  }
  let end = value.substring(endStart);
  const endNl = end.indexOf('\n');
  const chomp = endNl === -1 ? '-' : value === end || endNl !== end.length - 1 ? '+' : '';
  if (end) {
    value = value.slice(0, -end.length);
    if (end[end.length - 1] === '\n') end = end.slice(0, -1);
    end = end.replace(BLOCK_END_NEWLINES, `$&${at}`);
  }
  let startWithSpace = false;
  let startEnd = 0;
  let startNl = -1;
  for (; startEnd < value.length; ++startEnd) {
    const ch = value[startEnd];
    if (ch === ' ') startWithSpace = true;
    else if (ch === '\n') startNl = startEnd;
    else break;
  }
  let start = value.substring(0, startNl < startEnd ? startNl + 1 : startEnd);
  if (start) {
    value = value.substring(start.length);
    start = start.replace(/\n+/g, `$&${at}`);
  }
  const header = (startWithSpace ? (at ? '2' : '1') : '') + chomp;
  return `|${header}\n${at}${start}${value.replace(/\n+/g, `$&${at}`)}${end}`;
}
