/**
 * The test suite on a clone without ../shared: suites that need upstream files are skipped and
 * named once, in the summary at the end of the run, with the command that brings what they need;
 * under CI=true they fail instead; once `npm run test-data` has filled .cache/upstream they run
 * from there, all of them: the SOPS vectors need nothing only ../shared has. Runs jest on a few
 * suites in a copy of the project that has no ../shared beside it.
 */
import { spawnSync } from 'child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { describeWithShared, PROJECT_ROOT, UPSTREAM_DIR_ENV, UPSTREAM_MANIFEST } from '../support/paths';
import { Mirror, MIRROR_MANIFEST, MIRROR_NEEDS } from './upstream-mirror';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { fetchTestData } = require('../../scripts/fetch-test-data.js') as {
  fetchTestData: (o: { cacheDir: string; baseUrl?: string; manifest?: unknown }) => Promise<{ problems: string[] }>;
};

const LINKED = ['node_modules', 'lib', 'imports', 'schema', 'tsconfig.json', 'package.json', '.build'];
const COPIED = ['test', 'jest.config.js', 'scripts'];
/** Needs upstream files only (vectors, and key files taken out of upstream sources). */
const SUITES = ['test/secrets/sops/vectors.test.ts'];

function jest(root: string, env: Record<string, string>): { status: number | null; out: string } {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !['CI', 'MESH_CI_WITHOUT_SHARED', 'MESH_TEST_SKIP_LOG', 'JEST_WORKER_ID', UPSTREAM_DIR_ENV].includes(k)),
  );
  const run = spawnSync(process.execPath, [join(root, 'node_modules', 'jest', 'bin', 'jest.js'), '--ci', '-i', ...SUITES], {
    cwd: root,
    encoding: 'utf8',
    // Its cache (jest_<n>) and temporary files go into the scratch folder, removed with it.
    env: { ...clean, TMPDIR: join(root, '..', 'tmp'), ...env } as NodeJS.ProcessEnv,
    timeout: 300_000,
  });
  return { status: run.status, out: `${run.stdout}\n${run.stderr}` };
}

describeWithShared(
  'a run without ../shared',
  MIRROR_NEEDS,
  () => {
    let scratch: string;
    let root: string;
    beforeAll(() => {
      // Nested one level, so that the copy's ../shared is a folder nobody made.
      scratch = mkdtempSync(join(tmpdir(), 'mesh-no-shared-'));
      root = join(scratch, 'project');
      mkdirSync(root);
      mkdirSync(join(scratch, 'tmp'));
      for (const name of LINKED) symlinkSync(join(PROJECT_ROOT, name), join(root, name));
      for (const name of COPIED) cpSync(join(PROJECT_ROOT, name), join(root, name), { recursive: true });
      expect(existsSync(join(scratch, 'shared'))).toBe(false);
    });
    afterAll(() => rmSync(scratch, { recursive: true, force: true }));

    it('skips what needs upstream files and says once, at the end, what is missing and the command that brings it', () => {
      const run = jest(root, {});
      expect(run.status).toBe(0);
      const summary = run.out.slice(run.out.indexOf('Skipped tests, what they need and how to get it:'));
      expect(summary).toMatch(/^Skipped tests, what they need and how to get it:\n/);
      expect(summary).toMatch(
        /\n {2}- upstream test data: sops-vectors\/[^\n]*\.(?:yaml|txt), .* and \d+ more\n {6}fix: npm run test-data\n {6}skips tests in 1 file\(s\) \(\d+ skipped there\): test\/secrets\/sops\/vectors\.test\.ts\n/,
      );
      // Nothing of it needs what only ../shared has.
      expect(summary).not.toContain('../shared/');
      expect(summary).not.toContain('without a recorded reason');
      expect(summary).toMatch(/\ntests: 0 passed, 0 failed, [1-9]\d* skipped\n/);
      // One summary, no message per suite.
      expect(run.out.match(/npm run test-data/g)).toHaveLength(1);
      expect(run.out).not.toContain('console.warn');
    });

    it('fails under CI=true, naming what is missing and the fix', () => {
      const run = jest(root, { CI: 'true' });
      expect(run.status).toBe(1);
      expect(run.out).toContain('missing upstream test data (sops-vectors/isindir-sops-secrets-operator/01-test-secrets.yaml); fix: npm run test-data');
      expect(run.out).toContain('missing upstream test data (sops-vectors/gibbz00-rops/age-key.txt); fix: npm run test-data');
      expect(run.out).not.toContain('only ../shared has it');
      expect(run.out).not.toContain('Skipped tests, what they need');
    });

    describe('with the cache filled by npm run test-data', () => {
      const mirror = new Mirror();
      beforeAll(async () => {
        const result = await fetchTestData({ cacheDir: join(root, UPSTREAM_MANIFEST.cacheDir), baseUrl: await mirror.start(), manifest: MIRROR_MANIFEST });
        expect(result.problems).toEqual([]);
      });
      afterAll(() => mirror.stop());

      it('runs every test from the cache, none skipped, also under CI=true (which fails on anything missing)', () => {
        const run = jest(root, { CI: 'true' });
        expect(run.status).toBe(0);
        expect(run.out).not.toContain('npm run test-data');
        expect(run.out).not.toContain('Skipped tests, what they need');
        // Each vector opens and its MAC verifies, from the cache alone.
        expect(run.out).toMatch(/(?:^|\n)tests: [1-9]\d* passed, 0 failed, 0 skipped\n/);
        expect(run.out).toMatch(/\nTests: +(\d+) passed, \1 total\n/);
      });
    });
  },
);
