import { readFileSync } from 'fs';
import * as path from 'path';
import { missingUpstream, UPSTREAM_DIR } from '../../support/paths';
import { describeNeeding } from '../../support/skips';

/** SOPS test vectors of upstream projects, in ../shared or the test-data cache (test/support/paths.ts). */
export const VECTORS_DIR = path.join(UPSTREAM_DIR, 'sops-vectors');
/** The expected plaintext of each vector (only ../shared has it: see test/support/upstream-data.json). */
export const RESULTS_FILE = 'VERIFY-RESULTS.txt';
const RESULTS_PATH = path.join(VECTORS_DIR, RESULTS_FILE);

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

/** Parses VERIFY-RESULTS.txt: "OK    <file>: key=<keyfile> …" followed by "   plaintext=<json>". */
export function readVerifyResults(): VerifiedVector[] {
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
