/**
 * The one-pass scanner of a text's UTF-8 bytes finds exactly the runs the
 * regular expression matches in the text (same starts, same texts), on random
 * texts made of what matters to both: base64 characters, padding, blanks,
 * line ends, multi-byte and other characters; and the byte scan for key
 * material finds what the text scan finds.
 */
import fc from 'fast-check';
import { base64RunsInBytes } from '../../lib/report/base64-runs';
import { BASE64_RUN, findKeyMaterial, findKeyMaterialInBytes } from '../../lib/report/redact';

const byRegex = (text: string) => [...text.matchAll(new RegExp(BASE64_RUN.source, BASE64_RUN.flags))].map((m) => ({ index: m.index, text: m[0] }));
/** The runs found in the text's UTF-8 bytes, with their place in the text. */
const byScanner = (text: string) => {
  const bytes = Buffer.from(text, 'utf8');
  return base64RunsInBytes(bytes).map((run) => ({ index: bytes.toString('utf8', 0, run.start).length, text: bytes.toString('utf8', run.start, run.end) }));
};

/** Pieces that build the interesting cases: long and short runs, padding, wrapped lines, CRLF, separators. */
const piece = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9+/]{1,60}$/),
  fc.constantFrom('=', '==', '===', ' ', '\t', '\n', '\r\n', '\r', ':', '"', '-', 'é', '\u{1F600}', 'a'.repeat(40), 'QUJD'.repeat(11)),
);

describe('base64RunsInBytes', () => {
  it('finds what BASE64_RUN matches, on random texts (multi-byte characters too)', () => {
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

describe('base64RunsInBytes hashes', () => {
  it('gives equal runs equal hashes, and different runs (almost always) different ones', () => {
    const text = `a: ${'QUJD'.repeat(12)}\nb: ${'QUJD'.repeat(12)}\nc: ${'QUJE'.repeat(12)}\n`;
    const [a, b, c] = base64RunsInBytes(Buffer.from(text));
    expect(a.hash).toBe(b.hash);
    expect(a.hash).not.toBe(c.hash);
  });
});

/** Texts with key material in every form the scan knows, among ordinary YAML and base64. */
const PEM = '-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n-----END RSA PRIVATE KEY-----\n';
const keyPiece = fc.oneof(
  piece,
  fc.constantFrom(
    PEM,
    Buffer.from(PEM).toString('base64'),
    `  key: ${Buffer.from(PEM).toString('base64').replace(/(.{60})/g, '$1\n    ')}\n`,
    'AGE-SECRET-KEY-1QYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGP9WZ',
    `K10${'ab'.repeat(32)}::server:secret`,
    Buffer.from(`token: K10${'cd'.repeat(32)}::node:abc\n`).toString('base64'),
    'ns::name',
    'é PRIVATE KEY é',
  ),
);

describe('findKeyMaterialInBytes', () => {
  it('finds what findKeyMaterial finds in the text, on random texts with and without key material', () => {
    fc.assert(
      fc.property(fc.array(keyPiece, { maxLength: 20 }), (pieces) => {
        const text = pieces.join('\n');
        expect(findKeyMaterialInBytes(Buffer.from(text, 'utf8'))).toEqual(findKeyMaterial(text));
      }),
      { numRuns: 2000 },
    );
  });

  it('finds a base64-encoded key in bytes that hold none of the literal markers', () => {
    const text = `data:\n  tls.key: ${Buffer.from(PEM).toString('base64')}\n`;
    expect(findKeyMaterialInBytes(Buffer.from(text))).toEqual([{ kind: 'base64-encoded private key', line: 2 }]);
  });
});
