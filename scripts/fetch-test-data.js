// `npm run test-data`: fetches the upstream files the tests read (schemas, packaged Cilium
// charts, SOPS vectors) into .cache/upstream, in the layout of ../shared, each pinned to a
// commit and checked against its SHA-256 (test/support/upstream-data.json). Tests read
// ../shared when it is there, else this cache; `npm test` itself never touches the network.
//
// Resumable: a file already in the cache with the right hash is kept. Atomic: a file is
// written to a temporary name beside its place and renamed once its hash is right, so an
// interrupted or refused download leaves nothing behind. All problems are reported at once.
//
// Three kinds of entries: a download (`url`: a raw file at a pinned commit), an archive member
// (`fromArchive` + `member`: a file inside a downloaded packaged chart), and an age key file
// (`fromSource` + `ageIdentity` + `ageRecipient`): some upstream projects write their test
// identity as a string in test code (a Go or Rust source, a Kubernetes Secret), not as a file;
// the pinned source is downloaded like any file, the identity and its recipient are taken from it
// by two documented patterns, each of which must match exactly once, and written as an age key
// file (`# public key: <recipient>` then the identity, as age-keygen writes it) whose SHA-256 is
// pinned too.
//
// MESH_TEST_DATA_URL=<base> fetches every file from <base>/<path> instead of its pinned URL
// (a mirror in the layout of ../shared); MESH_TEST_DATA_DIR=<dir> fills <dir> instead of
// .cache/upstream; MESH_TEST_DATA_MANIFEST=<file> reads the list of files and their pins from
// <file> instead of test/support/upstream-data.json (a mirror's own).
const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const https = require('https');
const path = require('path');
const zlib = require('zlib');

const root = path.resolve(__dirname, '..');
const MANIFEST = path.join(root, 'test', 'support', 'upstream-data.json');
const FIX = 'npm run test-data';
/** Downloads at once: enough to hide latency, few enough for a small line. */
const PARALLEL = 4;
const TIMEOUT_MS = 60000;

function readManifest(file = MANIFEST) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

function sha256(buffer) {
  return crypto.createHash('sha256').update(buffer).digest('hex');
}

