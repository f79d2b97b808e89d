/**
 * Where tests find the project and the upstream material they check against: ../shared beside
 * the project when it is there, else the cache `npm run test-data` fills (.cache/upstream, the
 * same layout, every file pinned and hash-checked; see test/support/upstream-data.json).
 * MESH_UPSTREAM_DIR=<dir> reads them from <dir> instead (e.g. .cache/upstream, to run the tests
 * as on a clone without ../shared).
 */
import { existsSync, readFileSync } from 'fs';
import { join, resolve } from 'path';
import { describeNeeding, Requirement } from './skips';

export const PROJECT_ROOT = resolve(__dirname, '..', '..');
/** `node -r` this in a test's child process to require TypeScript sources (test/support/esbuild-register.js). */
export const ESBUILD_REGISTER = join(__dirname, 'esbuild-register.js');
export const SHARED_DIR = resolve(PROJECT_ROOT, '..', 'shared');

interface UpstreamManifest {
  readonly cacheDir: string;
  /** `fromSource`: an age key file taken out of that pinned upstream file (scripts/fetch-test-data.js). */
  readonly files: readonly { readonly path: string; readonly fromSource?: string }[];
  readonly onlyInShared: readonly { readonly path: string; readonly reason: string }[];
  /** Read from ../shared when there as an extra check; no test needs them. */
  readonly extrasInShared: readonly { readonly path: string; readonly reason: string }[];
}

export const UPSTREAM_MANIFEST: UpstreamManifest = JSON.parse(readFileSync(join(__dirname, 'upstream-data.json'), 'utf8'));

/** The git-ignored cache of upstream files, filled by `npm run test-data`. */
export const TEST_DATA_CACHE_DIR = join(PROJECT_ROOT, UPSTREAM_MANIFEST.cacheDir);

/** Names the folder tests read upstream files from, in place of ../shared or the cache. */
export const UPSTREAM_DIR_ENV = 'MESH_UPSTREAM_DIR';

/** The folder upstream files are read from: MESH_UPSTREAM_DIR if set, else ../shared when present, else the cache. */
export const UPSTREAM_DIR = process.env[UPSTREAM_DIR_ENV]
  ? resolve(PROJECT_ROOT, process.env[UPSTREAM_DIR_ENV])
  : existsSync(SHARED_DIR)
    ? SHARED_DIR
    : TEST_DATA_CACHE_DIR;

/**
 * The upstream files `npm run test-data` takes age key files out of (Go or Rust test sources, a
 * Secret): tests read the key files, and ../shared may keep those alone.
 */
export const KEY_SOURCES: ReadonlySet<string> = new Set(UPSTREAM_MANIFEST.files.flatMap((f) => (f.fromSource ? [f.fromSource] : [])));

export const TEST_DATA_COMMAND = 'npm run test-data';

/**
 * The product's own example mesh (clusters/ and its demo CA in secrets/), a copy
 * of the bundled example that tests own: a user replaces the project's clusters/
 * with their mesh, and `npm test` must not notice.
 */
export const EXAMPLE_MESH_DIR = join(PROJECT_ROOT, 'test', 'fixtures', 'example-mesh');

/**
 * What is missing of `needs` (paths under UPSTREAM_DIR, files or folders), each with the way
 * to get it: `npm run test-data` for what the manifest pins, else the reason only ../shared has it.
 */
export function missingUpstream(needs: readonly string[]): Requirement[] {
  // A folder counts as there when every pinned file under it is (a cache filled halfway is not).
  const present = (rel: string): boolean =>
    existsSync(join(UPSTREAM_DIR, rel)) &&
    UPSTREAM_MANIFEST.files.filter((f) => f.path.startsWith(`${rel}/`) && !KEY_SOURCES.has(f.path)).every((f) => existsSync(join(UPSTREAM_DIR, f.path)));
  return needs
    .filter((rel) => !present(rel))
    .map((rel) => {
      const local = UPSTREAM_MANIFEST.onlyInShared.find((o) => o.path === rel);
      if (local) return { what: `../shared/${rel}`, fix: `only ../shared has it (${local.reason})`, onlyInShared: true };
      const pinned = UPSTREAM_MANIFEST.files.some((f) => f.path === rel || f.path.startsWith(`${rel}/`));
      if (pinned) return { what: 'upstream test data', item: rel, fix: TEST_DATA_COMMAND };
      return { what: `../shared/${rel}`, fix: `add ${rel} to test/support/upstream-data.json, then ${TEST_DATA_COMMAND}` };
    });
}

/**
 * `describe` for tests that need upstream files (paths under UPSTREAM_DIR) and possibly more
 * (a tool): skipped where any is missing, listed in the run's summary with the command that
 * brings it; under CI=true a missing one fails the run instead.
 */
export function describeWithShared(name: string, needs: readonly string[], fn: () => void, more: readonly Requirement[] = []): void {
  describeNeeding(name, [...missingUpstream(needs), ...more], fn);
}
