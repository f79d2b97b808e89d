/**
 * Validates Kubernetes objects against the upstream JSON schemas in schemas/
 * of ../shared or of the test-data cache (kubeconform layout; see paths.ts),
 * and Helm values against a chart's values.schema.json. Compiling is slow (the Argo CD schemas are 2 MB), so
 * every schema is read and compiled once per test file and cached.
 */
import { existsSync, readFileSync } from 'fs';
import { join } from 'path';
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { UPSTREAM_DIR } from './paths';

/** Kubernetes release of the core schemas; standalone-strict = no $ref, additionalProperties: false. */
export const CORE_SCHEMA_DIR = 'schemas/v1.32.2-standalone-strict';
export const CRD_SCHEMA_DIR = 'schemas/crds';

export interface KubeObject {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: { name?: string; namespace?: string; annotations?: Record<string, string>; [key: string]: unknown };
  [key: string]: unknown;
}

/** Objects with this annotation are partial: merged server-side into an object another manager owns. */
export const SSA_MERGE_ANNOTATION = 'kustomize.toolkit.fluxcd.io/ssa';

export function isPartialPatch(object: KubeObject): boolean {
  return object.metadata?.annotations?.[SSA_MERGE_ANNOTATION] === 'Merge';
}

/**
 * Schema files that may describe an apiVersion/kind, relative to UPSTREAM_DIR,
 * in the order kubeconform tries them: `<kind>[-<group prefix>]-<version>.json`
 * for core kinds (`apps/v1 Deployment` -> deployment-apps-v1.json,
 * `networking.k8s.io/v1 NetworkPolicy` -> networkpolicy-networking-v1.json,
 * `v1 Service` -> service-v1.json), then `crds/<group>/<kind>_<version>.json`.
 */
export function schemaCandidates(apiVersion: string, kind: string): string[] {
  const slash = apiVersion.lastIndexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  const lowerKind = kind.toLowerCase();
  const candidates = [join(CORE_SCHEMA_DIR, group === '' ? `${lowerKind}-${version}.json` : `${lowerKind}-${group.split('.')[0]}-${version}.json`)];
  if (group !== '') candidates.push(join(CRD_SCHEMA_DIR, group, `${lowerKind}_${version}.json`));
  return candidates;
}

/** The schema file for an object, or undefined when none exists (an unknown kind). */
export function schemaFileFor(apiVersion: string, kind: string): string | undefined {
  return schemaCandidates(apiVersion, kind).find((rel) => existsSync(join(UPSTREAM_DIR, rel)));
}

/**
 * A deep copy of a JSON schema without any `required` keyword, for validating
 * partial objects (server-side-apply patches). Property *names* that happen to
 * be "required" (under properties, patternProperties, definitions) are kept.
 */
export function withoutRequired(schema: unknown): unknown {
  return strip(schema, false);
}

const NAME_MAPS = new Set(['properties', 'patternProperties', 'definitions', '$defs', 'dependencies']);

function strip(node: unknown, keysAreNames: boolean): unknown {
  if (Array.isArray(node)) return node.map((item) => strip(item, false));
  if (node === null || typeof node !== 'object') return node;
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (!keysAreNames && key === 'required' && Array.isArray(value)) continue;
    copy[key] = strip(value, !keysAreNames && NAME_MAPS.has(key));
  }
  return copy;
}

export interface ValidationResult {
  /** Schema file used, relative to UPSTREAM_DIR; undefined for an unknown kind. */
  readonly schema?: string;
  /** Human-readable errors; empty when valid. */
  readonly errors: string[];
}

/**
 * CRD patterns are Go (RE2) regular expressions: `\PC` means "no control or
 * unassigned character", which JavaScript spells `\P{C}`.
 */
export function goPatternToJs(pattern: string): string {
  return pattern.replace(/(^|[^\\])((?:\\\\)*)\\([pP])([A-Za-z])/g, '$1$2\\$3{$4}');
}

const goRegExp = Object.assign((pattern: string, flags: string) => new RegExp(goPatternToJs(pattern), flags), { code: 'new RegExp' });
// Unoptimised code: the same validation, compiled in half the time (the large CRD and workload
// schemas are compiled in every suite that checks objects, and each validates only a few hundred).
const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false, code: { regExp: goRegExp, optimize: false } });
addFormats(ajv);
// Formats of the Kubernetes OpenAPI and the CRDs that ajv-formats does not define.
ajv.addFormat('cidr', { type: 'string', validate: isCidr });
ajv.addFormat('idn-hostname', { type: 'string', validate: (s: string) => s.length <= 253 && !/[\s/:@]/.test(s) });

function isCidr(text: string): boolean {
  const [ip, prefix, ...rest] = text.split('/');
  if (rest.length > 0 || prefix === undefined || !/^\d{1,3}$/.test(prefix)) return false;
  if (ip.includes(':')) return /^[0-9a-f:.]+$/i.test(ip) && Number(prefix) <= 128;
  const octets = ip.split('.');
  return octets.length === 4 && octets.every((o) => /^\d{1,3}$/.test(o) && Number(o) <= 255) && Number(prefix) <= 32;
}
const compiled = new Map<string, ValidateFunction>();
const parsed = new Map<string, Record<string, unknown>>();

