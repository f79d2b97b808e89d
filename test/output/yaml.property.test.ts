/**
 * The fast serialiser (lib/output/yaml.ts) writes the bytes cdk8s's
 * `Yaml.stringify` writes: on random documents of the shapes the product
 * emits, with strings chosen to hit every quoting rule, and on the
 * hand-picked strings that decide between plain, quoted and block styles.
 * Seeds are printed by fast-check on failure (replay with FC_SEED=<seed>).
 */
import { Yaml } from 'cdk8s';
import fc from 'fast-check';
import { toYaml } from '../../lib/output/yaml';

const SEED = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);
const params = (numRuns: number) => ({ numRuns, ...(SEED === undefined ? {} : { seed: SEED }) });

/** Strings a YAML writer must treat with care, alone or inside others. */
const TRICKY = [
  '', ' ', '  ', 'yes', 'no', 'Yes', 'NO', 'on', 'Off', 'y', 'N', 'true', 'False', 'null', 'Null', '~', '<<', '-', '?', '- a', '? a',
  '0', '007', '0o7', '0x1F', '0b101', '1_000', '-12', '+3', '1.5', '.5', '1e3', '-1.2E-3', '.inf', '-.Inf', '.nan', '1:20', '1:20:30.5',
  '2024-01-02', '2024-01-02T03:04:05Z', '2024-1-2 3:04:05 +5', 'a: b', 'a:b', 'a:', ':a', 'a #b', 'a#b', '#a', '&a', '*a', '!a', '|', '>',
  "'", '"', "it's", 'say "hi"', `both ' and "`, '%a', '@a', '`a', '[a]', '{a}', 'a,b', ' lead', 'trail ', 'tab\tin', '---', '--- a', '...',
  'a\n---\nb', '%x\ny', 'line\nline', 'line\n', 'line\n\n', '\nline', '\n\nline', ' \nline', 'line \nline', 'line\n ', 'line\n\t',
  'a\n\n\nb', '\n', '\n\n', ' a\nb', 'a\n b', 'a: b\nc', '# c\nd', 'a\r\nb', 'bell\x07', 'nul\x00', 'esc\x1b', 'del\x7f', '\x85next',
  '\u00a0nbsp', 'ls\u2028ps\u2029', 'lone \ud800 surrogate', 'ünïcødé', '日本語', '🙂 emoji', 'x'.repeat(50), `${'long line '.repeat(6)}\n${'more '.repeat(10)}`,
  `${'a'.repeat(45)}\n${'b'.repeat(10)}`, `spaced ${'x'.repeat(40)} \nnext`, `${'k'.repeat(1030)}`, 'http://example.com/a?b=c#d', 'key=value', '10.0.0.0/8',
  'endpoints:\n- https://peer.mesh.cilium.io:2379\ntrusted-ca-file: /var/lib/cilium/clustermesh/ca.crt\n',
];

const trickyString = fc.oneof(
  fc.constantFrom(...TRICKY),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.array(fc.constantFrom(...TRICKY, 'a', 'b c', ' ', '\n', ':', '#', "'", '"', '-', '\t'), { maxLength: 5 }).map((parts) => parts.join('')),
);

const scalar = fc.oneof(
  trickyString,
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -0, 1e21, 1.5e-7, Number.MAX_SAFE_INTEGER, NaN, Infinity, -Infinity),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
);

const { value: document } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('list'), tie('map')),
  list: fc.array(tie('value'), { maxLength: 4 }),
  map: fc.dictionary(trickyString, tie('value'), { maxKeys: 4 }),
}));

describe('toYaml', () => {
  it('writes what Yaml.stringify writes, for random documents', () => {
    fc.assert(
      fc.property(fc.array(document, { minLength: 1, maxLength: 3 }), (docs) => {
        expect(toYaml(...docs)).toBe(Yaml.stringify(...docs));
      }),
      params(3000),
    );
  });

  it.each(TRICKY.map((s) => [JSON.stringify(s).slice(0, 40), s]))('writes %s as Yaml.stringify does, as key, value, item and document', (_, s) => {
    for (const doc of [s, { [s]: s }, [s], { a: { [s]: [s, { b: s }] } }, [[s]], [{ [s]: s, k: [s] }]]) {
      expect(toYaml(doc)).toBe(Yaml.stringify(doc));
    }
  });

  it('writes empty collections, numbers, booleans, null and undefined documents as Yaml.stringify does', () => {
    const docs = [{}, [], { a: {}, b: [], c: [[], {}] }, [0, -0, 1.25, 1e21, -7, NaN, -Infinity], { t: true, f: false, n: null, u: undefined }, undefined, null];
    expect(toYaml(...docs)).toBe(Yaml.stringify(...docs));
  });

  it('hands what it does not write itself to the library: shared objects (anchors), dates, maps', () => {
    const shared = { x: 1 };
    for (const doc of [{ a: shared, b: shared }, { when: new Date(0) }, { m: new Map([['k', 'v']]) }, { s: new Set([1]) }]) {
      expect(toYaml(doc)).toBe(Yaml.stringify(doc));
    }
  });
});
