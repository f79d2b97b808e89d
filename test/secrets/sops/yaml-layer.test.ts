import fc from 'fast-check';
import { formatGoFloat } from '../../../lib/secrets/sops/scalar-encoding';
import { TreeMap, treeFromPlain, treeToPlain } from '../../../lib/secrets/sops/tree';
import { emitYamlTree } from '../../../lib/secrets/sops/yaml-emit';
import { parseYamlTree } from '../../../lib/secrets/sops/yaml-parse';

describe('formatGoFloat matches Go strconv.FormatFloat(f, \'f\', -1, 64)', () => {
  test.each([
    [0.1, '0.1'],
    [1234.56789, '1234.56789'],
    [1234568000, '1234568000'],
    [1e21, '1000000000000000000000'],
    [1.5e-7, '0.00000015'],
    [-2.5e22, '-25000000000000000000000'],
    [7, '7'],
    [-0, '-0'],
    [5e-324, '0.' + '0'.repeat(323) + '5'],
  ])('formats %p', (n, expected) => {
    expect(formatGoFloat(n)).toBe(expected);
  });
});

describe('parseYamlTree', () => {
  test('keeps the document order of integer-like keys', () => {
    const tree = parseYamlTree('b: 1\n"10": 2\n2: {z: 1, "1": 2}\n') as TreeMap;
    expect(tree.entries.map(([k]) => k)).toEqual(['b', '10', '2']);
    expect((tree.get('2') as TreeMap).entries.map(([k]) => k)).toEqual(['z', '1']);
  });

  test('reads timestamps as strings and "<<" as a plain key, like sops', () => {
    const tree = parseYamlTree('when: 2025-01-01T00:00:00Z\n<<: {a: 1}\n') as TreeMap;
    expect(tree.get('when')).toBe('2025-01-01T00:00:00Z');
    expect(tree.get('<<')).toBeInstanceOf(TreeMap);
  });
});

describe('emitYamlTree', () => {
  const scalar = fc.oneof(
    fc.string({ unit: 'grapheme' }),
    fc.string({ unit: fc.constantFrom('a', ' ', '\n', '\t', ':', '#', '-', '"', "'", '|', '>', '{', '\\', '\r', '0', '.') }),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
  );
  const key = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 12 }), fc.constantFrom('10', '0', 'yes', 'on', '<<', '- a', '? x', 'a: b'));
  const document = fc.dictionary(key, fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }), fc.dictionary(key, fc.oneof(scalar, fc.array(fc.dictionary(key, scalar))))));

  test('output parses back to the same data, in the same key order', () => {
    fc.assert(
      fc.property(document, (plain) => {
        const tree = treeFromPlain(plain) as TreeMap;
        const reparsed = parseYamlTree(emitYamlTree(tree));
        expect(treeToPlain(reparsed)).toEqual(plain);
        expect(emitYamlTree(reparsed as TreeMap)).toBe(emitYamlTree(tree));
      }),
      { numRuns: 300 },
    );
  });
});
