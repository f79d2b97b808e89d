import * as yaml from 'yaml';
import { decryptYaml, parseAgeIdentities, SopsError } from '../../../lib/secrets/sops';
import { TreeMap } from '../../../lib/secrets/sops/tree';
import { emitYamlTree } from '../../../lib/secrets/sops/yaml-emit';
import { parseYamlTree } from '../../../lib/secrets/sops/yaml-parse';
import { describeWithVectors, readVector, readVerifyResults, RESULTS_FILE, VECTORS_DIR } from './shared-vectors';

function identitiesFrom(keyFile: string): string[] {
  return parseAgeIdentities(readVector(keyFile), keyFile);
}

// The keys named in VERIFY-RESULTS.txt include ones only ../shared has; it is there whenever that file is.
describeWithVectors(`sops vectors in ${VECTORS_DIR} with their expected plaintexts`, [RESULTS_FILE], () => {
  const results = readVerifyResults();
  // This reader handles the YAML store; JSON is a subset of YAML, so sops JSON files open too.
  // dotenv (.env) and binary (.txt) stores are other formats and are left out.
  const readable = results.filter((v) => v.status === 'OK' && /\.(ya?ml|json)$/.test(v.file));

  test('VERIFY-RESULTS.txt lists the expected YAML vectors', () => {
    expect(readable.filter((v) => /\.ya?ml$/.test(v.file)).length).toBeGreaterThanOrEqual(23);
  });

  test.each(readable.map((v) => [v.file, v] as const))('%s decrypts, verifies its MAC and matches the expected plaintext', async (_file, vector) => {
    const plain = await decryptYaml(readVector(vector.file), { identities: identitiesFrom(vector.keyFile!) });
    expect(plain).toEqual(vector.plaintext);
  });
});

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

const PAIR_GROUPS = [
  ['with keys as upstream publishes them', PLAINTEXT_PAIRS.filter(([, , key]) => key !== GIBBZ00_KEY)],
  // The rops key is a string in its Rust source; the key file holding it exists only in ../shared.
  ['with the rops key', PLAINTEXT_PAIRS.filter(([, , key]) => key === GIBBZ00_KEY)],
] as const;

for (const [label, pairs] of PAIR_GROUPS) {
  describeWithVectors(`sops vectors and upstream plaintext files, ${label}`, [...new Set(pairs.flat())], () => {
    test.each(pairs.map((p) => [...p]))('%s matches the upstream plaintext file %s', async (encrypted, raw, keyFile) => {
      const plain = await decryptYaml(readVector(encrypted), { identities: identitiesFrom(keyFile) });
      expect(plain).toEqual(yaml.parse(readVector(raw)));
    });
  });
}

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
