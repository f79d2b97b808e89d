// Bundles the app and the CLI with esbuild: synth then starts in a fraction of
// the time ts-node needs to compile the generated imports.
//
// A build is skipped when nothing it read has changed: esbuild's metafile lists
// every input of every bundle (sources, schema/*.json, the node_modules files
// it bundled), and .build/inputs.json records each one's size and modification
// time as of the last build, plus this script, tsconfig.json and
// package-lock.json. Any difference (edited, touched, added to the graph through
// an edited file, deleted, a checkout) rebuilds; so does `--force`. Checking
// costs a few milliseconds; starting esbuild costs about 0.4 s.
const { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const outdir = path.join(root, '.build');
const STAMP = path.join(outdir, 'inputs.json');
/** Files that change what esbuild does without being inputs of a bundle. */
const CONFIG_FILES = ['scripts/build.js', 'tsconfig.json', 'package-lock.json'];
const ENTRY_POINTS = {
  main: 'main.ts',
  'mesh-cli': 'lib/cli/mesh-cli.ts',
  preflight: 'lib/synth/preflight.ts',
  'render-worker': 'lib/synth/render-worker.ts',
  bench: 'bench/run.ts',
};

function fingerprint(rel) {
  try {
    const s = statSync(path.resolve(root, rel));
    // Whole milliseconds, rounded as Node rounds a time to a Date: a copy that keeps modification
    // times may keep no finer ones, and a file changed after a build is newer than its start anyway.
    return [Math.round(s.mtimeMs), s.size];
  } catch {
    return null;
  }
}

/**
 * How the stamp names an input: by its path in the project, or by its absolute path when it is
 * outside (packages hoisted to a parent folder or linked from elsewhere), so that a copy of the
 * project names the same file.
 */
function inputKey(rel) {
  return rel.startsWith('..') ? path.resolve(root, rel) : rel;
}

/** True when every bundle exists and no input changed since the last build. */
function upToDate() {
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(STAMP, 'utf8'));
  } catch {
    return false;
  }
  if (JSON.stringify(stamp.entryPoints) !== JSON.stringify(ENTRY_POINTS)) return false;
  if (!Object.keys(ENTRY_POINTS).every((name) => existsSync(path.join(outdir, `${name}.js`))) || !existsSync(LIBRARY.outfile)) return false;
  if (!existsSync(path.join(outdir, 'schema-validators.js'))) return false;
  for (const [rel, seen] of Object.entries(stamp.inputs)) {
    const now = fingerprint(rel);
    if (now === null || now[0] !== seen[0] || now[1] !== seen[1]) return false;
    // Written during the last build: its content may postdate what was bundled.
    if (now[0] >= stamp.startedMs) return false;
  }
  return true;
}

/**
 * The library (package.json `exports`): lib/index.ts with every package left
 * external, so a user's app and the mesh share one cdk8s and one constructs
 * (a construct tree must not mix two copies of them).
 */
const LIBRARY = { entry: 'lib/index.ts', outfile: path.join(outdir, 'lib', 'index.js') };

/**
 * The inventory's schema validators, compiled now with Ajv's standalone code
 * (lib/inventory/schema-validators.ts loads them beside the bundle), with the
 * options the source uses; keyed by schema file name.
 */
const SCHEMA_DIR = 'schema';
const AJV_OPTIONS_FILE = 'lib/inventory/ajv-options.json';

function compileSchemaValidators() {
  const Ajv = require('ajv').default;
  const standaloneCode = require('ajv/dist/standalone').default;
  const ajv = new Ajv({ ...JSON.parse(readFileSync(path.join(root, AJV_OPTIONS_FILE), 'utf8')), code: { source: true } });
  const files = readdirSync(path.join(root, SCHEMA_DIR)).filter((f) => f.endsWith('.schema.json')).sort();
  for (const file of files) ajv.addSchema(JSON.parse(readFileSync(path.join(root, SCHEMA_DIR, file), 'utf8')), file);
  mkdirSync(outdir, { recursive: true });
  writeFileSync(path.join(outdir, 'schema-validators.js'), standaloneCode(ajv, Object.fromEntries(files.map((f) => [f, f]))));
  return [AJV_OPTIONS_FILE, ...files.map((f) => `${SCHEMA_DIR}/${f}`)];
}

function build() {
  const { buildSync } = require('esbuild');
  const startedMs = Date.now();
  const validatorInputs = compileSchemaValidators();
  const library = buildSync({
    entryPoints: [path.join(root, LIBRARY.entry)],
    outfile: LIBRARY.outfile,
    absWorkingDir: root,
    bundle: true,
    packages: 'external',
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'warning',
  });
  const result = buildSync({
    entryPoints: Object.fromEntries(Object.entries(ENTRY_POINTS).map(([name, rel]) => [name, path.join(root, rel)])),
    outdir,
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    // Without comments and with non-ASCII escaped, a bundle is ASCII: Node reads it as a one-byte
    // string (a few non-ASCII characters in comments made reading the synth's 2 MiB take 25-90 ms,
    // its parse slower too). The source map keeps stack traces readable.
    minifyWhitespace: true,
    charset: 'ascii',
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'warning',
  });
  const inputs = {};
  for (const rel of [...Object.keys(result.metafile.inputs), ...Object.keys(library.metafile.inputs), ...validatorInputs, ...CONFIG_FILES]) {
    const print = fingerprint(rel);
    if (print !== null) inputs[inputKey(rel)] = print;
  }
  writeFileSync(STAMP, JSON.stringify({ startedMs, entryPoints: ENTRY_POINTS, inputs }));
}

/** Builds unless the bundles are up to date; returns whether it built. */
function ensureBuilt(options = {}) {
  if (!options.force && upToDate()) return false;
  build();
  return true;
}

module.exports = { ensureBuilt };

if (require.main === module) ensureBuilt({ force: process.argv.includes('--force') });
