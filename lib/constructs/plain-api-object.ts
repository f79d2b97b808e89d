/**
 * An ApiObject whose large fields hold plain data that this product made from
 * the model: strings, numbers, booleans, arrays and plain objects, with no
 * Lazy value or token for a resolver to replace. cdk8s resolves every value of
 * an ApiObject (a context object, a key path and a look-up of the app per
 * value); for the fields that grow with the mesh (a Secret entry and a host
 * alias per peer) that walk was a third of a large synth. The plain fields
 * skip it and are otherwise rendered as cdk8s renders a body: keys sorted,
 * null and undefined dropped, JSON patches applied last, apiVersion, kind and
 * metadata first. test/constructs/plain-api-object.test.ts holds the JSON
 * equal to an ApiObject's on random data.
 */
import { ApiObject, ApiObjectProps, JsonPatch } from 'cdk8s';
import { Construct } from 'constructs';

export interface PlainApiObjectProps extends ApiObjectProps {
  /** Top-level fields of the body holding plain data only (a class instance or a Lazy value is refused). */
  readonly plain: Readonly<Record<string, unknown>>;
}

const FIRST_KEYS = ['apiVersion', 'kind', 'metadata'];

export class PlainApiObject extends ApiObject {
  private readonly plain: Readonly<Record<string, unknown>>;
  private readonly plainPatches: JsonPatch[] = [];

  constructor(scope: Construct, id: string, props: PlainApiObjectProps) {
    const { plain, ...rest } = props;
    super(scope, id, rest);
    for (const key of Object.keys(plain)) if (key in rest) throw new Error(`'${key}' is both a plain field and a resolved one`);
    this.plain = plain;
  }

  /** Patches apply to the whole body, plain fields included: kept here and applied after they are merged. */
  public override addJsonPatch(...ops: JsonPatch[]): void {
    this.plainPatches.push(...ops);
  }

  public override toJson(): any {
    const resolved = super.toJson();
    const merged: Record<string, unknown> = { ...resolved };
    for (const [key, value] of Object.entries(this.plain)) {
      const sorted = sortedPlain(value, key);
      if (sorted !== undefined) merged[key] = sorted;
    }
    const sortedBody: Record<string, unknown> = {};
    for (const key of Object.keys(merged).sort()) sortedBody[key] = merged[key];
    const patched = this.plainPatches.length > 0 ? JsonPatch.apply(sortedBody, ...this.plainPatches) : sortedBody;
    const result: Record<string, unknown> = {};
    for (const key of [...FIRST_KEYS, ...Object.keys(patched)]) if (key in patched && !(key in result)) result[key] = patched[key];
    return result;
  }
}

/**
 * What cdk8s's resolving and sanitizing make of plain data: keys sorted, null
 * and undefined dropped from objects, null in arrays as undefined. Anything a
 * resolver might have to replace (a class instance, a Lazy value) is refused:
 * only plain data may skip the walk.
 */
function sortedPlain(value: unknown, field: string): unknown {
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'object') {
    if (typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint') throw new Error(`${field} holds a ${typeof value}, which is not plain data`);
    return value;
  }
  if (Array.isArray(value)) return value.map((item) => sortedPlain(item, field));
  if (Object.getPrototypeOf(value) !== Object.prototype) throw new Error(`${field} holds a ${value.constructor?.name ?? 'null-prototype object'}, which is not plain data`);
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(source).sort()) {
    const item = sortedPlain(source[key], field);
    if (item !== undefined) out[key] = item;
  }
  return out;
}
