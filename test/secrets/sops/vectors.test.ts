import * as yaml from 'yaml';
import { decryptYaml, parseAgeIdentities, SopsError } from '../../../lib/secrets/sops';
import { TreeMap } from '../../../lib/secrets/sops/tree';
import { emitYamlTree } from '../../../lib/secrets/sops/yaml-emit';
import { parseYamlTree } from '../../../lib/secrets/sops/yaml-parse';
import { describeWithVectors, readVector, readVerifyResults, RESULTS_FILE, VECTOR_KEYS, VECTORS_DIR } from './shared-vectors';

function identitiesFrom(keyFile: string): string[] {
  return parseAgeIdentities(readVector(keyFile), keyFile);
}

/**
 * `text` without its first one-line map entry holding a non-empty encrypted value (not sops.mac):
 * the other values still decrypt (each is authenticated by its own path), so only the MAC can
 * notice. Works on sops YAML and JSON (a trailing comma left in JSON is still a YAML flow map).
 */
function withoutOneEncryptedValue(text: string): string | undefined {
  const match = /^[ \t]*(?!"?mac"?\s*:)(?:"[^"\n]+"|[\w.-]+)[ \t]*:[ \t]*"?ENC\[AES256_GCM,data:[^,\]\n]+,[^\n]*\n/m.exec(text);
  return match ? text.slice(0, match.index) + text.slice(match.index + match[0].length) : undefined;
}

/** All its values are empty or null: sops encrypts none of them and its MAC covers no bytes. */
const NOTHING_TO_REMOVE = ['gibbz00-rops/age_empty_value.yaml'];

const INDEPENDENT = readVerifyResults();

// What each vector proves by itself: its data key opens with the identity (age X25519), every
// value passes AES-GCM with its path, and decryptYaml recomputes the MAC (SHA-512 over the
// plaintext values, lib/secrets/sops/mac.ts) and compares it with sops.mac, which the data key
// decrypts (sops.go); a mismatch throws MAC_MISMATCH. No expected plaintext is needed.
describeWithVectors(`sops vectors in ${VECTORS_DIR}, each proven by its own MAC`, [...new Set(VECTOR_KEYS.flat())], () => {
  test('the YAML and JSON vectors are all there', () => {
    expect(VECTOR_KEYS.filter(([file]) => /\.ya?ml$/.test(file)).length).toBeGreaterThanOrEqual(23);
  });

  test.each(VECTOR_KEYS.map(([file, key]) => [file, key]))('%s opens with %s and its MAC verifies', async (file, keyFile) => {
    const plain = await decryptYaml(readVector(file), { identities: identitiesFrom(keyFile) });
    expect(Object.keys(plain as object).length).toBeGreaterThan(0);
    expect(JSON.stringify(plain)).not.toContain('ENC[AES256_GCM');
  });

  test('every vector but the one of empty values has an encrypted value the next tests remove', () => {
    expect(VECTOR_KEYS.map(([file]) => file).filter((file) => withoutOneEncryptedValue(readVector(file)) === undefined)).toEqual(NOTHING_TO_REMOVE);
  });

  const tamperable = VECTOR_KEYS.filter(([file]) => !NOTHING_TO_REMOVE.includes(file));
  test.each(tamperable.map(([file, key]) => [file, key]))('%s without one encrypted value fails its MAC check', async (file, keyFile) => {
    await expect(decryptYaml(withoutOneEncryptedValue(readVector(file))!, { identities: identitiesFrom(keyFile) })).rejects.toMatchObject({
      name: 'SopsError',
      code: 'MAC_MISMATCH',
    });
  });
});

// An extra, independent check where ../shared is there: its own decrypter's plaintexts.
if (INDEPENDENT) {
  const results = INDEPENDENT;
  describeWithVectors(`sops vectors in ${VECTORS_DIR} and the plaintexts of an independent decryption (${RESULTS_FILE})`, [...new Set(VECTOR_KEYS.flat())], () => {
    test(`${RESULTS_FILE} opens the same YAML and JSON vectors with the same keys`, () => {
      const opened = results.filter((v) => v.status === 'OK' && /\.(ya?ml|json)$/.test(v.file)).map((v) => [v.file, v.keyFile]);
      expect(opened).toEqual(VECTOR_KEYS.map(([file, key]) => [file, key]));
    });

    test.each(VECTOR_KEYS.map(([file, key]) => [file, key]))('%s decrypts to the independent plaintext', async (file, keyFile) => {
      const plain = await decryptYaml(readVector(file), { identities: identitiesFrom(keyFile) });
      expect(plain).toEqual(results.find((v) => v.file === file)?.plaintext);
    });
  });
}

