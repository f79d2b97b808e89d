/**
 * Files our writer makes open with sops-age, a SOPS reader nobody here wrote
 * (it checks the MAC too), and the committed mesh CA opens with it as well.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { decryptSops } from 'sops-age';
import { encryptYaml, rekey } from '../../../lib/secrets/sops';
import { EXAMPLE_MESH_DIR, PROJECT_ROOT } from '../../support/paths';
import { newAgeKey } from './age-test-keys';

const secret = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'cilium-mesh-ca', namespace: 'kube-system' },
  type: 'Opaque',
  stringData: { 'values.yaml': 'tls:\n  ca:\n    cert: Y2VydA==\n    key: a2V5\n', port: 2379, enabled: true, list: ['a', 'b'] },
};

describe('sops-age reads what our writer writes', () => {
  it('decrypts a freshly encrypted Secret to the same object', async () => {
    const key = await newAgeKey();
    const text = await encryptYaml(secret, { recipients: [key.recipient] });
    expect(await decryptSops(text, { secretKey: key.identity, fileType: 'yaml' })).toEqual(secret);
  });

  it('decrypts with any one of several recipients, and after a rekey with the new one', async () => {
    const [a, b, c] = await Promise.all([newAgeKey(), newAgeKey(), newAgeKey()]);
    const text = await encryptYaml(secret, { recipients: [a.recipient, b.recipient] });
    expect(await decryptSops(text, { secretKey: b.identity, fileType: 'yaml' })).toEqual(secret);
    const rekeyed = await rekey(text, { identities: [a.identity], recipients: [c.recipient] });
    expect(await decryptSops(rekeyed, { secretKey: c.identity, fileType: 'yaml' })).toEqual(secret);
    await expect(decryptSops(rekeyed, { secretKey: a.identity, fileType: 'yaml' })).rejects.toThrow();
  });

  it('refuses a file whose ciphertext was changed', async () => {
    const key = await newAgeKey();
    const text = await encryptYaml(secret, { recipients: [key.recipient] });
    const tampered = text.replace(/(values\.yaml: ENC\[AES256_GCM,data:)(.)/, (_, head, c) => head + (c === 'A' ? 'B' : 'A'));
    expect(tampered).not.toBe(text);
    await expect(decryptSops(tampered, { secretKey: key.identity, fileType: 'yaml' })).rejects.toThrow();
  });

  it('opens the committed demo mesh CA with the demo identity', async () => {
    const identity = readFileSync(join(PROJECT_ROOT, 'test/fixtures/demo-age-identity.txt'), 'utf8')
      .split('\n')
      .find((line) => line.startsWith('AGE-SECRET-KEY-1'))!;
    const text = readFileSync(join(EXAMPLE_MESH_DIR, 'secrets/cilium-mesh-ca.sops.yaml'), 'utf8');
    const plain = await decryptSops(text, { secretKey: identity, fileType: 'yaml' });
    expect(plain.metadata).toMatchObject({ name: 'cilium-mesh-ca', namespace: 'kube-system' });
    expect(plain.stringData['values.yaml']).toMatch(/^tls:\n  ca:\n    cert: \S+\n    key: \S+\n?$/);
  });
});