/** The file's SHA-256, or undefined when it does not exist. */
function hashOf(file) {
  try {
    return sha256(fs.readFileSync(file));
  } catch (err) {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Writes `data` to `file` through a temporary name in the same folder and one rename. */
function writeAtomic(file, data) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.part`;
  try {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

class FetchError extends Error {
  constructor(message, { network = false, host } = {}) {
    super(message);
    this.network = network;
    this.host = host;
  }
}

const NETWORK_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENETUNREACH', 'EHOSTUNREACH', 'ECONNABORTED']);

/** GET `url` into memory, following redirects (release assets redirect to a CDN). */
function download(url, agents, redirects = 5) {
  return new Promise((resolve, reject) => {
    const { protocol, host } = new URL(url);
    const client = protocol === 'http:' ? http : https;
    const agent = protocol === 'http:' ? agents.http : agents.https;
    const req = client.get(url, { agent, headers: { 'user-agent': 'k3s-cilium-mesh test-data' } }, (res) => {
      if (res.statusCode >= 300 && res.statusCode < 400 && res.headers.location && redirects > 0) {
        res.resume();
        resolve(download(new URL(res.headers.location, url).toString(), agents, redirects - 1));
        return;
      }
      if (res.statusCode !== 200) {
        res.resume();
        reject(new FetchError(`HTTP ${res.statusCode} from ${url}`));
        return;
      }
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks)));
      res.on('error', (err) => reject(new FetchError(`${url}: ${err.message}`, { network: true, host })));
    });
    req.setTimeout(TIMEOUT_MS, () => req.destroy(Object.assign(new Error(`no answer in ${TIMEOUT_MS / 1000} s`), { code: 'ETIMEDOUT' })));
    req.on('error', (err) => reject(new FetchError(`${url}: ${err.code || err.message}`, { network: NETWORK_CODES.has(err.code), host })));
  });
}

/** Attempts at one file: a kept-alive connection the server has just closed fails once (ECONNRESET). */
const ATTEMPTS = 3;

async function downloadWithRetries(url, agents) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await download(url, agents);
    } catch (err) {
      if (!err.network || attempt >= ATTEMPTS) throw err;
    }
  }
}

/** The member `name` of a gzipped tar archive (ustar, with pax or GNU long names), or undefined. */
function tarMember(tgz, name) {
  const tar = zlib.gunzipSync(tgz);
  let longName;
  for (let at = 0; at + 512 <= tar.length; ) {
    const header = tar.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    const field = (from, len) => header.subarray(from, from + len).toString('utf8').replace(/\0.*$/s, '');
    const size = parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1);
    const body = tar.subarray(at + 512, at + 512 + size);
    at += 512 + Math.ceil(size / 512) * 512;
    if (type === 'x') {
      longName = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(body.toString('utf8'))?.[1];
      continue;
    }
    if (type === 'L') {
      longName = body.toString('utf8').replace(/\0.*$/s, '');
      continue;
    }
    const prefix = field(345, 155);
    const memberName = longName ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100));
    longName = undefined;
    if ((type === '0' || type === '') && memberName === name) return Buffer.from(body);
  }
  return undefined;
}

/** An age X25519 identity and recipient: Bech32 (no 1, b, i, o) with 58 data characters. */
const AGE_IDENTITY = /^AGE-SECRET-KEY-1[02-9AC-HJ-NP-Z]{58}$/;
const AGE_RECIPIENT = /^age1[02-9ac-hj-np-z]{58}$/;

/** The one capture of `pattern` (one group) in `text`, or a problem naming `field` and the count. */
function soleCapture(text, pattern, field, shape, source) {
  let regex;
  try {
    regex = new RegExp(pattern, 'g');
  } catch (err) {
    return { problem: `"${field}" is not a regular expression (${err.message})` };
  }
  const found = [...text.matchAll(regex)].map((m) => m[1]);
  if (found.length !== 1) return { problem: `${source} has ${found.length} matches of "${field}", expected exactly 1` };
  if (!shape.test(found[0] ?? '')) return { problem: `"${field}" captures "${found[0]}" in ${source}, which is not an age X25519 ${field === 'ageIdentity' ? 'identity' : 'recipient'}` };
  return { value: found[0] };
}

/**
 * The age key file that `entry` (fromSource, ageIdentity, ageRecipient) takes out of the text of
 * its source: { data } or { problem } (without the file's name and the fix).
 */
function extractAgeKey(sourceText, entry) {
  const identity = soleCapture(sourceText, entry.ageIdentity, 'ageIdentity', AGE_IDENTITY, entry.fromSource);
  if (identity.problem) return { problem: identity.problem };
  const recipient = soleCapture(sourceText, entry.ageRecipient, 'ageRecipient', AGE_RECIPIENT, entry.fromSource);
  if (recipient.problem) return { problem: recipient.problem };
  return { data: Buffer.from(`# public key: ${recipient.value}\n${identity.value}\n`) };
}

/**
 * Files made from another file of the manifest once that one is in the cache with its pinned hash:
 * a member of an archive, an age key taken out of a source file. `make` gives the bytes or the
 * problem; a result whose hash is not the pinned one is not kept.
 */
const DERIVATIONS = [
  {
    from: 'fromArchive',
    parent: 'archive',
    make: (archiveFile, entry) => {
      const data = tarMember(fs.readFileSync(archiveFile), entry.member);
      return data ? { data } : { problem: `${entry.fromArchive} has no member ${entry.member}. Fix: correct "member" in test/support/upstream-data.json` };
    },
    mismatch: (entry, got) => `SHA-256 ${got} of ${entry.member} in ${entry.fromArchive}, expected ${entry.sha256}; not kept. Fix: re-pin it in test/support/upstream-data.json`,
  },
  {
    from: 'fromSource',
    parent: 'source',
    make: (sourceFile, entry) => {
      const key = extractAgeKey(fs.readFileSync(sourceFile, 'utf8'), entry);
      return key.problem ? { problem: `${key.problem}; nothing written. Fix: correct the pattern in test/support/upstream-data.json to match the pinned source` } : { data: key.data };
    },
    mismatch: (entry, got) =>
      `SHA-256 ${got} of the key file taken from ${entry.fromSource}, expected ${entry.sha256}; not kept. ` +
      'Fix: check what "ageIdentity" and "ageRecipient" capture in test/support/upstream-data.json, then re-pin the key file',
  },
];

/**
 * Fills `cacheDir` with every file of the manifest. Returns { fetched, present, derived,
 * problems }: each problem names the file and the fix; files with problems are not written.
 */
async function fetchTestData({ manifest = readManifest(), cacheDir, baseUrl, log = () => {} } = {}) {
  const dir = path.resolve(root, cacheDir ?? manifest.cacheDir);
  const result = { fetched: [], present: [], derived: [], problems: [] };
  const offline = new Map();
  const sourceOf = (entry) => (baseUrl ? `${baseUrl.replace(/\/+$/, '')}/${entry.path.split('/').map(encodeURIComponent).join('/')}` : entry.url);

  const downloads = manifest.files.filter((f) => f.url);
  // Own agents, closed at the end: no connection outlives the call.
  const agents = { http: new http.Agent({ keepAlive: true, maxSockets: PARALLEL }), https: new https.Agent({ keepAlive: true, maxSockets: PARALLEL }) };
  let next = 0;
  async function worker() {
    while (next < downloads.length) {
      const entry = downloads[next++];
      const file = path.join(dir, entry.path);
      const have = hashOf(file);
      if (have === entry.sha256) {
        result.present.push(entry.path);
        continue;
      }
      if (have !== undefined) {
        // A stale or damaged copy: never let tests read it.
        fs.rmSync(file, { force: true });
        log(`${entry.path}: the cached copy had the wrong SHA-256; fetching it again`);
      }
      const url = sourceOf(entry);
      let data;
      try {
        data = await downloadWithRetries(url, agents);
      } catch (err) {
        if (err.network) offline.set(err.host, err.message);
        else result.problems.push(`${entry.path}: ${err.message}. Fix: check the pinned URL in test/support/upstream-data.json, then run ${FIX} again`);
        continue;
      }
      const got = sha256(data);
      if (got !== entry.sha256) {
        result.problems.push(
          `${entry.path}: SHA-256 ${got} from ${url}, expected ${entry.sha256}; the file was not kept. ` +
            `Fix: run ${FIX} again; if it persists, the source no longer serves the pinned file: re-pin it in test/support/upstream-data.json`,
        );
        continue;
      }
      writeAtomic(file, data);
      result.fetched.push(entry.path);
      log(`fetched ${entry.path}`);
    }
  }
  try {
    await Promise.all(Array.from({ length: PARALLEL }, worker));
  } finally {
    agents.http.destroy();
    agents.https.destroy();
  }

  for (const derivation of DERIVATIONS) {
    for (const entry of manifest.files.filter((f) => f[derivation.from])) {
      const file = path.join(dir, entry.path);
      if (hashOf(file) === entry.sha256) {
        result.present.push(entry.path);
        continue;
      }
      fs.rmSync(file, { force: true });
      const parentPath = entry[derivation.from];
      const parent = manifest.files.find((f) => f.path === parentPath);
      if (!parent || hashOf(path.join(dir, parentPath)) !== parent.sha256) {
        // The parent's own problem (or the network's) already says what to do.
        if (parent && (offline.size > 0 || result.problems.some((p) => p.startsWith(`${parent.path}:`)))) continue;
        result.problems.push(`${entry.path}: its ${derivation.parent} ${parentPath} is not in the cache. Fix: run ${FIX} again once the ${derivation.parent} downloads`);
        continue;
      }
      const made = derivation.make(path.join(dir, parentPath), entry);
      if (made.problem) {
        result.problems.push(`${entry.path}: ${made.problem}`);
        continue;
      }
      const got = sha256(made.data);
      if (got !== entry.sha256) {
        result.problems.push(`${entry.path}: ${derivation.mismatch(entry, got)}`);
        continue;
      }
      writeAtomic(file, made.data);
      result.derived.push(entry.path);
    }
  }

  for (const [host, message] of offline) {
    result.problems.unshift(`cannot reach ${host} (${message.replace(/^.*: /, '')}): no network? Files fetched so far are kept. Fix: connect, then run ${FIX} again`);
  }
  return result;
}

/**
 * The manifest with every SHA-256 taken from the files of a folder in the same layout (../shared).
 * A key file is pinned by extracting it from its source there; a source the folder does not keep
 * (it keeps only the key file taken from it) keeps its pin, as does the key file then.
 */
function pinFrom(manifest, folder) {
  const missing = [];
  const problems = [];
  const kept = [];
  const sources = new Set(manifest.files.filter((f) => f.fromSource).map((f) => f.fromSource));
  const files = manifest.files.map((entry) => {
    if (entry.fromSource) {
      const source = path.join(folder, entry.fromSource);
      if (!fs.existsSync(source)) {
        kept.push(entry.path);
        return entry;
      }
      const key = extractAgeKey(fs.readFileSync(source, 'utf8'), entry);
      if (key.problem) {
        problems.push(`${entry.path}: ${key.problem}. Fix: correct the pattern in test/support/upstream-data.json`);
        return entry;
      }
      return { ...entry, sha256: sha256(key.data) };
    }
    const hash = hashOf(path.join(folder, entry.path));
    if (hash === undefined && sources.has(entry.path)) kept.push(entry.path);
    else if (hash === undefined) missing.push(entry.path);
    return { ...entry, sha256: hash ?? entry.sha256 };
  });
  return { manifest: { ...manifest, files }, missing, problems, kept };
}

async function main(argv) {
  const pin = argv.indexOf('--pin-from');
  if (pin >= 0) {
    const folder = path.resolve(argv[pin + 1] ?? '');
    const { manifest: pinned, missing, problems, kept } = pinFrom(readManifest(), folder);
    if (missing.length > 0 || problems.length > 0) {
      if (missing.length > 0) process.stderr.write(`error: not in ${folder}:\n${missing.map((m) => `  ${m}\n`).join('')}Fix: pass the folder that holds them (../shared)\n`);
      for (const p of problems) process.stderr.write(`error: ${p}\n`);
      return 1;
    }
    writeAtomic(MANIFEST, `${JSON.stringify(pinned, null, 2)}\n`);
    process.stdout.write(
      `pinned ${pinned.files.length - kept.length} SHA-256s from ${folder}` +
        (kept.length > 0 ? `; kept the pins of ${kept.length} it does not have:\n${kept.map((k) => `  ${k}\n`).join('')}` : '\n'),
    );
    return 0;
  }
  const manifest = readManifest(process.env.MESH_TEST_DATA_MANIFEST || MANIFEST);
  const cacheDir = process.env.MESH_TEST_DATA_DIR || manifest.cacheDir;
  const result = await fetchTestData({ manifest, cacheDir, baseUrl: process.env.MESH_TEST_DATA_URL || undefined });
  const shown = path.relative(process.cwd(), path.resolve(root, cacheDir)) || '.';
  if (result.problems.length > 0) {
    process.stderr.write(`error: ${result.problems.length} problem(s); ${shown} has ${result.present.length + result.fetched.length + result.derived.length} of ${manifest.files.length} files:\n`);
    for (const p of result.problems) process.stderr.write(`  ${p}\n`);
    return 1;
  }
  process.stdout.write(
    `${shown}: ${manifest.files.length} files checked (${result.fetched.length} fetched, ${result.derived.length} extracted, ${result.present.length} already there).\n` +
      `Only ../shared has (tests that need them stay skipped without it):\n` +
      manifest.onlyInShared.map((o) => `  ${o.path}: ${o.reason}\n`).join('') +
      `Used from ../shared when it is there (no test needs them):\n` +
      (manifest.extrasInShared ?? []).map((o) => `  ${o.path}: ${o.reason}\n`).join(''),
  );
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`error: ${err.message}\n`);
      process.exit(1);
    },
  );
}

module.exports = { fetchTestData, readManifest, tarMember, extractAgeKey, pinFrom, MANIFEST };
