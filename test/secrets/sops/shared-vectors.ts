import { existsSync, readFileSync } from 'fs';
import * as path from 'path';

/** The repository root (this file lives in test/secrets/sops/). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

/** Read-only fixtures shared beside the repository, never copied into it. */
export function sharedDir(): string {
  return path.resolve(REPO_ROOT, '..', 'shared');
}

export const VECTORS_DIR = path.join(sharedDir(), 'sops-vectors');
const RESULTS_FILE = path.join(VECTORS_DIR, 'VERIFY-RESULTS.txt');

export function vectorsMissingReason(): string | undefined {
  if (existsSync(RESULTS_FILE)) return undefined;
  return `sops test vectors not found: ${RESULTS_FILE} is missing (expected the read-only folder <repo>/../shared/sops-vectors)`;
}

/**
 * `describe` for suites that need the shared vectors: skipped with a message when they are
 * absent, except under CI=true where their absence is a failure.
 */
export function describeWithVectors(name: string, body: () => void): void {
  const missing = vectorsMissingReason();
  if (!missing) {
    describe(name, body);
  } else if (process.env.CI === 'true') {
    describe(name, () => {
      test('shared sops vectors are present', () => {
        throw new Error(missing);
      });
    });
  } else {
    // The body is not run: it would read the missing files while registering its tests.
    console.warn(`Skipping "${name}": ${missing}`);
    describe(name, () => {
      test.skip(`skipped: ${missing}`, () => undefined);
    });
  }
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

/** Parses VERIFY-RESULTS.txt: "OK    <file>: key=<keyfile> …" followed by "   plaintext=<json>". */
export function readVerifyResults(): VerifiedVector[] {
  const vectors: VerifiedVector[] = [];
  for (const line of readFileSync(RESULTS_FILE, 'utf8').split('\n')) {
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
