/**
 * What a sops file proves without its key: every value the rules cover is
 * ciphertext, no value the rules leave readable is, nothing readable holds key
 * material, and the MAC is there and covers the readable fields.
 */
import { generateKeyPairSync } from 'crypto';
import { encryptYaml, proveCiphertext } from '../../../lib/secrets/sops';
import { newAgeKey } from './age-test-keys';

const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'ns' }, stringData: { 'a.txt': 'secret' } };

let recipient: string;
let identity: string;
let text: string;
beforeAll(async () => {
  ({ recipient, identity } = await newAgeKey());
  text = await encryptYaml(secret, { recipients: [recipient] });
});

/** The line a fragment of `in` sits on (1-based). */
const lineOf = (inText: string, fragment: string) => inText.slice(0, inText.indexOf(fragment)).split('\n').length;

describe('proveCiphertext', () => {
  it('proves a file our writer made', () => {
    expect(proveCiphertext(text)).toEqual([]);
  });

  it('finds a clear value added where the rules say encrypt (an extra stringData key)', () => {
    const edited = text.replace(/^( {4}a\.txt: .*)$/m, '$1\n    extra: hunter2');
    expect(proveCiphertext(edited)).toEqual([{ kind: 'clear-value', field: 'stringData.extra', line: lineOf(edited, 'extra:'), byRules: true, keyMaterial: undefined }]);
  });

  it('finds a clear PEM key added as a block value, once, naming what it is', () => {
    const edited = text.replace(/^( {4}a\.txt: .*)$/m, `$1\n    tls.key: |\n${pem.trim().replace(/^/gm, '        ')}`);
    expect(proveCiphertext(edited)).toEqual([expect.objectContaining({ kind: 'clear-value', field: 'stringData.tls.key', byRules: true, keyMaterial: 'PEM private key' })]);
  });

  it('finds key material in a comment, at its line', () => {
    const edited = text.replace('kind: Secret\n', `kind: Secret\n# ${pem.trim().replace(/\n/g, '\n# ')}\n`);
    expect(proveCiphertext(edited)).toEqual([{ kind: 'key-material', field: '', line: 3, keyMaterial: 'PEM private key', inComment: true }]);
  });

  it('finds an age identity in a readable field the rules leave clear', () => {
    const edited = text.replace('namespace: ns', `namespace: ns\n    annotations:\n        note: ${identity}`);
    expect(proveCiphertext(edited)).toEqual([{ kind: 'key-material', field: '', line: lineOf(edited, 'note:'), keyMaterial: 'age identity', inComment: false }]);
  });

  it('finds key material under a key the rules name unencrypted (unencrypted_suffix)', async () => {
    const suffixed = await encryptYaml({ a: 'x' }, { recipients: [recipient], encryptedRegex: '^a$' });
    const edited = suffixed.replace('encrypted_regex: ^a$', 'unencrypted_suffix: _unencrypted').replace(/^a: .*$/m, (line) => `${line}\nkey_unencrypted: ${Buffer.from(pem).toString('base64')}`);
    expect(proveCiphertext(edited)).toEqual([expect.objectContaining({ kind: 'key-material', line: 2, keyMaterial: 'base64-encoded private key' })]);
  });

  it('finds ciphertext where the rules say clear: the file was edited without sops', () => {
    const enc = /a\.txt: (ENC\[.*\])/.exec(text)![1];
    const edited = text.replace('name: s', `name: ${enc}`);
    expect(proveCiphertext(edited)).toEqual([{ kind: 'stray-ciphertext', field: 'metadata.name', line: lineOf(edited, 'name: ENC') }]);
  });

  it('requires what the caller requires, whatever the rules say', async () => {
    const readable = await encryptYaml(secret, { recipients: [recipient], encryptedRegex: '^nothing$' });
    expect(proveCiphertext(readable)).toEqual([]);
    expect(proveCiphertext(readable, { mustEncrypt: (path) => path[0] === 'stringData' })).toEqual([
      expect.objectContaining({ kind: 'clear-value', field: 'stringData.a.txt', byRules: false }),
    ]);
  });

  it('requires a whole MAC that covers the readable fields', async () => {
    expect(proveCiphertext(text.replace(/^ {4}mac: .*$/m, '    mac: ""'))).toEqual([{ kind: 'mac-missing', field: 'sops.mac' }]);
    expect(proveCiphertext(text.replace(/^( {4}mac: ENC\[AES256_GCM,data:.{10}).*$/m, '$1'))).toEqual([{ kind: 'mac-damaged', field: 'sops.mac' }]);
    const partial = await encryptYaml(secret, { recipients: [recipient], macOnlyEncrypted: true });
    expect(proveCiphertext(partial)).toEqual([{ kind: 'mac-partial', field: 'sops.mac_only_encrypted' }]);
  });
});
