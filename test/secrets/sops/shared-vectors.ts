import { existsSync, readFileSync } from 'fs';
import * as path from 'path';
import { missingUpstream, UPSTREAM_DIR } from '../../support/paths';
import { describeNeeding } from '../../support/skips';

/** SOPS test vectors of upstream projects, in ../shared or the test-data cache (test/support/paths.ts). */
export const VECTORS_DIR = path.join(UPSTREAM_DIR, 'sops-vectors');
/**
 * The expected plaintext of each vector, from an independent decryption: only ../shared has it
 * (test/support/upstream-data.json, extrasInShared), and no test needs it.
 */
export const RESULTS_FILE = 'VERIFY-RESULTS.txt';
const RESULTS_PATH = path.join(VECTORS_DIR, RESULTS_FILE);

/**
 * The YAML and JSON vectors and the key file that opens each: the recipient in each vector's
 * sops.age is the one of that key (the projects' own tests pair them the same way; per-vector
 * notes in ../shared/sops-vectors/SOURCE.txt). dotenv (.env) and binary (.txt) stores are other
 * formats and are left out; so are the intentionally broken isindir 01 vector and the PQ one
 * (tested on their own).
 */
export const VECTOR_KEYS: readonly (readonly [vector: string, keyFile: string])[] = [
  ['carlpett-terraform-provider-sops-pr145/basic.age0.yaml', 'carlpett-terraform-provider-sops-pr145/age0.key.txt'],
  ['carlpett-terraform-provider-sops-pr145/basic.age1.yaml', 'carlpett-terraform-provider-sops-pr145/age1.key.txt'],
  ['fluxcd-flux2-pr5197/podinfo-token-sops-secret.yaml', 'fluxcd-flux2-pr5197/age.txt'],
  ['fluxcd-kustomize-controller/head/algorithms_age.yaml', 'fluxcd-kustomize-controller/keys/age.txt'],
  ['fluxcd-kustomize-controller/head/global_secret.yaml', 'fluxcd-kustomize-controller/keys/age-global.txt'],
  ['fluxcd-kustomize-controller/head/patches_merge1.yaml', 'fluxcd-kustomize-controller/keys/age.txt'],
  ['fluxcd-kustomize-controller/head/patches_merge2.yaml', 'fluxcd-kustomize-controller/keys/age.txt'],
  ['fluxcd-kustomize-controller/legacy-e8f4808/secret.age.yaml', 'fluxcd-kustomize-controller/keys/age.txt'],
  ['getsops-sops-pr1031/example.json', 'getsops-sops-pr1031/age-keys.txt'],
  ['getsops-sops-pr1031/example.yaml', 'getsops-sops-pr1031/age-keys.txt'],
  ['gibbz00-rops/age_empty_value.yaml', 'gibbz00-rops/age-key.txt'],
  ['gibbz00-rops/age_encrypted_regex.yaml', 'gibbz00-rops/age-key.txt'],
  ['gibbz00-rops/age_encrypted_suffix.yaml', 'gibbz00-rops/age-key.txt'],
  ['gibbz00-rops/age_example.yaml', 'gibbz00-rops/age-key.txt'],
  ['gibbz00-rops/age_mac_only_encrypted.yaml', 'gibbz00-rops/age-key.txt'],
  ['gibbz00-rops/age_unencrypted_regex.yaml', 'gibbz00-rops/age-key.txt'],
  ['gibbz00-rops/age_unencrypted_suffix.yaml', 'gibbz00-rops/age-key.txt'],
  ['humphd-sops-age/secret.enc.json', 'humphd-sops-age/key.txt'],
  ['humphd-sops-age/secret.enc.yaml', 'humphd-sops-age/key.txt'],
  ['isindir-sops-secrets-operator/00-test-secrets.yaml', 'isindir-sops-secrets-operator/key-file.txt'],
  ['isindir-sops-secrets-operator/02-test-secrets.yaml', 'isindir-sops-secrets-operator/key-file.txt'],
  ['isindir-sops-secrets-operator/03-test-secrets-enforce-ownership.yaml', 'isindir-sops-secrets-operator/key-file.txt'],
  ['isindir-sops-secrets-operator/04-test-secrets-mac-only.yaml', 'isindir-sops-secrets-operator/key-file.txt'],
  ['jkroepke-helm-secrets/secrets.age.yaml', 'jkroepke-helm-secrets/key.txt'],
  ['mic92-sops-nix/secrets.yaml', 'getsops-sops-pr1031/age-keys.txt'],
];

/**
 * `describe` for suites that read the vectors `needs` (paths under sops-vectors/): skipped and
 * listed in the run's summary when one is absent, except under CI=true where that fails.
 */
export function describeWithVectors(name: string, needs: readonly string[], body: () => void): void {
  describeNeeding(name, missingUpstream(needs.map((n) => `sops-vectors/${n}`)), body);
}

export interface VerifiedVector {
  status: 'OK' | 'NOKEY' | 'ERROR';
  /** Path relative to VECTORS_DIR. */
  file: string;
  /** Key file relative to VECTORS_DIR, for OK vectors. */
  keyFile?: string;
  /** Expected plaintext, for OK vectors. */
  plaintext?: unknown;
}

/**
 * Parses VERIFY-RESULTS.txt: "OK    <file>: key=<keyfile> …" followed by "   plaintext=<json>";
 * undefined where it is absent (anywhere but ../shared).
 */
export function readVerifyResults(): VerifiedVector[] | undefined {
  if (!existsSync(RESULTS_PATH)) return undefined;
  const vectors: VerifiedVector[] = [];
  for (const line of readFileSync(RESULTS_PATH, 'utf8').split('\n')) {
    const head = /^(OK|NOKEY|ERROR)\s+([^:\s]+):(.*)$/.exec(line);
    if (head) {
      const keyFile = /\bkey=(\S+)/.exec(head[3])?.[1];
      vectors.push({ status: head[1] as VerifiedVector['status'], file: head[2], keyFile });
      continue;
    }
    const plaintext = /^\s+plaintext=(.*)$/.exec(line);
    if (plaintext && vectors.length > 0) vectors[vectors.length - 1].plaintext = JSON.parse(plaintext[1]);
  }
  return vectors;
}

export function readVector(relativePath: string): string {
  return readFileSync(path.join(VECTORS_DIR, relativePath), 'utf8');
}
