/**
 * The sweep that finds overlapping address ranges gives exactly the pairs a
 * check of every pair gives, on random ranges that nest, touch and repeat.
 */
import fc from 'fast-check';
import { cidrInterval, cidrsOverlap, Ipv4Cidr, overlappingIntervals } from '../../lib/model/ipv4';

/** Ranges in a small space, so that they often overlap, nest and share bounds. */
const cidr = fc.tuple(fc.integer({ min: 0, max: 63 }), fc.integer({ min: 26, max: 32 })).map(([block, prefixLength]): Ipv4Cidr => {
  const size = 2 ** (32 - prefixLength);
  const base = Math.floor((block * 64) / size) * size;
  return { text: `${base}/${prefixLength}`, base, prefixLength };
});

const key = (pairs: [number, number][]) => pairs.map(([l, r]) => `${l}-${r}`).sort();

describe('overlappingIntervals', () => {
  it('finds every overlapping pair, once, as a check of every pair does', () => {
    fc.assert(
      fc.property(fc.array(cidr, { maxLength: 25 }), fc.array(cidr, { maxLength: 25 }), (left, right) => {
        const expected: [number, number][] = [];
        left.forEach((l, i) => right.forEach((r, j) => cidrsOverlap(l, r) && expected.push([i, j])));
        const found = overlappingIntervals(
          left.map((c, i) => cidrInterval(c, i)),
          right.map((c, j) => cidrInterval(c, j)),
        );
        expect(key(found)).toEqual(key(expected));
      }),
      { numRuns: 2000 },
    );
  });

  it('pairs a range with itself when it is on both sides', () => {
    const range: Ipv4Cidr = { text: '10.0.0.0/8', base: 10 * 2 ** 24, prefixLength: 8 };
    expect(overlappingIntervals([cidrInterval(range, 'a')], [cidrInterval(range, 'b')])).toEqual([['a', 'b']]);
  });
});
