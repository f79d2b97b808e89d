/**
 * A PlainApiObject renders exactly what an ApiObject with the same body
 * renders (resolved, sanitized, patched, ordered by cdk8s), on random plain
 * data, with chart labels and JSON patches; and it refuses what a resolver
 * would have to replace.
 */
import { ApiObject, App, Chart, JsonPatch, Lazy } from 'cdk8s';
import fc from 'fast-check';
import { PlainApiObject } from '../../lib/constructs/plain-api-object';
import { toYaml } from '../../lib/output/yaml';

const key = fc.oneof(fc.constantFrom('a', 'b', 'z', 'A', '0', '10', '9', 'data', 'spec', 'value', 'resolve', 'kind2'), fc.string({ maxLength: 6 }));
const leaf = fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.double({ noNaN: true }), fc.boolean(), fc.constant(null), fc.constant(undefined));
const { tree } = fc.letrec((tie) => ({
  tree: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('tree'), { maxLength: 4 }), fc.dictionary(key, tie('tree'), { maxKeys: 5, noNullPrototype: true })),
}));
/** A body: the fields that stay resolved, and those given as plain data. */
const fields = fc.uniqueArray(fc.tuple(fc.constantFrom('data', 'spec', 'stringData', 'type', 'rules', 'zeta', 'immutable'), tree, fc.boolean()), { selector: ([name]) => name, maxLength: 4 });

function render(make: (chart: Chart) => ApiObject, patches: JsonPatch[]): unknown {
  const chart = new Chart(new App(), 'c', { labels: { team: 'mesh' }, namespace: 'ns' });
  const object = make(chart);
  object.metadata.addAnnotation('example.com/wave', '2');
  if (patches.length > 0) object.addJsonPatch(...patches);
  return chart.toJson();
}

describe('PlainApiObject', () => {
  it('renders what an ApiObject with the same body renders', () => {
    fc.assert(
      fc.property(fields, fc.boolean(), (body, patched) => {
        const all = Object.fromEntries(body.map(([name, value]) => [name, value]));
        const resolvedFields = Object.fromEntries(body.filter(([, , plain]) => !plain).map(([name, value]) => [name, value]));
        const plainFields = Object.fromEntries(body.filter(([, , plain]) => plain).map(([name, value]) => [name, value]));
        const patches = patched ? [JsonPatch.add('/extra', { b: 1, a: [2] }), JsonPatch.add('/metadata/labels/patched', 'yes')] : [];
        const header = { apiVersion: 'v1', kind: 'Thing', metadata: { name: 'x' } };
        const expected = render((chart) => new ApiObject(chart, 'o', { ...header, ...all }), patches);
        const actual = render((chart) => new PlainApiObject(chart, 'o', { ...header, ...resolvedFields, plain: plainFields }), patches);
        expect(actual).toStrictEqual(expected);
        // The same key order, so the same bytes.
        expect(toYaml(actual)).toBe(toYaml(expected));
      }),
      { numRuns: 1500 },
    );
  });

  it('refuses a Lazy value or a class instance in a plain field, naming the field', () => {
    const chart = new Chart(new App(), 'c');
    new PlainApiObject(chart, 'lazy', { apiVersion: 'v1', kind: 'Thing', plain: { spec: { x: [Lazy.any({ produce: () => 1 })] } } });
    expect(() => chart.toJson()).toThrow(/spec holds a Lazy, which is not plain data/);
    const other = new Chart(new App(), 'd');
    new PlainApiObject(other, 'date', { apiVersion: 'v1', kind: 'Thing', plain: { data: { when: new Date(0) } } });
    expect(() => other.toJson()).toThrow(/data holds a Date, which is not plain data/);
  });

  it('refuses a field given both ways', () => {
    expect(() => new PlainApiObject(new Chart(new App(), 'c'), 'o', { apiVersion: 'v1', kind: 'Thing', data: 1, plain: { data: 2 } } as never)).toThrow(/both a plain field and a resolved one/);
  });
});
