/**
 * Structural checks of inventory files against the JSON Schemas in schema/,
 * the same schemas editors use. Ajv's terse messages are turned into sentences
 * that name the field and say what to write instead.
 */
import { ErrorObject, ValidateFunction } from 'ajv';
import clusterSchema from '../../schema/cluster.schema.json';
import globalServicesSchema from '../../schema/global-services.schema.json';
import meshSchema from '../../schema/mesh.schema.json';
import policiesSchema from '../../schema/policies.schema.json';
import { editDistance } from '../report/edit-distance';
import { formatFieldPath, Problem } from '../report/problems';
import { INVENTORY_KINDS, InventoryKind } from './kinds';
import { NameProblem, nameRuleProblems } from './name-rules';
import { schemaValidators } from './schema-validators';
import { FieldPath, SourceFile } from './source-file';

export { INVENTORY_KINDS };
export type { InventoryKind };

const SCHEMAS: Record<InventoryKind, object> = {
  Mesh: meshSchema,
  Cluster: clusterSchema,
  GlobalServices: globalServicesSchema,
  Policies: policiesSchema,
};

/** Schema file each kind is described by, for the `$schema` comment. */
export const SCHEMA_FILES: Record<InventoryKind, string> = {
  Mesh: 'mesh.schema.json',
  Cluster: 'cluster.schema.json',
  GlobalServices: 'global-services.schema.json',
  Policies: 'policies.schema.json',
};

let validators: Record<string, ValidateFunction> | undefined;

function validatorFor(kind: InventoryKind): ValidateFunction {
  validators ??= schemaValidators(Object.fromEntries(INVENTORY_KINDS.map((k) => [SCHEMA_FILES[k], SCHEMAS[k]])));
  return validators[SCHEMA_FILES[kind]];
}

export function isInventoryKind(value: unknown): value is InventoryKind {
  return typeof value === 'string' && (INVENTORY_KINDS as readonly string[]).includes(value);
}

export interface SchemaCheck {
  /** The file's shape is wrong: it cannot be read further. */
  readonly structure: Problem[];
  /** Names that break the rules of what they become (lib/inventory/name-rules.ts); the file can still be read. */
  readonly names: Problem[];
}

/** Checks a file against the schema of its kind and the name rules of its fields. */
export function checkAgainstSchema(file: SourceFile, kind: InventoryKind): SchemaCheck {
  const named = nameRuleProblems(file, kind);
  const names = named.map((n) => n.problem);
  const validate = validatorFor(kind);
  if (validate(file.data)) return { structure: [], names };
  const errors = dropNoise(validate.errors ?? []).filter((err) => !saidByNameRule(err, named));
  const misspelt = misspeltKeys(errors);
  const structure = errors
    .filter((err) => !(err.keyword === 'required' && [...misspelt.values()].some((m) => m.instancePath === err.instancePath && m.missing === err.params.missingProperty)))
    .map((err) => toProblem(file, err, SCHEMAS[kind], misspelt.get(err)?.missing));
  return { structure, names };
}

/** A pattern or length error about a value (or a key, for propertyNames) that a name rule already explains. */
function saidByNameRule(err: ErrorObject, named: readonly NameProblem[]): boolean {
  if (!['pattern', 'maxLength', 'propertyNames'].includes(err.keyword)) return false;
  const at = formatFieldPath(pointerToPath(err.instancePath));
  const aboutKey = err.keyword === 'propertyNames' || err.propertyName !== undefined;
  return named.some((n) => formatFieldPath(aboutKey ? n.path.slice(0, -1) : n.path) === at);
}

/**
 * An unknown key that is a misspelling of a missing required key (podCIRD for
 * podCidr) is one mistake: it is reported once, with the key it should be.
 */
function misspeltKeys(errors: readonly ErrorObject[]): Map<ErrorObject, { instancePath: string; missing: string }> {
  const result = new Map<ErrorObject, { instancePath: string; missing: string }>();
  for (const err of errors) {
    if (err.keyword !== 'additionalProperties') continue;
    const key = String(err.params.additionalProperty);
    const missing = errors.find(
      (e) => e.keyword === 'required' && e.instancePath === err.instancePath && closeSpelling(key, String(e.params.missingProperty)),
    );
    if (missing && ![...result.values()].some((m) => m.instancePath === err.instancePath && m.missing === missing.params.missingProperty)) {
      result.set(err, { instancePath: err.instancePath, missing: String(missing.params.missingProperty) });
    }
  }
  return result;
}

/** Same letters ignoring case, or at most two edits apart. */
function closeSpelling(a: string, b: string): boolean {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  if (x === y) return true;
  if (Math.abs(x.length - y.length) > 2) return false;
  return editDistance(x, y) <= 2;
}

/**
 * A failed `oneOf` reports every branch; the branch errors are enough. Ajv also
 * reports `if`/`oneOf` wrappers that add nothing a user can act on.
 */