function readSchema(rel: string): Record<string, unknown> {
  let schema = parsed.get(rel);
  if (!schema) {
    schema = JSON.parse(readFileSync(join(UPSTREAM_DIR, rel), 'utf8')) as Record<string, unknown>;
    // The core schemas name "http://json-schema.org/schema#", which Ajv 8 does not know; the
    // keywords they use are draft-04..07 alike, so validate them with Ajv's default draft.
    delete schema.$schema;
    delete schema.$id;
    parsed.set(rel, schema);
  }
  return schema;
}

/** Compiles (once) the schema at `rel` (relative to UPSTREAM_DIR); `partial` drops every `required`. */
export function validatorFor(rel: string, partial = false): ValidateFunction {
  const key = `${partial ? 'partial' : 'full'}:${rel}`;
  let validate = compiled.get(key);
  if (!validate) {
    const schema = readSchema(rel);
    validate = ajv.compile(partial ? (withoutRequired(schema) as Record<string, unknown>) : schema);
    compiled.set(key, validate);
  }
  return validate;
}

/**
 * The core schemas' shared definitions, for a Kubernetes kind that has no file of
 * its own in ../shared (RBAC): the same OpenAPI definitions the per-kind files are
 * made from, made strict the way the kubeconform layout's standalone-strict files
 * are (additionalProperties: false on every object that lists its properties).
 */
const DEFINITIONS_FILE = '_definitions.json';

function definitions(): Record<string, Record<string, unknown>> | undefined {
  const rel = join(CORE_SCHEMA_DIR, DEFINITIONS_FILE);
  if (!existsSync(join(UPSTREAM_DIR, rel))) return undefined;
  return (readSchema(rel) as { definitions: Record<string, Record<string, unknown>> }).definitions;
}

/** The definition name whose x-kubernetes-group-version-kind is this apiVersion and kind. */
function coreDefinitionFor(apiVersion: string, kind: string): string | undefined {
  const slash = apiVersion.lastIndexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  const all = definitions() ?? {};
  return Object.keys(all).find((name) =>
    ((all[name]['x-kubernetes-group-version-kind'] as { group: string; version: string; kind: string }[] | undefined) ?? []).some((g) => g.group === group && g.version === version && g.kind === kind),
  );
}

function strictened(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strictened);
  if (node === null || typeof node !== 'object') return node;
  const copy: Record<string, unknown> = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, strictened(v)]));
  if (copy.properties && copy.additionalProperties === undefined) copy.additionalProperties = false;
  return copy;
}

function definitionValidator(name: string, partial: boolean): ValidateFunction {
  const key = `${partial ? 'partial' : 'full'}:definition:${name}`;
  let validate = compiled.get(key);
  if (!validate) {
    const schema = { definitions: strictened(definitions()), $ref: `#/definitions/${name}` };
    validate = ajv.compile(partial ? (withoutRequired(schema) as Record<string, unknown>) : schema);
    compiled.set(key, validate);
  }
  return validate;
}

export function formatErrors(errors: readonly ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => {
    const extra = e.keyword === 'additionalProperties' ? ` (${(e.params as { additionalProperty: string }).additionalProperty})` : e.keyword === 'enum' ? ` (${JSON.stringify((e.params as { allowedValues: unknown }).allowedValues)})` : '';
    return `${e.instancePath || '/'} ${e.message ?? e.keyword}${extra}`;
  });
}

/**
 * Validates one Kubernetes object. A partial patch (ssa: Merge) is checked
 * against the same schema with `required` removed. An object whose kind has
 * no schema is an error, never a pass.
 */
export function validateKubeObject(object: KubeObject): ValidationResult {
  const { apiVersion, kind } = object;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') {
    return { errors: [`object has no apiVersion/kind: ${JSON.stringify(object).slice(0, 200)}`] };
  }
  const file = schemaFileFor(apiVersion, kind);
  const definition = file ? undefined : coreDefinitionFor(apiVersion, kind);
  const schema = file ?? (definition && `${CORE_SCHEMA_DIR}/${DEFINITIONS_FILE}#/definitions/${definition}`);
  if (!schema) {
    return { errors: [`no schema for ${apiVersion} ${kind}: looked for ${schemaCandidates(apiVersion, kind).join(', ')} and the ${DEFINITIONS_FILE} of ${CORE_SCHEMA_DIR} in ${UPSTREAM_DIR}`] };
  }
  const validate = file ? validatorFor(file, isPartialPatch(object)) : definitionValidator(definition!, isPartialPatch(object));
  // A SOPS-encrypted object is checked as Flux or KSOPS apply it: without its `sops` metadata.
  const applied = 'sops' in object ? Object.fromEntries(Object.entries(object).filter(([key]) => key !== 'sops')) : object;
  return validate(applied) ? { schema, errors: [] } : { schema, errors: formatErrors(validate.errors) };
}

/** Validates Helm values against cilium/<version>/values.schema.json (../shared or the test-data cache). */
export function validateCiliumValues(version: string, values: unknown): ValidationResult {
  const schema = join('cilium', version, 'values.schema.json');
  if (!existsSync(join(UPSTREAM_DIR, schema))) return { errors: [`no values schema for Cilium ${version}: ${join(UPSTREAM_DIR, schema)} is missing`] };
  const validate = validatorFor(schema);
  return validate(values) ? { schema, errors: [] } : { schema, errors: formatErrors(validate.errors) };
}
