import * as yaml from 'yaml';
import { decryptYaml, DEFAULT_ENCRYPTED_REGEX, encryptYaml } from '../../../lib/secrets/sops';
import { countingRandom, newAgeKey } from './age-test-keys';

const ENC_VALUE = /^ENC\[AES256_GCM,data:[A-Za-z0-9+/=]+,iv:([A-Za-z0-9+/=]+),tag:([A-Za-z0-9+/=]+),type:(str|int|float|bool|bytes)\]$/;

const secret = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'cluster-mesh', namespace: 'kube-system', labels: { '10': 'integer-like key', app: 'cilium' } },
  type: 'Opaque',
  stringData: {
    password: 'hunter2',
    'ca.crt': '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
    port: 4240,
    ratio: 0.25,
    big: 1e21,
    enabled: false,
    empty: '',
    absent: null,
    '2': 'keys that JS objects reorder',
    list: ['a', { nested: 'b', more: [1, 2.5, true] }],
  },
};

describe('encryptYaml → decryptYaml', () => {
  test('restores the plain object exactly', async () => {
    const key = await newAgeKey();
    const text = await encryptYaml(secret, { recipients: [key.recipient] });
    expect(await decryptYaml(text, { identities: [key.identity] })).toEqual(secret);
  });

  test('encrypts only data/stringData by default, with 32-byte IVs and 16-byte tags', async () => {
    const key = await newAgeKey();
    const doc = yaml.parse(await encryptYaml(secret, { recipients: [key.recipient] })) as Record<string, any>;
    expect(doc.metadata).toEqual(secret.metadata);
    expect(doc.kind).toBe('Secret');
    expect(doc.stringData.empty).toBe(''); // sops leaves empty strings as they are
    expect(doc.stringData.absent).toBeNull();
    for (const [value, type] of [
      [doc.stringData.password, 'str'],
      [doc.stringData.port, 'int'],
      [doc.stringData.ratio, 'float'],
      [doc.stringData.big, 'float'],
      [doc.stringData.enabled, 'bool'],
      [doc.stringData.list[1].more[2], 'bool'],
    ]) {
      const match = ENC_VALUE.exec(value);
      expect(match).not.toBeNull();
      expect(Buffer.from(match![1], 'base64')).toHaveLength(32);
      expect(Buffer.from(match![2], 'base64')).toHaveLength(16);
      expect(match![3]).toBe(type);
    }
  });

  test('writes the metadata block in the layout of sops 3.12 age-only files', async () => {
    const key = await newAgeKey();
    const text = await encryptYaml({ data: { a: 'b' } }, { recipients: [key.recipient], now: new Date('2025-07-06T17:19:51.123Z') });
    const sops = (yaml.parse(text) as any).sops;
    expect(Object.keys(sops)).toEqual(['age', 'lastmodified', 'mac', 'encrypted_regex', 'version']);
    expect(Object.keys(sops.age[0])).toEqual(['recipient', 'enc']);
    expect(sops.age[0].recipient).toBe(key.recipient);
    expect(sops.age[0].enc).toMatch(/^-----BEGIN AGE ENCRYPTED FILE-----\n[\s\S]+\n-----END AGE ENCRYPTED FILE-----\n$/);
    expect(sops.lastmodified).toBe('2025-07-06T17:19:51Z');
    expect(sops.encrypted_regex).toBe(DEFAULT_ENCRYPTED_REGEX);
    expect(sops.mac).toMatch(ENC_VALUE);
    expect(text).toContain('\nsops:\n    age:\n        - recipient: age1');
    expect(text).toContain('    lastmodified: "2025-07-06T17:19:51Z"\n');
  });

  test('handles integer-like keys, which JS objects list first', async () => {
    const key = await newAgeKey();
    const plain = { data: { b: 'first', '7': 'second', a: 'third' } };
    const text = await encryptYaml(plain, { recipients: [key.recipient] });
    expect(text.indexOf('    "7":')).toBeLessThan(text.indexOf('    b:'));
    expect(await decryptYaml(text, { identities: [key.identity] })).toEqual(plain);
  });

  test('any of several recipients can decrypt', async () => {
    const [alice, bob] = [await newAgeKey(), await newAgeKey()];
    const text = await encryptYaml(secret, { recipients: [alice.recipient, bob.recipient] });
    expect(await decryptYaml(text, { identities: [bob.identity] })).toEqual(secret);
    expect(await decryptYaml(text, { identities: [alice.identity] })).toEqual(secret);
  });

  test('honours a custom encryptedRegex and macOnlyEncrypted', async () => {
    const key = await newAgeKey();
    const plain = { spec: { token: 'secret', name: 'public' }, other: 'public too' };
    const text = await encryptYaml(plain, { recipients: [key.recipient], encryptedRegex: '^token$', macOnlyEncrypted: true });
    const doc = yaml.parse(text) as any;
    expect(doc.spec.token).toMatch(ENC_VALUE);
    expect(doc.spec.name).toBe('public');
    expect(doc.sops.mac_only_encrypted).toBe(true);
    expect(await decryptYaml(text, { identities: [key.identity] })).toEqual(plain);
  });

  test('injected randomness makes value ciphertexts reproducible', async () => {
    const key = await newAgeKey();
    const options = { recipients: [key.recipient], now: new Date('2025-01-01T00:00:00Z') };
    const first = await encryptYaml(secret, { ...options, random: countingRandom(7) });
    const second = await encryptYaml(secret, { ...options, random: countingRandom(7) });
    const withoutAge = (text: string) => text.replace(/enc: \|\n(?: {12}.*\n)+/g, '');
    expect(withoutAge(first)).not.toContain('AGE ENCRYPTED FILE');
    expect(withoutAge(first)).toBe(withoutAge(second));
    expect(await decryptYaml(first, { identities: [key.identity] })).toEqual(secret);
  });

  test('multi-line and oddly quoted strings survive the YAML layer', async () => {
    const key = await newAgeKey();
    const plain = {
      metadata: {
        annotations: {
          literal: 'line one\nline two\n',
          noFinalNewline: 'a\nb',
          keepNewlines: 'a\n\n',
          leadingSpace: '  indented\nsecond',
          trailingSpace: 'x \ny',
          crlf: 'a\r\nb',
          yes: 'yes',
          number: '0123',
          colon: 'a: b',
          hash: '# not a comment',
          unicode: 'grüße ✓',
        },
      },
    };
    const text = await encryptYaml(plain, { recipients: [key.recipient] });
    expect(yaml.parse(text)).toMatchObject(plain);
    expect(await decryptYaml(text, { identities: [key.identity] })).toEqual(plain);
  });

  test('byte arrays in encrypted positions round-trip as type:bytes', async () => {
    const key = await newAgeKey();
    const bytes = Uint8Array.from([0, 1, 2, 255]);
    const text = await encryptYaml({ data: { blob: bytes } }, { recipients: [key.recipient] });
    expect(text).toMatch(/type:bytes\]/);
    const plain = (await decryptYaml(text, { identities: [key.identity] })) as { data: { blob: Uint8Array } };
    expect(Array.from(plain.data.blob)).toEqual([0, 1, 2, 255]);
  });
});
