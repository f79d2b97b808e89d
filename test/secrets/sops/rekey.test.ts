import * as yaml from 'yaml';
import { decryptYaml, encryptYaml, parseAgeIdentities, rekey } from '../../../lib/secrets/sops';
import { newAgeKey } from './age-test-keys';
import { describeWithVectors, readVector } from './shared-vectors';

const plain = { metadata: { name: 'mesh-ca' }, stringData: { 'ca.key': 'secret key material', port: 2379 } };

function sopsBlock(text: string): Record<string, unknown> {
  return (yaml.parse(text) as { sops: Record<string, unknown> }).sops;
}

function bodyOf(text: string): string {
  return text.slice(0, text.indexOf('\nsops:'));
}

describe('rekey', () => {
  test('re-encrypts the data key for the new recipients only, leaving values, MAC and lastmodified alone', async () => {
    const [alice, bob, carol] = [await newAgeKey(), await newAgeKey(), await newAgeKey()];
    const original = await encryptYaml(plain, { recipients: [alice.recipient] });
    const rekeyed = await rekey(original, { identities: [alice.identity], recipients: [bob.recipient, carol.recipient] });

    expect(bodyOf(rekeyed)).toBe(bodyOf(original));
    const before = sopsBlock(original);
    const after = sopsBlock(rekeyed);
    expect(after.mac).toBe(before.mac);
    expect(after.lastmodified).toBe(before.lastmodified);
    expect((after.age as Array<{ recipient: string }>).map((a) => a.recipient)).toEqual([bob.recipient, carol.recipient]);

    expect(await decryptYaml(rekeyed, { identities: [bob.identity] })).toEqual(plain);
    expect(await decryptYaml(rekeyed, { identities: [carol.identity] })).toEqual(plain);
    await expect(decryptYaml(rekeyed, { identities: [alice.identity] })).rejects.toMatchObject({ code: 'NO_IDENTITY' });
  });

  test('works when the sops block is not the last key and keeps comments', async () => {
    const [alice, bob] = [await newAgeKey(), await newAgeKey()];
    const original = await encryptYaml(plain, { recipients: [alice.recipient] });
    const sopsAt = original.indexOf('sops:');
    const reordered = '# managed by sops\n' + original.slice(sopsAt) + original.slice(0, sopsAt);
    const rekeyed = await rekey(reordered, { identities: [alice.identity], recipients: [bob.recipient] });
    expect(rekeyed.startsWith('# managed by sops\nsops:\n')).toBe(true);
    expect(rekeyed.endsWith(original.slice(0, sopsAt))).toBe(true);
    expect(await decryptYaml(rekeyed, { identities: [bob.identity] })).toEqual(plain);
  });
});

describeWithVectors('rekey on a sops-made file', ['getsops-sops-pr1031/example.yaml', 'getsops-sops-pr1031/age-keys.txt'], () => {
  test('getsops example.yaml keeps its encrypted comments and other metadata and opens with the new key', async () => {
    const source = readVector('getsops-sops-pr1031/example.yaml');
    const identities = parseAgeIdentities(readVector('getsops-sops-pr1031/age-keys.txt'), 'age-keys.txt');
    // What the original holds, proven by its MAC (vectors.test.ts).
    const expected = await decryptYaml(source, { identities });
    const newcomer = await newAgeKey();
    const rekeyed = await rekey(source, {
      identities,
      recipients: [newcomer.recipient],
    });
    expect(bodyOf(rekeyed)).toBe(bodyOf(source));
    expect(rekeyed).toContain('#ENC[AES256_GCM,data:j8y0qpn');
    const block = sopsBlock(rekeyed);
    expect(block.mac).toBe(sopsBlock(source).mac);
    expect(Object.keys(block)).toEqual(Object.keys(sopsBlock(source)));
    expect(block.pgp).toEqual(sopsBlock(source).pgp);
    expect(await decryptYaml(rekeyed, { identities: [newcomer.identity] })).toEqual(expected);
  });
});
