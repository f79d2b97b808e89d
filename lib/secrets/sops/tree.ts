import { SopsError } from './errors';

/** A leaf value as sops sees it (bytes only appear after decrypting a `type:bytes` value). */
export type Scalar = string | number | boolean | null | Uint8Array;

export type TreeNode = Scalar | TreeNode[] | TreeMap;

/**
 * A mapping with its document order kept explicitly: the MAC covers values in file order,
 * and plain JS objects move integer-like keys ("10", "2") to the front.
 */
export class TreeMap {
  constructor(readonly entries: Array<[string, TreeNode]>) {}

  get(key: string): TreeNode | undefined {
    return this.entries.find(([k]) => k === key)?.[1];
  }

  has(key: string): boolean {
    return this.entries.some(([k]) => k === key);
  }

  without(key: string): TreeMap {
    return new TreeMap(this.entries.filter(([k]) => k !== key));
  }
}

/** Where a leaf sits, for error messages: "spec.items[0].name". */
function describeLocation(parent: string, step: string | number): string {
  if (typeof step === 'number') return `${parent}[${step}]`;
  return parent === '' ? step : `${parent}.${step}`;
}

/**
 * Rebuilds the tree with every leaf replaced by `visit(leaf, path, location)`, in document order.
 * `path` is the sops path (map keys only: sops leaves list indices out of paths and AAD);
 * `location` also has list indices, for messages.
 */
export function mapLeaves(
  node: TreeNode,
  visit: (leaf: Scalar, path: readonly string[], location: string) => Scalar,
  path: string[] = [],
  location = '',
): TreeNode {
  if (node instanceof TreeMap) {
    return new TreeMap(node.entries.map(([key, value]) => [key, mapLeaves(value, visit, [...path, key], describeLocation(location, key))]));
  }
  if (Array.isArray(node)) {
    return node.map((item, i) => mapLeaves(item, visit, path, describeLocation(location, i)));
  }
  return visit(node, path, location || '(root)');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function pathLabel(path: readonly string[]): string {
  return path.length === 0 ? '(root)' : path.join('.');
}

/** Converts caller-supplied plaintext into a tree; undefined members are dropped like JSON does. */
export function treeFromPlain(value: unknown, path: string[] = []): TreeNode {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw new SopsError('INVALID_INPUT', `Value at ${pathLabel(path)} is ${value}; sops files can only hold finite numbers.`);
    }
    return value;
  }
  if (value instanceof Uint8Array) return value;
  if (Array.isArray(value)) return value.map((item) => treeFromPlain(item ?? null, path));
  if (isPlainObject(value)) {
    const entries: Array<[string, TreeNode]> = [];
    for (const key of Object.keys(value)) {
      if (value[key] !== undefined) entries.push([key, treeFromPlain(value[key], [...path, key])]);
    }
    return new TreeMap(entries);
  }
  const kind = value === undefined ? 'undefined' : (value as object).constructor?.name ?? typeof value;
  throw new SopsError(
    'INVALID_INPUT',
    `Value at ${pathLabel(path)} is a ${kind}; only strings, numbers, booleans, null, byte arrays, arrays and plain objects can be encrypted.`,
  );
}

/** Converts a tree back into plain JS data (Object.fromEntries keeps a "__proto__" key as data). */
export function treeToPlain(node: TreeNode): unknown {
  if (node instanceof TreeMap) {
    return Object.fromEntries(node.entries.map(([key, value]) => [key, treeToPlain(value)]));
  }
  if (Array.isArray(node)) return node.map(treeToPlain);
  return node;
}