function dropNoise(errors: ErrorObject[]): ErrorObject[] {
  const seen = new Set<string>();
  const kept: ErrorObject[] = [];
  for (const err of errors) {
    if (err.keyword === 'if') continue;
    const key = `${err.instancePath}|${err.keyword}|${JSON.stringify(err.params)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    kept.push(err);
  }
  // For `clusters: 'all' | [names]` style unions, one sentence about the union reads better.
  const unionPaths = new Set(kept.filter((e) => e.keyword === 'oneOf').map((e) => e.instancePath));
  // A value of the wrong type (version: 1.20, read as a number) also fails its
  // enum or pattern; the type error alone says what to do.
  const typePaths = new Set(kept.filter((e) => e.keyword === 'type').map((e) => e.instancePath));
  return kept
    .filter((e) => e.keyword === 'oneOf' || !unionPaths.has(e.instancePath))
    .filter((e) => e.keyword === 'type' || !typePaths.has(e.instancePath) || !['enum', 'const', 'pattern', 'maxLength', 'minLength'].includes(e.keyword));
}

function toProblem(file: SourceFile, err: ErrorObject, schema: object, meant?: string): Problem {
  const path = pointerToPath(err.instancePath);
  const described = describeAt(schema, err.schemaPath);
  const hint = described ? ` (${described})` : '';
  switch (err.keyword) {
    case 'additionalProperties': {
      const key = String(err.params.additionalProperty);
      const allowed = allowedKeys(schema, err.schemaPath);
      if (meant !== undefined) {
        return file.problem([...path, key], `is not a known key (a misspelling of '${meant}')`, `rename it to '${meant}'`, { atKey: true });
      }
      return file.problem([...path, key], 'is not a known key', `remove it or correct its spelling${allowed ? `; allowed here: ${allowed}` : ''}`, { atKey: true });
    }
    case 'required': {
      const key = String(err.params.missingProperty);
      const sub = describeProperty(schema, err.schemaPath, key);
      return file.problem(path, `is missing the required key '${key}'`, `add '${key}'${sub ? `: ${sub}` : ''}`);
    }
    case 'type': {
      const expected = String(err.params.type);
      const actual = valueAt(file.data, path);
      const written = file.sourceText(path) ?? String(actual);
      const quote = expected.includes('string') && typeof actual === 'number' ? ` (YAML reads ${written} as the number ${actual}: put it in quotes, "${written}")` : '';
      return file.problem(path, `must be ${article(expected)} ${expected}, not ${describeValue(actual)}${quote}`, `write ${article(expected)} ${expected}${hint}`);
    }
    case 'enum':
      return file.problem(path, `must be one of ${(err.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}, not ${describeValue(valueAt(file.data, path))}`, `use one of the allowed values${hint}`);
    case 'const':
      return file.problem(path, `must be ${JSON.stringify(err.params.allowedValue)}, not ${describeValue(valueAt(file.data, path))}`, `write ${JSON.stringify(err.params.allowedValue)}`);
    case 'pattern':
      return file.problem(path, `${describeValue(valueAt(file.data, path))} has the wrong form`, `write a value of the expected form${hint}`);
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return file.problem(path, `${describeValue(valueAt(file.data, path))} ${err.message}`, `choose a value in range${hint}`);
    case 'maxLength': {
      const actual = valueAt(file.data, path);
      const length = typeof actual === 'string' ? `${actual.length} characters, ` : '';
      return file.problem(path, `${describeValue(actual)} is too long (${length}at most ${err.params.limit} allowed)`, `shorten it${hint}`);
    }
    case 'minLength':
    case 'minItems':
    case 'maxItems':
    case 'uniqueItems':
      return file.problem(path, `${err.message}`, `correct it${hint}`);
    case 'oneOf':
      return file.problem(path, `${describeValue(valueAt(file.data, path))} is not allowed here`, `write a value of the expected form${hint}`);
    default:
      return file.problem(path, err.message ?? 'is not valid', `correct it${hint}`);
  }
}

function pointerToPath(pointer: string): FieldPath {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^(0|[1-9][0-9]*)$/.test(s) ? Number(s) : s));
}

/** Resolves a schema path like `#/properties/nodes/items/properties/ip/type` to its schema node. */
function schemaNodeAt(schema: object, schemaPath: string, dropLast: number): Record<string, unknown> | undefined {
  const steps = schemaPath.replace(/^#\//, '').split('/').slice(0, -dropLast || undefined);
  let node: unknown = schema;
  for (const step of steps) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[step.replace(/~1/g, '/').replace(/~0/g, '~')];
    node = resolveRef(schema, node);
  }
  return node && typeof node === 'object' ? (node as Record<string, unknown>) : undefined;
}

function resolveRef(schema: object, node: unknown): unknown {
  const ref = (node as { $ref?: string } | undefined)?.$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#/')) return node;
  const resolved = schemaNodeAt(schema, `${ref}/x`, 1);
  return { ...resolved, ...(node as object), $ref: undefined };
}

function describeAt(schema: object, schemaPath: string): string | undefined {
  const description = schemaNodeAt(schema, schemaPath, 1)?.description;
  return typeof description === 'string' ? description.replace(/\.$/, '') : undefined;
}

function describeProperty(schema: object, schemaPath: string, key: string): string | undefined {
  const parent = schemaNodeAt(schema, schemaPath, 1);
  const prop = resolveRef(schema, (parent?.properties as Record<string, unknown> | undefined)?.[key]) as { description?: string } | undefined;
  return prop?.description?.replace(/\.$/, '');
}

function allowedKeys(schema: object, schemaPath: string): string | undefined {
  const parent = schemaNodeAt(schema, schemaPath, 1);
  const props = parent?.properties;
  return props && typeof props === 'object' ? Object.keys(props).join(', ') : undefined;
}

function valueAt(data: unknown, path: FieldPath): unknown {
  let node = data;
  for (const step of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[step];
  }
  return node;
}

export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function article(word: string): string {
  return /^[aeiou]/.test(word) ? 'an' : 'a';
}
