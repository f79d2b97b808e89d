/**
 * `npm run test-data` (scripts/fetch-test-data.js) against a local HTTP server that serves the
 * upstream folder (../shared, else the cache) in place of the pinned upstream URLs (see
 * upstream-mirror.ts): every file of the manifest arrives and matches its SHA-256, each age key
 * file taken out of its upstream source holds the identity of ../shared's and the recipient of
 * that identity, a corrupted or truncated one is refused and leaves nothing behind, a pattern
 * that does not match once is named with the fix, a second run fetches nothing, and no network
 * gives one message with the fix.
 */
import { spawn } from 'child_process';
import { createHash } from 'crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, relative } from 'path';
import { parseAgeIdentities, recipientOfIdentity } from '../../lib/secrets/sops';
import { describeWithShared, KEY_SOURCES, PROJECT_ROOT, UPSTREAM_DIR, UPSTREAM_MANIFEST } from '../support/paths';
import { FILES, ManifestFile, Mirror, MIRROR_MANIFEST, MIRROR_NEEDS, STAND_INS } from './upstream-mirror';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { fetchTestData, tarMember, extractAgeKey, pinFrom } = require('../../scripts/fetch-test-data.js') as {
  fetchTestData: (o: { cacheDir: string; baseUrl?: string; manifest?: unknown }) => Promise<{ fetched: string[]; present: string[]; derived: string[]; problems: string[] }>;
  tarMember: (tgz: Buffer, name: string) => Buffer | undefined;
  extractAgeKey: (source: string, entry: ManifestFile) => { data?: Buffer; problem?: string };
  pinFrom: (manifest: unknown, folder: string) => { manifest: { files: ManifestFile[] }; missing: string[]; problems: string[]; kept: string[] };
};

const DOWNLOADED = FILES.filter((f) => f.url);
const KEY_FILES = FILES.filter((f) => f.fromSource);
const SCRIPT = join(PROJECT_ROOT, 'scripts', 'fetch-test-data.js');

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** Every file below `dir`, relative to it. */
function filesIn(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((rel) => statSync(join(dir, rel)).isFile())
    .sort();
}

/** The identity and the `# public key:` recipient of an age key file. */
function keyFile(file: string): { identities: string[]; recipient: string | undefined } {
  const text = readFileSync(file, 'utf8');
  return { identities: parseAgeIdentities(text, file), recipient: /^# public key: (\S+)/m.exec(text)?.[1] };
}

/** The script as a command, against the mirror's manifest (written into `dir`'s parent's scratch file). */
function runScript(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const manifestFile = join(mkdtempSync(join(tmpdir(), 'mesh-test-data-manifest-')), 'upstream-data.json');
  writeFileSync(manifestFile, JSON.stringify(MIRROR_MANIFEST));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [SCRIPT], { cwd: PROJECT_ROOT, env: { ...process.env, MESH_TEST_DATA_MANIFEST: manifestFile, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => {
      rmSync(join(manifestFile, '..'), { recursive: true, force: true });
      resolve({ code, stdout, stderr });
    });
  });
}