// The vectors sops wrote in its own layout (go-yaml v3, indent 4); the others were re-indented
// by their projects or written by another implementation (rops).
const WRITTEN_BY_SOPS = [
  'carlpett-terraform-provider-sops-pr145/basic.age0.yaml',
  'carlpett-terraform-provider-sops-pr145/basic.age1.yaml',
  'fluxcd-flux2-pr5197/podinfo-token-sops-secret.yaml',
  'fluxcd-kustomize-controller/legacy-e8f4808/secret.age.yaml',
  'isindir-sops-secrets-operator/00-test-secrets.yaml',
  'isindir-sops-secrets-operator/02-test-secrets.yaml',
  'isindir-sops-secrets-operator/03-test-secrets-enforce-ownership.yaml',
  'isindir-sops-secrets-operator/04-test-secrets-mac-only.yaml',
  'jkroepke-helm-secrets/secrets.age.yaml',
  'mic92-sops-nix/secrets.yaml',
];

describeWithVectors('sops vectors written back by the SOPS writer', WRITTEN_BY_SOPS, () => {
  test.each(WRITTEN_BY_SOPS)('%s is written back byte for byte as sops wrote it', (file) => {
    const text = readVector(file);
    const tree = parseYamlTree(text);
    expect(tree).toBeInstanceOf(TreeMap);
    expect(emitYamlTree(tree as TreeMap)).toBe(text);
  });
});

const GIBBZ00_KEY = 'gibbz00-rops/age-key.txt';
const ISINDIR_KEY = 'isindir-sops-secrets-operator/key-file.txt';
const PLAINTEXT_PAIRS = [
  ['gibbz00-rops/age_example.yaml', 'gibbz00-rops/age_example_plaintext.yaml', GIBBZ00_KEY],
  ['gibbz00-rops/age_mac_only_encrypted.yaml', 'gibbz00-rops/age_mac_only_encrypted_plaintext.yaml', GIBBZ00_KEY],
  ['isindir-sops-secrets-operator/04-test-secrets-mac-only.yaml', 'isindir-sops-secrets-operator/04-raw-test-secrets-mac-only.yaml', ISINDIR_KEY],
  // (00-raw-test-secrets.yaml is not used: its "Pa$$word" was shell-expanded to "Pa58163word" before encryption.)
  ['isindir-sops-secrets-operator/02-test-secrets.yaml', 'isindir-sops-secrets-operator/02-raw-test-secrets.yaml', ISINDIR_KEY],
] as const;

describeWithVectors('sops vectors and upstream plaintext files', [...new Set(PLAINTEXT_PAIRS.flat())], () => {
  test.each(PLAINTEXT_PAIRS.map((p) => [...p]))('%s matches the upstream plaintext file %s', async (encrypted, raw, keyFile) => {
    const plain = await decryptYaml(readVector(encrypted), { identities: identitiesFrom(keyFile) });
    expect(plain).toEqual(yaml.parse(readVector(raw)));
  });
});

describeWithVectors(
  'sops vectors of upstream projects',
  [
    'isindir-sops-secrets-operator/01-test-secrets.yaml',
    ISINDIR_KEY,
    'fluxcd-kustomize-controller/head/algorithms_age-pq.yaml',
    'fluxcd-kustomize-controller/keys/age-pq.txt',
    'fluxcd-kustomize-controller/head/global_secret.yaml',
    'fluxcd-kustomize-controller/keys/age.txt',
  ],
  () => {
  test('the intentionally broken isindir 01 vector fails AES-GCM authentication with a SopsError', async () => {
    const attempt = decryptYaml(readVector('isindir-sops-secrets-operator/01-test-secrets.yaml'), {
      identities: identitiesFrom(ISINDIR_KEY),
    });
    await expect(attempt).rejects.toBeInstanceOf(SopsError);
    await expect(attempt).rejects.toMatchObject({ code: 'VALUE_DECRYPT_FAILED', message: expect.stringContaining('stringData.username') });
  });

  test('the post-quantum (age1pq1) kustomize-controller vector opens with its hybrid identity', async () => {
    const plain = await decryptYaml(readVector('fluxcd-kustomize-controller/head/algorithms_age-pq.yaml'), {
      identities: identitiesFrom('fluxcd-kustomize-controller/keys/age-pq.txt'),
    });
    expect(plain).toMatchObject({ kind: 'Secret', stringData: { key: 'value' } });
  });

  test('a vector refuses an identity it was not encrypted for', async () => {
    await expect(
      decryptYaml(readVector('fluxcd-kustomize-controller/head/global_secret.yaml'), { identities: identitiesFrom('fluxcd-kustomize-controller/keys/age.txt') }),
    ).rejects.toMatchObject({ name: 'SopsError', code: 'NO_IDENTITY' });
  });
  },
);
