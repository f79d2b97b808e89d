/**
 * `npm run test-data` (scripts/fetch-test-data.js) against a local HTTP server that serves the
 * upstream folder (../shared, else the cache) in place of the pinned upstream URLs: every file of
 * the manifest arrives and matches its SHA-256, a corrupted or truncated one is refused and leaves
 * nothing behind, a second run fetches nothing, and no network gives one message with the fix.
 */
import { spawn } from 'child_process';
import { createHash } from 'crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'fs';
import { createServer, IncomingMessage, Server, ServerResponse } from 'http';
import { AddressInfo } from 'net';
import { tmpdir } from 'os';
import { join, relative } from 'path';
import { describeWithShared, PROJECT_ROOT, UPSTREAM_DIR, UPSTREAM_MANIFEST } from '../support/paths';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { fetchTestData, tarMember } = require('../../scripts/fetch-test-data.js') as {
  fetchTestData: (o: { cacheDir: string; baseUrl?: string; manifest?: unknown }) => Promise<{ fetched: string[]; present: string[]; derived: string[]; problems: string[] }>;
  tarMember: (tgz: Buffer, name: string) => Buffer | undefined;
};

interface ManifestFile {
  readonly path: string;
  readonly sha256: string;
  readonly url?: string;
  readonly fromArchive?: string;
  readonly member?: string;
}
const FILES = UPSTREAM_MANIFEST.files as readonly ManifestFile[];
const DOWNLOADED = FILES.filter((f) => f.url);
const SCRIPT = join(PROJECT_ROOT, 'scripts', 'fetch-test-data.js');

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** Every file below `dir`, relative to it. */
function filesIn(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((rel) => statSync(join(dir, rel)).isFile())
    .sort();
}

/** Serves UPSTREAM_DIR; `alter` may change what one path answers. Counts the requests. */
class Mirror {
  requests: string[] = [];
  alter: (path: string, body: Buffer, res: ServerResponse) => Buffer | 'handled' = (_p, body) => body;
  private server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/+/, '');
    this.requests.push(path);
    const file = join(UPSTREAM_DIR, path);
    if (path.includes('..') || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    const body = this.alter(path, readFileSync(file), res);
    if (body !== 'handled') res.writeHead(200, { 'content-length': body.length }).end(body);
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    return closed;
  }
}

