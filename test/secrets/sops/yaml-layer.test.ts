import fc from 'fast-check';
import { parse } from 'yaml';
import { formatGoFloat } from '../../../lib/secrets/sops/scalar-encoding';
import { TreeMap, treeFromPlain, treeToPlain } from '../../../lib/secrets/sops/tree';
import { emitYamlTree } from '../../../lib/secrets/sops/yaml-emit';
import { parseYamlTree } from '../../../lib/secrets/sops/yaml-parse';
import { formatYamlNumber, quotedYamlString } from '../../../lib/secrets/sops/yaml-scalar';

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

  test('reads binary and signed hexadecimal or octal integers as numbers, as go-yaml v3 does', () => {
    const tree = parseYamlTree('a: 0b101\nb: -0x1F\nc: +0o17\nd: 0x1F\ne: 0b\n') as TreeMap;
    expect(treeToPlain(tree)).toEqual({ a: 5, b: -31, c: 15, d: 31, e: '0b' });
  });

  test.each([
    ['a: 1\nb: 2\na: 3\n', /line 3, column 1/],
    ['a: [1\n', /not valid YAML/],
    ['a: !custom x\n', /line 1, column 4/],
    ['a: !!binary aGk=\n', /value at line 1, column 13 has the tag tag:yaml.org,2002:binary, which sops does not write/],
    ['? [a]\n: 1\n', /a mapping or list is used as a key at line 1, column 3/],
  ])('refuses %p with the place of the mistake', (text, message) => {
    expect(() => parseYamlTree(text)).toThrow(expect.objectContaining({ code: 'MALFORMED_FILE', message: expect.stringMatching(message) }));
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

/** What a reader of that YAML version makes of `text` (a whole document); mapAsMap keeps any key as written. */
const read = (text: string, version: '1.1' | '1.2'): unknown => parse(text, { version, mapAsMap: true });

describe('quotedYamlString: every reader takes the written scalar for the same string', () => {
  // YAML 1.1 booleans (go-yaml v2, PyYAML), nulls, numbers in every base and spelling, dates,
  // document markers, indicators, escapes and the characters YAML does not print.
  const otherTypes = fc.constantFrom(
    ...['y', 'Y', 'yes', 'Yes', 'YES', 'n', 'N', 'no', 'No', 'NO', 'on', 'On', 'ON', 'off', 'Off', 'OFF', 'true', 'True', 'FALSE'],
    ...['', '~', 'null', 'Null', 'NULL', '<<', '=', '...', '---', '%TAG', '- a', '? a', ': a', 'a:', 'a: b', 'a #b', 'a#b', '#a', '@a', '`a', '|', '>', '!a', '&a', '*a'],
    ...['0', '00', '0777', '0o17', '-0o17', '0x1F', '-0x1f', '0b101', '+0b1', '1_000', '0_', '1__0', '+1', '-1', '1.', '.5', '+.5', '-.5', '.', '1e3', '1E+3', '1.5e-3', 'e1', '1e999'],
    ...['.inf', '-.Inf', '+.INF', '.nan', '.NaN', '190:20:30', '1:99', '2001-12-14', '2001-12-14t21:59:43.10-05:00', '2001-12-14 21:59:43.10', '12:30'],
  );
  const characters = fc.constantFrom('a', 'y', 'n', 'o', 'x', 'e', 'E', '0', '1', '7', '.', '_', '+', '-', ':', '#', ' ', '\t', '\n', '\r', '"', "'", '\\', '{', '[', ',', '?', '|', '~', '<', '=', 'é', '😀', '\u0085', '\u00a0', '\u2028', '\ufeff', '\x7f', '\x00', '\ud800');
  const scalar = fc.oneof(
    otherTypes,
    fc.tuple(fc.constantFrom('', ' ', '  ', '\t'), otherTypes, fc.constantFrom('', ' ', ':', ' #', '\n')).map((parts) => parts.join('')),
    fc.string({ unit: characters, maxLength: 8 }),
    fc.string({ unit: 'grapheme' }),
    fc.string({ unit: 'binary', maxLength: 12 }),
  );

  test.each(['1.1', '1.2'] as const)('YAML %s: as a value, an item and a key', (version) => {
    fc.assert(
      fc.property(scalar, (value) => {
        const written = quotedYamlString(value);
        expect(written).not.toMatch(/\n/);
        expect((read(`k: ${written}\n`, version) as Map<string, unknown>).get('k')).toBe(value);
        expect(read(`- ${written}\n`, version)).toEqual([value]);
        expect([...(read(`${written}: v\n`, version) as Map<unknown, unknown>).keys()]).toEqual([value]);
      }),
      { numRuns: 1000 },
    );
  });

  test('sops reads it back too, and a string that reads back plain is left plain', () => {
    fc.assert(
      fc.property(scalar, (value) => {
        const written = quotedYamlString(value);
        expect((parseYamlTree(`k: ${written}\n`) as TreeMap).get('k')).toBe(value);
        if (!written.startsWith('"')) expect(written).toBe(value);
      }),
      { numRuns: 1000 },
    );
  });

  test.each([
    ['yes', '"yes"'],
    ['1_000', '"1_000"'],
    ['0777', '"0777"'],
    ['2001-12-14', '"2001-12-14"'],
    ['ENC[AES256_GCM,data:Kz5f,type:str]', 'ENC[AES256_GCM,data:Kz5f,type:str]'],
    ['a #b', '"a #b"'],
    ['a#b', 'a#b'],
    ['tab\there\u0085', '"tab\\there\\N"'],
    ['', '""'],
  ])('writes %p as %s', (value, expected) => {
    expect(quotedYamlString(value)).toBe(expected);
  });
});

describe('formatYamlNumber', () => {
  const number = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(-0, 1e21, 5e-100, 2 ** 53 + 2, Number.MAX_VALUE, Number.MIN_VALUE));
  test.each(['1.1', '1.2'] as const)('YAML %s readers read back the same number', (version) => {
    fc.assert(
      fc.property(number, (n) => {
        expect(read(`k: ${formatYamlNumber(n)}\n`, version)).toEqual(new Map([['k', n]]));
      }),
      { numRuns: 1000 },
    );
  });
});