describeWithShared(
  'npm run test-data against a local mirror of the upstream files',
  MIRROR_NEEDS,
  () => {
    const manifest = MIRROR_MANIFEST;
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
      const result = await fetchTestData({ cacheDir: dir, baseUrl: base, manifest });
      expect(result.problems).toEqual([]);
      expect(result.fetched.sort()).toEqual(DOWNLOADED.map((f) => f.path).sort());
      expect(result.derived.sort()).toEqual(FILES.filter((f) => f.fromArchive || f.fromSource).map((f) => f.path).sort());
      expect(filesIn(dir)).toEqual(FILES.map((f) => f.path).sort());
      // Every pin is the real one, the key files' too; only stand-ins for sources differ.
      for (const f of manifest.files) expect([f.path, sha256(readFileSync(join(dir, f.path)))]).toEqual([f.path, f.sha256]);
      for (const f of FILES.filter((x) => !STAND_INS.has(x.path))) expect([f.path, sha256(readFileSync(join(dir, f.path)))]).toEqual([f.path, f.sha256]);
      // What the tests read is byte for byte what they read from the upstream folder (key files: next test).
      for (const f of FILES.filter((x) => !x.fromSource && !STAND_INS.has(x.path))) {
        expect([f.path, readFileSync(join(dir, f.path)).equals(readFileSync(join(UPSTREAM_DIR, f.path)))]).toEqual([f.path, true]);
      }
      expect(mirror.requests.sort()).toEqual(DOWNLOADED.map((f) => f.path).sort());
    });

    it("takes each age key file out of its source: the identity and recipient of the upstream folder's key file, the recipient that identity has", async () => {
      const result = await fetchTestData({ cacheDir: dir, baseUrl: base, manifest });
      expect(result.problems).toEqual([]);
      expect(KEY_FILES.length).toBeGreaterThanOrEqual(4);
      for (const f of KEY_FILES) {
        const taken = keyFile(join(dir, f.path));
        const kept = keyFile(join(UPSTREAM_DIR, f.path));
        expect([f.path, taken]).toEqual([f.path, kept]);
        expect(taken.identities).toHaveLength(1);
        expect([f.path, await recipientOfIdentity(taken.identities[0])]).toEqual([f.path, taken.recipient]);
        // The whole file: what age-keygen writes, without its date.
        expect(readFileSync(join(dir, f.path), 'utf8')).toBe(`# public key: ${taken.recipient}\n${taken.identities[0]}\n`);
      }
    });

    it('names a key file whose pattern does not match exactly once, and the fix; writes nothing of it and all the rest', async () => {
      const [once, twice, wrong] = KEY_FILES;
      const broken = {
        ...manifest,
        files: manifest.files.map((f) => {
          if (f.path === once.path) return { ...f, ageIdentity: `${f.ageIdentity}NOT-IN-THE-SOURCE` };
          if (f.path === twice.path) return { ...f, ageRecipient: '(age1[02-9ac-hj-np-z]{58})' };
          if (f.path === wrong.path) return { ...f, ageIdentity: f.ageRecipient };
          return f;
        }),
      };
      const result = await fetchTestData({ cacheDir: dir, baseUrl: base, manifest: broken });
      const fix = 'nothing written. Fix: correct the pattern in test/support/upstream-data.json to match the pinned source';
      expect(result.problems).toEqual([
        `${once.path}: ${once.fromSource} has 0 matches of "ageIdentity", expected exactly 1; ${fix}`,
        expect.stringMatching(new RegExp(`^${twice.path}: ${twice.fromSource} has [2-9] matches of "ageRecipient", expected exactly 1; ${fix}$`)),
        expect.stringMatching(new RegExp(`^${wrong.path}: "ageIdentity" captures "age1\\w+" in ${wrong.fromSource}, which is not an age X25519 identity; ${fix}$`)),
      ]);
      expect(filesIn(dir)).toEqual(FILES.map((f) => f.path).filter((p) => ![once.path, twice.path, wrong.path].includes(p)).sort());
    });

    it('refuses a key file that differs from its pin, though its source is the pinned one', async () => {
      const victim = KEY_FILES[0];
      const repinned = { ...manifest, files: manifest.files.map((f) => (f.path === victim.path ? { ...f, sha256: sha256(Buffer.from('another key file')) } : f)) };
      const result = await fetchTestData({ cacheDir: dir, baseUrl: base, manifest: repinned });
      expect(result.problems).toEqual([expect.stringContaining(`${victim.path}: SHA-256 ${FILES.find((f) => f.path === victim.path)!.sha256} of the key file taken from ${victim.fromSource}`)]);
      expect(existsSync(join(dir, victim.path))).toBe(false);
    });

    it('resumes: a second run fetches nothing, and a damaged cached file is fetched again', async () => {
      expect((await fetchTestData({ cacheDir: dir, baseUrl: base, manifest })).problems).toEqual([]);
      mirror.requests = [];
      const again = await fetchTestData({ cacheDir: dir, baseUrl: base, manifest });
      expect(again).toMatchObject({ fetched: [], derived: [], problems: [] });
      expect(again.present).toHaveLength(FILES.length);
      expect(mirror.requests).toEqual([]);

      const damaged = DOWNLOADED[0];
      writeFileSync(join(dir, damaged.path), 'damaged');
      const repaired = await fetchTestData({ cacheDir: dir, baseUrl: base, manifest });
      expect(repaired).toMatchObject({ fetched: [damaged.path], problems: [] });
      expect(mirror.requests).toEqual([damaged.path]);
      expect(sha256(readFileSync(join(dir, damaged.path)))).toBe(damaged.sha256);
    });

    it('refuses a file whose SHA-256 differs, keeps nothing of it, names it and the fix, and fetches the rest', async () => {
      const victim = DOWNLOADED.find((f) => f.path.endsWith('.json'))!;
      mirror.alter = (path, body) => (path === victim.path ? Buffer.concat([body, Buffer.from(' ')]) : body);
      const result = await fetchTestData({ cacheDir: dir, baseUrl: base, manifest });
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
      const result = await fetchTestData({ cacheDir: dir, baseUrl: base, manifest });
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
      for (const local of [...UPSTREAM_MANIFEST.onlyInShared, ...UPSTREAM_MANIFEST.extrasInShared]) expect(run.stdout).toContain(`  ${local.path}: ${local.reason}`);
      expect(run.stdout).toContain('Used from ../shared when it is there (no test needs them):\n  sops-vectors/VERIFY-RESULTS.txt: ');
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
    const paths = [...FILES.map((f) => f.path), ...UPSTREAM_MANIFEST.onlyInShared.map((o) => o.path), ...UPSTREAM_MANIFEST.extrasInShared.map((o) => o.path)];
    expect(new Set(paths).size).toBe(paths.length);
  });

  it('takes key files only out of sources it downloads, each by two patterns of one capture', () => {
    expect([...KEY_SOURCES].every((source) => DOWNLOADED.some((d) => d.path === source))).toBe(true);
    for (const f of KEY_FILES) {
      for (const pattern of [f.ageIdentity!, f.ageRecipient!]) expect([f.path, new RegExp(`${pattern}|`).exec('')!.length - 1]).toEqual([f.path, 1]);
    }
  });

  it('needs nothing only ../shared has to run the SOPS vectors: their key files are all taken from upstream', () => {
    expect(UPSTREAM_MANIFEST.onlyInShared.filter((o) => o.path.startsWith('sops-vectors/'))).toEqual([]);
  });
});