function runScript(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [SCRIPT], { cwd: PROJECT_ROOT, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describeWithShared(
  'npm run test-data against a local mirror of the upstream files',
  FILES.map((f) => f.path),
  () => {
    const mirror = new Mirror();
    let base: string;
    let dir: string;
    beforeAll(async () => {
      base = await mirror.start();
    });
    afterAll(() => mirror.stop());
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'mesh-test-data-'));
      mirror.requests = [];
      mirror.alter = (_p, body) => body;
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('fetches every file of the manifest, each with its pinned SHA-256, and nothing else', async () => {
      const result = await fetchTestData({ cacheDir: dir, baseUrl: base });
      expect(result.problems).toEqual([]);
      expect(result.fetched.sort()).toEqual(DOWNLOADED.map((f) => f.path).sort());
      expect(result.derived.sort()).toEqual(FILES.filter((f) => f.fromArchive).map((f) => f.path).sort());
      expect(filesIn(dir)).toEqual(FILES.map((f) => f.path).sort());
      for (const f of FILES) expect([f.path, sha256(readFileSync(join(dir, f.path)))]).toEqual([f.path, f.sha256]);
      // What the tests read is byte for byte what they read from the upstream folder.
      for (const f of FILES) expect(readFileSync(join(dir, f.path)).equals(readFileSync(join(UPSTREAM_DIR, f.path)))).toBe(true);
      expect(mirror.requests.sort()).toEqual(DOWNLOADED.map((f) => f.path).sort());
    });

    it('resumes: a second run fetches nothing, and a damaged cached file is fetched again', async () => {
      expect((await fetchTestData({ cacheDir: dir, baseUrl: base })).problems).toEqual([]);
      mirror.requests = [];
      const again = await fetchTestData({ cacheDir: dir, baseUrl: base });
      expect(again).toMatchObject({ fetched: [], derived: [], problems: [] });
      expect(again.present).toHaveLength(FILES.length);
      expect(mirror.requests).toEqual([]);

      const damaged = DOWNLOADED[0];
      writeFileSync(join(dir, damaged.path), 'damaged');
      const repaired = await fetchTestData({ cacheDir: dir, baseUrl: base });
      expect(repaired).toMatchObject({ fetched: [damaged.path], problems: [] });
      expect(mirror.requests).toEqual([damaged.path]);
      expect(sha256(readFileSync(join(dir, damaged.path)))).toBe(damaged.sha256);
    });

    it('refuses a file whose SHA-256 differs, keeps nothing of it, names it and the fix, and fetches the rest', async () => {
      const victim = DOWNLOADED.find((f) => f.path.endsWith('.json'))!;
      mirror.alter = (path, body) => (path === victim.path ? Buffer.concat([body, Buffer.from(' ')]) : body);
      const result = await fetchTestData({ cacheDir: dir, baseUrl: base });
      expect(result.problems).toHaveLength(1);
      expect(result.problems[0]).toContain(`${victim.path}: SHA-256 `);
      expect(result.problems[0]).toContain(`expected ${victim.sha256}; the file was not kept. Fix: run npm run test-data again`);
      expect(filesIn(dir)).toEqual(FILES.map((f) => f.path).filter((p) => p !== victim.path).sort());
    });

    it('leaves nothing behind when a download breaks off, and says the network is the problem', async () => {
      const victim = DOWNLOADED.find((f) => f.path.endsWith('.tgz'))!;
      mirror.alter = (path, body, res) => {
        if (path !== victim.path) return body;
        res.writeHead(200, { 'content-length': body.length });
        res.write(body.subarray(0, 1000));
        res.destroy();
        return 'handled';
      };
      const result = await fetchTestData({ cacheDir: dir, baseUrl: base });
      expect(result.problems).toHaveLength(1);
      expect(result.problems[0]).toMatch(/^cannot reach 127\.0\.0\.1:\d+ .*no network\? Files fetched so far are kept\. Fix: connect, then run npm run test-data again$/);
      // Neither the broken archive, nor a temporary file, nor the values extracted from it.
      const archiveMembers = FILES.filter((f) => f.fromArchive === victim.path).map((f) => f.path);
      expect(archiveMembers.length).toBeGreaterThan(0);
      expect(filesIn(dir)).toEqual(FILES.map((f) => f.path).filter((p) => p !== victim.path && !archiveMembers.includes(p)).sort());
    });

    it('offline: one message naming the host and the fix, nothing written, exit 1', async () => {
      const closed = new Mirror();
      const url = await closed.start();
      await closed.stop();
      const run = await runScript({ MESH_TEST_DATA_URL: url, MESH_TEST_DATA_DIR: dir });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`cannot reach ${url.replace('http://', '')} (ECONNREFUSED): no network? Files fetched so far are kept. Fix: connect, then run npm run test-data again`);
      expect(run.stderr.trim().split('\n')).toHaveLength(2);
      expect(filesIn(dir)).toEqual([]);
    });

    it('as a command: fills the folder, says what only ../shared has, exit 0', async () => {
      const run = await runScript({ MESH_TEST_DATA_URL: base, MESH_TEST_DATA_DIR: dir });
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`${relative(PROJECT_ROOT, dir)}: ${FILES.length} files checked (${DOWNLOADED.length} fetched, ${FILES.length - DOWNLOADED.length} extracted, 0 already there)`);
      for (const local of UPSTREAM_MANIFEST.onlyInShared) expect(run.stdout).toContain(`  ${local.path}: ${local.reason}`);
      expect(filesIn(dir)).toHaveLength(FILES.length);
    });
  },
);

describe('the test-data manifest', () => {
  it('pins every download to a commit of its repository on raw.githubusercontent.com', () => {
    for (const f of DOWNLOADED) expect([f.path, f.url]).toEqual([f.path, expect.stringMatching(/^https:\/\/raw\.githubusercontent\.com\/[\w.-]+\/[\w.-]+\/[0-9a-f]{40}\/\S+$/)]);
  });

  it('extracts only from archives it downloads', () => {
    for (const f of FILES.filter((x) => x.fromArchive)) expect(DOWNLOADED.map((d) => d.path)).toContain(f.fromArchive);
  });

  it('lists no file twice, and nothing both as fetched and as only in ../shared', () => {
    const paths = [...FILES.map((f) => f.path), ...UPSTREAM_MANIFEST.onlyInShared.map((o) => o.path)];
    expect(new Set(paths).size).toBe(paths.length);
  });
});

describeWithShared('the test-data manifest against the upstream folder', ['schemas', 'cilium'], () => {
  it('covers every schema and chart file there: the validators look any of them up', () => {
    const pinned = new Set(FILES.map((f) => f.path));
    const there = ['schemas', 'cilium'].flatMap((top) => filesIn(join(UPSTREAM_DIR, top)).map((rel) => `${top}/${rel}`)).filter((p) => !p.endsWith('SOURCE.txt'));
    expect(there.filter((p) => !pinned.has(p))).toEqual([]);
  });

  it('reads a member out of a packaged chart as tar does', () => {
    const entry = FILES.find((f) => f.fromArchive && f.member === 'cilium/values.yaml')!;
    const member = tarMember(readFileSync(join(UPSTREAM_DIR, entry.fromArchive!)), 'cilium/values.yaml')!;
    expect(sha256(member)).toBe(entry.sha256);
    expect(tarMember(readFileSync(join(UPSTREAM_DIR, entry.fromArchive!)), 'cilium/no-such-file')).toBeUndefined();
  });
});
