/**
 * The one-pass scanner finds exactly the runs the regular expression matches
 * (same starts, same texts), on random texts made of what matters to both:
 * base64 characters, padding, blanks, line ends and other characters.
 */
import fc from 'fast-check';
import { base64Runs } from '../../lib/report/base64-runs';
import { BASE64_RUN } from '../../lib/report/redact';

const byRegex = (text: string) => [...text.matchAll(new RegExp(BASE64_RUN.source, BASE64_RUN.flags))].map((m) => ({ index: m.index, text: m[0] }));
const byScanner = (text: string) => [...base64Runs(text)];

/** Pieces that build the interesting cases: long and short runs, padding, wrapped lines, CRLF, separators. */
const piece = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9+/]{1,60}$/),
  fc.constantFrom('=', '==', '===', ' ', '\t', '\n', '\r\n', '\r', ':', '"', '-', 'é', '\u{1F600}', 'a'.repeat(40), 'QUJD'.repeat(11)),
);

describe('base64Runs', () => {
  it('finds what BASE64_RUN matches, on random texts', () => {
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (pieces) => {
        const text = pieces.join('');
        expect(byScanner(text)).toEqual(byRegex(text));
      }),
      { numRuns: 3000 },
    );
  });

  it.each([
    ['a wrapped PEM body', `key: ${'TUlJQ'.repeat(12)}\n  ${'QUJD'.repeat(16)}\n  QUJD==\nnext: 1`],
    ['a run of exactly 40 and one of 39', `${'A'.repeat(40)} ${'B'.repeat(39)}`],
    ['padding then more base64', `${'A'.repeat(44)}==${'B'.repeat(44)}`],
    ['a continuation line too short', `${'A'.repeat(44)}\n  abc\n`],
    ['CRLF line ends', `${'A'.repeat(44)}\r\n${'B'.repeat(8)}\r\n\t${'C'.repeat(4)}=`],
    ['a run inside a word', `x${'A'.repeat(50)}`],
    ['a lone CR', `${'A'.repeat(44)}\r${'B'.repeat(8)}`],
  ])('finds what BASE64_RUN matches in %s', (_what, text) => {
    expect(byScanner(text)).toEqual(byRegex(text));
    expect(byScanner(text).length).toBeGreaterThan(0);
  });
});
