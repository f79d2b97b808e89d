import { SopsError } from './errors';
import { formatYamlNumber, quotedYamlString } from './yaml-scalar';
import { Scalar, TreeMap, TreeNode } from './tree';

const INDENT = 4;

/**
 * Writes a tree as YAML in the layout sops (go-yaml v3, indent 4) produces:
 * nested keys +4, list dashes +4 under their key, and mappings inside list items
 * written compactly after "- " with their children at dash column + 4.
 */
export function emitYamlTree(root: TreeMap): string {
  if (root.entries.length === 0) return '{}\n';
  return mappingLines(root, 0, INDENT).join('\n') + '\n';
}

function spaces(n: number): string {
  return ' '.repeat(n);
}

function mappingLines(map: TreeMap, keyColumn: number, childIndent: number): string[] {
  const lines: string[] = [];
  for (const [key, value] of map.entries) {
    lines.push(...valueLines(`${spaces(keyColumn)}${formatKey(key)}:`, value, childIndent));
  }
  return lines;
}

function sequenceLines(items: TreeNode[], dashColumn: number): string[] {
  const lines: string[] = [];
  const dash = `${spaces(dashColumn)}-`;
  for (const item of items) {
    if (item instanceof TreeMap && item.entries.length > 0) {
      const itemLines = mappingLines(item, dashColumn + 2, dashColumn + INDENT);
      itemLines[0] = `${dash} ${itemLines[0].slice(dashColumn + 2)}`;
      lines.push(...itemLines);
    } else {
      lines.push(...valueLines(dash, item, dashColumn + INDENT));
    }
  }
  return lines;
}

/** Lines for a value that follows `prefix` ("key:" or "-"); nested content starts at childIndent. */
function valueLines(prefix: string, value: TreeNode, childIndent: number): string[] {
  if (value instanceof TreeMap) {
    if (value.entries.length === 0) return [`${prefix} {}`];
    return [prefix, ...mappingLines(value, childIndent, childIndent + INDENT)];
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return [`${prefix} []`];
    return [prefix, ...sequenceLines(value, childIndent)];
  }
  if (typeof value === 'string' && isLiteralBlockSafe(value)) {
    return [`${prefix} ${literalHeader(value)}`, ...literalBody(value, childIndent)];
  }
  return [`${prefix} ${formatScalar(value)}`];
}

function formatKey(key: string): string {
  return formatScalar(key);
}

function formatScalar(value: Scalar): string {
  if (value instanceof Uint8Array) {
    throw new SopsError('INVALID_INPUT', 'Byte arrays can only be stored as encrypted values; keep them under a key that gets encrypted.');
  }
  if (typeof value === 'string') return quotedYamlString(value);
  if (typeof value === 'number') return formatYamlNumber(value);
  return String(value); // boolean or null
}

/**
 * A literal block ("|") keeps multi-line values (PEM keys, armored age files) readable, as sops does.
 * Only used when it round-trips without an indentation indicator; otherwise the value is double-quoted.
 */
function isLiteralBlockSafe(value: string): boolean {
  if (!value.includes('\n') || /^[\s]/.test(value)) return false;
  if (/[^\t\n\x20-\x7e\u0085\u00a0-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u.test(value)) return false;
  return value.split('\n').every((line) => !/[ \t]$/.test(line));
}

function literalHeader(value: string): string {
  const trailing = /\n*$/.exec(value)![0].length;
  if (trailing === 0) return '|-';
  return trailing === 1 ? '|' : '|+';
}

function literalBody(value: string, indent: number): string[] {
  const body = value.endsWith('\n') ? value.slice(0, -1) : value;
  return body.split('\n').map((line) => (line === '' ? '' : spaces(indent) + line));
}
