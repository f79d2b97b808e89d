/**
 * The test suite on a clone without ../shared: suites that need upstream files are skipped and
 * named once, in the summary at the end of the run, with the command that brings what they need;
 * under CI=true they fail instead; once `npm run test-data` has filled .cache/upstream they run
 * from there. Runs jest on a few suites in a copy of the project that has no ../shared beside it.
 */
import { spawnSync } from 'child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync } from 'fs';
import { createServer, Server } from 'http';
import { AddressInfo } from 'net';
import { tmpdir } from 'os';
import { join } from 'path';
import { describeWithShared, PROJECT_ROOT, UPSTREAM_DIR, UPSTREAM_MANIFEST } from '../support/paths';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { fetchTestData } = require('../../scripts/fetch-test-data.js') as {
  fetchTestData: (o: { cacheDir: string; baseUrl?: string }) => Promise<{ problems: string[] }>;
};

const LINKED = ['node_modules', 'lib', 'imports', 'schema', 'tsconfig.json', 'package.json', '.build'];
const COPIED = ['test', 'jest.config.js', 'scripts'];
/** Parts need upstream files only, parts files only ../shared has. */
const SUITES = ['test/secrets/sops/vectors.test.ts'];

function jest(root: string, env: Record<string, string>): { status: number | null; out: string } {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !['CI', 'MESH_CI_WITHOUT_SHARED', 'MESH_TEST_SKIP_LOG', 'JEST_WORKER_ID'].includes(k)));
  const run = spawnSync(process.execPath, [join(root, 'node_modules', 'jest', 'bin', 'jest.js'), '--ci', '-i', ...SUITES], {
    cwd: root,
    encoding: 'utf8',
    env: { ...clean, ...env } as NodeJS.ProcessEnv,
    timeout: 300_000,
  });
  return { status: run.status, out: `${run.stdout}\n${run.stderr}` };
}

describeWithShared(
  'a run without ../shared',
  UPSTREAM_MANIFEST.files.map((f) => f.path),
  () => {
    let scratch: string;
    let root: string;
    beforeAll(() => {
      // Nested one level, so that the copy's ../shared is a folder nobody made.
      scratch = mkdtempSync(join(tmpdir(), 'mesh-no-shared-'));
      root = join(scratch, 'project');
      mkdirSync(root);
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
      expect(summary).toContain('  - ../shared/sops-vectors/VERIFY-RESULTS.txt\n      fix: only ../shared has it (the expected plaintext of each SOPS vector');
      expect(summary).toContain('  - ../shared/sops-vectors/gibbz00-rops/age-key.txt\n      fix: only ../shared has it (an age key file assembled in ../shared');
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
      expect(run.out).toContain('missing ../shared/sops-vectors/VERIFY-RESULTS.txt; fix: only ../shared has it');
      expect(run.out).not.toContain('Skipped tests, what they need');
    });

    describe('with the cache filled by npm run test-data', () => {
      let server: Server;
      beforeAll(async () => {
        server = createServer((req, res) => {
          const file = join(UPSTREAM_DIR, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
          if (!file.startsWith(UPSTREAM_DIR) || !existsSync(file) || !statSync(file).isFile()) res.writeHead(404).end();
          else res.end(readFileSync(file));
        });
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        const result = await fetchTestData({ cacheDir: join(root, UPSTREAM_MANIFEST.cacheDir), baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
        expect(result.problems).toEqual([]);
      });
      afterAll(() => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        return closed;
      });

      it('runs them from the cache; under CI=true without ../shared only the files only ../shared has may be missing', () => {
        const run = jest(root, { CI: 'true', MESH_CI_WITHOUT_SHARED: 'true' });
        expect(run.status).toBe(0);
        expect(run.out).not.toContain('npm run test-data');
        expect(run.out).toMatch(/ {2}- \.\.\/shared\/sops-vectors\/VERIFY-RESULTS\.txt\n {6}fix: only \.\.\/shared has it .*\n {6}skips tests in 1 file\(s\) \(\d+ skipped there\): test\/secrets\/sops\/vectors\.test\.ts\n/);
        // The suites of upstream files alone run, from the cache.
        expect(run.out).toMatch(/\ntests: [1-9]\d* passed, 0 failed, [1-9]\d* skipped\n/);
      });
    });
  },
);
