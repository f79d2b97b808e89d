import { decryptYaml, encryptYaml, rekey, SopsError, SopsErrorCode } from '../../../lib/secrets/sops';
import { AgeTestKey, newAgeKey } from './age-test-keys';

const plain = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'db' },
  stringData: { username: 'admin', password: 'correct horse battery staple' },
};

let key: AgeTestKey;
let text: string;

beforeAll(async () => {
  key = await newAgeKey();
  text = await encryptYaml(plain, { recipients: [key.recipient] });
});

async function expectSopsError(attempt: Promise<unknown>, code: SopsErrorCode, message?: RegExp): Promise<SopsError> {
  const error = await attempt.then(
    () => {
      throw new Error(`expected a SopsError with code ${code}, but the call succeeded`);
    },
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(SopsError);
  expect(error).toMatchObject({ name: 'SopsError', code });
  if (message) expect((error as SopsError).message).toMatch(message);
  return error as SopsError;
}

/** Changes one base64 character inside the data of the value on the line that starts with `prefix`. */
function tamperData(source: string, prefix: string): string {
  return source.replace(new RegExp(`(${prefix}ENC\\[AES256_GCM,data:)(.)`), (_m, head: string, first: string) => head + (first === 'A' ? 'B' : 'A'));
}

describe('decryptYaml failures are SopsErrors with a clear message', () => {
  test('one changed character in a value fails AES-GCM authentication and names the value', async () => {
    const tampered = tamperData(text, '    password: ');
    expect(tampered).not.toBe(text);
    await expectSopsError(decryptYaml(tampered, { identities: [key.identity] }), 'VALUE_DECRYPT_FAILED', /stringData\.password/);
  });

  test('a value moved to another key fails (its path is authenticated)', async () => {
    const lines = text.split('\n');
    const user = lines.findIndex((l) => l.startsWith('    username: '));
    const pass = lines.findIndex((l) => l.startsWith('    password: '));
    const swapped = [...lines];
    swapped[user] = '    username: ' + lines[pass].slice('    password: '.length);
    swapped[pass] = '    password: ' + lines[user].slice('    username: '.length);
    await expectSopsError(decryptYaml(swapped.join('\n'), { identities: [key.identity] }), 'VALUE_DECRYPT_FAILED', /stringData\.username/);
  });

  test('a changed unencrypted value breaks the MAC', async () => {
    const edited = text.replace('    name: db', '    name: other');
    await expectSopsError(decryptYaml(edited, { identities: [key.identity] }), 'MAC_MISMATCH', /MAC mismatch/);
  });

  test('a removed value breaks the MAC', async () => {
    const edited = text.replace(/^ {4}username: .*\n/m, '');
    await expectSopsError(decryptYaml(edited, { identities: [key.identity] }), 'MAC_MISMATCH');
  });

  test('reordered keys break the MAC, also when a key is integer-like (document order counts, not JS order)', async () => {
    const written = await encryptYaml({ data: { '7': 'x', b: 'y' } }, { recipients: [key.recipient] });
    const seven = /^ {4}"7": .*\n/m.exec(written)![0];
    const b = /^ {4}b: .*\n/m.exec(written)![0];
    const swapped = written.replace(seven + b, b + seven);
    expect(swapped).not.toBe(written);
    await expectSopsError(decryptYaml(swapped, { identities: [key.identity] }), 'MAC_MISMATCH');
  });

  test('a changed lastmodified breaks the MAC encryption (it is the MAC AAD)', async () => {
    const edited = text.replace(/lastmodified: "[^"]+"/, 'lastmodified: "2001-01-01T00:00:00Z"');
    await expectSopsError(decryptYaml(edited, { identities: [key.identity] }), 'VALUE_DECRYPT_FAILED', /sops\.mac/);
  });

  test('a missing MAC is refused', async () => {
    const edited = text.replace(/^ {4}mac: .*\n/m, '');
    await expectSopsError(decryptYaml(edited, { identities: [key.identity] }), 'MAC_MISSING', /no MAC/);
  });

  test('a file truncated before its metadata is not a sops file', async () => {
    const truncated = text.slice(0, text.indexOf('sops:'));
    await expectSopsError(decryptYaml(truncated, { identities: [key.identity] }), 'MALFORMED_FILE', /no top-level "sops"/);
  });

  test.each([0.2, 0.5, 0.8, 0.95])('a file truncated at %p of its length fails cleanly', async (fraction) => {
    const truncated = text.slice(0, Math.floor(text.length * fraction));
    const error = await decryptYaml(truncated, { identities: [key.identity] }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(SopsError);
  });

  test('a truncated encrypted value is reported as damaged', async () => {
    const truncated = text.replace(/(password: ENC\[AES256_GCM,data:[^,]+),iv:.*/, '$1');
    await expectSopsError(decryptYaml(truncated, { identities: [key.identity] }), 'MALFORMED_FILE', /stringData\.password is damaged/);
  });

  test('an identity that is not a recipient of the file is rejected with both recipient lists', async () => {
    const stranger = await newAgeKey();
    const error = await expectSopsError(decryptYaml(text, { identities: [stranger.identity] }), 'NO_IDENTITY');
    expect(error.message).toContain(key.recipient);
    expect(error.message).toContain(stranger.recipient);
  });

  test('no identities at all is a clear error', async () => {
    await expectSopsError(decryptYaml(text, { identities: [] }), 'NO_IDENTITY', /SOPS_AGE_KEY_FILE/);
  });

  test('an invalid identity string is rejected without echoing it', async () => {
    const error = await expectSopsError(decryptYaml(text, { identities: ['AGE-SECRET-KEY-1NOTAKEY'] }), 'INVALID_INPUT');
    expect(error.message).not.toContain('AGE-SECRET-KEY-1NOTAKEY');
  });

  test('a damaged age block is reported as such', async () => {
    const damaged = text.replace(/(-----BEGIN AGE ENCRYPTED FILE-----\n {12})(.)/, (_m, head: string, c: string) => head + (c === 'Y' ? 'Z' : 'Y'));
    await expectSopsError(decryptYaml(damaged, { identities: [key.identity] }), 'DATA_KEY_DECRYPT_FAILED', /sops\.age/);
  });

  test('plain YAML, non-YAML and a value edited in clear text are all rejected', async () => {
    await expectSopsError(decryptYaml('a: b\n', { identities: [key.identity] }), 'MALFORMED_FILE', /not sops-encrypted/);
    await expectSopsError(decryptYaml('a: [unclosed\n', { identities: [key.identity] }), 'MALFORMED_FILE', /not valid YAML/);
    await expectSopsError(decryptYaml('- a\n', { identities: [key.identity] }), 'MALFORMED_FILE', /not a mapping/);
    const cleartext = text.replace(/^ {4}username: .*$/m, '    username: admin');
    await expectSopsError(decryptYaml(cleartext, { identities: [key.identity] }), 'MALFORMED_FILE', /stringData\.username is damaged/);
  });

  test('Shamir key groups are reported as unsupported', async () => {
    const grouped = text.replace('sops:\n', 'sops:\n    key_groups:\n        - age: []\n');
    await expectSopsError(decryptYaml(grouped, { identities: [key.identity] }), 'UNSUPPORTED', /key_groups/);
  });

  test('rekey refuses a tampered file instead of re-wrapping its key', async () => {
    const stranger = await newAgeKey();
    const edited = text.replace('    name: db', '    name: other');
    await expectSopsError(rekey(edited, { identities: [key.identity], recipients: [stranger.recipient] }), 'MAC_MISMATCH');
  });
});

describe('encryptYaml rejects bad input with SopsErrors', () => {
  test.each<[string, () => Promise<unknown>, SopsErrorCode, RegExp]>([
    ['no recipients', () => encryptYaml(plain, { recipients: [] }), 'INVALID_INPUT', /recipient/],
    ['an invalid recipient', () => encryptYaml(plain, { recipients: ['age1notarecipient'] }), 'INVALID_INPUT', /not a valid age recipient/],
    ['an already encrypted object', () => encryptYaml({ sops: {} }, { recipients: [key.recipient] }), 'INVALID_INPUT', /already/],
    ['a Date value', () => encryptYaml({ data: { when: new Date() } }, { recipients: [key.recipient] }), 'INVALID_INPUT', /data\.when is a Date/],
    ['an infinite number', () => encryptYaml({ data: { n: Infinity } }, { recipients: [key.recipient] }), 'INVALID_INPUT', /finite/],
    ['an invalid regex', () => encryptYaml(plain, { recipients: [key.recipient], encryptedRegex: '(' }), 'INVALID_INPUT', /regular expression/],
    ['bytes outside encrypted keys', () => encryptYaml({ x: new Uint8Array([1]) }, { recipients: [key.recipient] }), 'INVALID_INPUT', /Byte arrays/],
  ])('%s', async (_name, attempt, code, message) => {
    await expectSopsError(attempt(), code, message);
  });
});