describeWithShared('the test-data manifest against the upstream folder', ['schemas', 'cilium'], () => {
  it('covers every schema and chart file there: the validators look any of them up', () => {
    const pinned = new Set(FILES.map((f) => f.path));
    const there = ['schemas', 'cilium'].flatMap((top) => filesIn(join(UPSTREAM_DIR, top)).map((rel) => `${top}/${rel}`)).filter((p) => !p.endsWith('SOURCE.txt'));
    expect(there.filter((p) => !pinned.has(p))).toEqual([]);
  });

  it('holds the SHA-256 of every file the upstream folder has, the key files taken from its sources too', () => {
    const { manifest: pinned, missing, problems, kept } = pinFrom(UPSTREAM_MANIFEST, UPSTREAM_DIR);
    expect(missing).toEqual([]);
    expect(problems).toEqual([]);
    expect(pinned.files).toEqual(FILES);
    // Only sources the folder does not keep (and the key files taken from them) keep their pins.
    for (const k of kept) expect([k, KEY_SOURCES.has(k) || KEY_SOURCES.has(FILES.find((f) => f.path === k)?.fromSource ?? '')]).toEqual([k, true]);
  });

  it('takes the key file out of the text of its source alone', () => {
    const flux = KEY_FILES.find((f) => f.path === 'sops-vectors/fluxcd-flux2-pr5197/age.txt')!;
    const key = extractAgeKey(readFileSync(join(UPSTREAM_DIR, flux.fromSource!), 'utf8'), flux);
    expect(sha256(key.data!)).toBe(flux.sha256);
    expect(extractAgeKey('', flux).problem).toBe(`${flux.fromSource} has 0 matches of "ageIdentity", expected exactly 1`);
  });

  it('reads a member out of a packaged chart as tar does', () => {
    const entry = FILES.find((f) => f.fromArchive && f.member === 'cilium/values.yaml')!;
    const member = tarMember(readFileSync(join(UPSTREAM_DIR, entry.fromArchive!)), 'cilium/values.yaml')!;
    expect(sha256(member)).toBe(entry.sha256);
    expect(tarMember(readFileSync(join(UPSTREAM_DIR, entry.fromArchive!)), 'cilium/no-such-file')).toBeUndefined();
  });
});
