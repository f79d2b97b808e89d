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
const { existsSync, readFileSync, statSync, writeFileSync } = require('fs');
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
    const s = statSync(path.join(root, rel));
    return [s.mtimeMs, s.size];
  } catch {
    return null;
  }
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

function build() {
  const { buildSync } = require('esbuild');
  const startedMs = Date.now();
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
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'warning',
  });
  const inputs = {};
  for (const rel of [...Object.keys(result.metafile.inputs), ...Object.keys(library.metafile.inputs), ...CONFIG_FILES]) {
    const print = fingerprint(rel);
    if (print !== null) inputs[rel] = print;
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
