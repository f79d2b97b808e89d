import * as yaml from 'js-yaml';
import { describeError, SopsError } from './errors';
import { TreeMap, TreeNode } from './tree';

/**
 * Parses one YAML document into an ordered tree.
 *
 * CORE_SCHEMA keeps timestamps as strings and treats "<<" as an ordinary key, which is how
 * sops (go-yaml v3 into interface{}) reads them. js-yaml builds plain objects, so the
 * document order of each mapping's keys is recorded from the parser's node events.
 */
export function parseYamlTree(text: string): TreeNode {
  const keyOrder = new WeakMap<object, string[]>();
  const openNodes: unknown[][] = [];
  let document: unknown;
  try {
    document = yaml.load(text, {
      schema: yaml.CORE_SCHEMA,
      listener(event, state) {
        if (event === 'open') {
          openNodes.push([]);
          return;
        }
        // Children of a mapping close in order: key, value, key, value, ...
        const children = openNodes.pop() ?? [];
        const result: unknown = state.result;
        if (state.kind === 'mapping' && result !== null && typeof result === 'object') {
          keyOrder.set(result, children.filter((_, i) => i % 2 === 0).map(String));
        }
        openNodes[openNodes.length - 1]?.push(result);
      },
    });
  } catch (err) {
    throw new SopsError('MALFORMED_FILE', `The file is not valid YAML (${yamlProblem(err)}). Check that it was not truncated or hand-edited.`, {
      cause: err,
    });
  }
  return toTree(document, keyOrder);
}

/** js-yaml's reason and position, without the multi-line source excerpt of its full message. */
function yamlProblem(err: unknown): string {
  if (err instanceof yaml.YAMLException && err.mark) return `${err.reason} at line ${err.mark.line + 1}, column ${err.mark.column + 1}`;
  return describeError(err);
}

function orderedKeys(object: Record<string, unknown>, recorded: string[] | undefined): string[] {
  const actual = Object.keys(object);
  // Fall back to object order for constructs where key/value events do not pair up (e.g. `{a, b: 1}`).
  if (recorded && recorded.length === actual.length && new Set(recorded).size === actual.length && recorded.every((k) => Object.prototype.hasOwnProperty.call(object, k))) {
    return recorded;
  }
  return actual;
}

function toTree(value: unknown, keyOrder: WeakMap<object, string[]>): TreeNode {
  if (Array.isArray(value)) return value.map((item) => toTree(item, keyOrder));
  if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    return new TreeMap(orderedKeys(object, keyOrder.get(object)).map((key) => [key, toTree(object[key], keyOrder)]));
  }
  if (value === undefined) return null;
  return value as string | number | boolean | null;
}
