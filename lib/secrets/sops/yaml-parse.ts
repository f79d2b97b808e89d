import { Document, isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, ScalarTag } from 'yaml';
import { SopsError } from './errors';
import { TreeMap, TreeNode } from './tree';

/**
 * Integers sops reads that YAML 1.2's core schema leaves as strings: binary, and a sign
 * before 0x or 0o (go-yaml v3's resolve.go hands plain scalars to Go's strconv.ParseInt
 * with base 0, which takes these prefixes after a sign).
 */
const PREFIXED_INTEGER: ScalarTag = {
  tag: 'tag:yaml.org,2002:int',
  default: true,
  test: /^[-+]?0b[01]+$|^[-+]0x[0-9a-fA-F]+$|^[-+]0o[0-7]+$/,
  resolve(text) {
    const sign = text.startsWith('-') ? -1 : 1;
    const digits = text.replace(/^[-+]/, '');
    const base = { b: 2, o: 8, x: 16 }[digits[1] as 'b' | 'o' | 'x'];
    return sign * parseInt(digits.slice(2), base);
  },
};

/**
 * Parses one YAML document into an ordered tree, walking the document's nodes so each
 * mapping keeps its keys in file order (the MAC covers values in that order).
 *
 * YAML 1.2's core schema keeps timestamps as strings, and without merge keys "<<" is an
 * ordinary key, which is how sops (go-yaml v3 into interface{}) reads them. A key that
 * appears twice in one mapping is an error.
 */
export function parseYamlTree(text: string): TreeNode {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    version: '1.2',
    schema: 'core',
    customTags: [PREFIXED_INTEGER],
    merge: false,
    uniqueKeys: true,
    prettyErrors: false,
    lineCounter,
  });
  // A warning is a tag the schema does not know (`!foo`, `!!set`): sops files have none.
  const error = doc.errors[0] ?? doc.warnings[0];
  if (error) {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    throw malformed(`${error.message} at line ${line}, column ${col}`, error);
  }
  return toTree(doc.contents, doc, lineCounter);
}

function malformed(problem: string, cause?: unknown): SopsError {
  return new SopsError('MALFORMED_FILE', `The file is not valid YAML (${problem}). Check that it was not truncated or hand-edited.`, { cause });
}

function toTree(node: unknown, doc: Document, lines: LineCounter): TreeNode {
  if (isAlias(node)) return toTree(node.resolve(doc), doc, lines);
  if (isMap(node)) {
    return new TreeMap(node.items.map((pair) => [keyText(pair.key, doc, lines), toTree(pair.value, doc, lines)]));
  }
  if (isSeq(node)) return node.items.map((item) => toTree(item, doc, lines));
  if (isScalar(node)) {
    const value = node.value;
    if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) return value as string | number | boolean | null;
    const { line, col } = lines.linePos(node.range?.[0] ?? 0);
    throw malformed(`the value at line ${line}, column ${col} has the tag ${node.tag ?? 'of another type'}, which sops does not write`);
  }
  return null; // an empty value
}

/** A mapping key as text: scalar keys such as 10 or true by their value, as sops writes them. */
function keyText(key: unknown, doc: Document, lines: LineCounter): string {
  const node = isAlias(key) ? key.resolve(doc) : key;
  if (node === null || node === undefined) return 'null';
  if (isScalar(node)) return String(node.value);
  const { line, col } = lines.linePos((node as { range?: [number] }).range?.[0] ?? 0);
  throw malformed(`a mapping or list is used as a key at line ${line}, column ${col}`);
}
