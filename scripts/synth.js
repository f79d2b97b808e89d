// `npm run synth`: build (skipped when up to date), check the inventory, then
// `cdk8s synth --no-check-upgrade`, all in this one process.
//
// Why one process and not `build && validate && cdk8s synth`: each `node`
// start costs 50-100 ms, esbuild 0.4 s even with nothing to do, and cdk8s-cli
// 0.6 s before it runs the app, most of it spent loading jsii-pacmak, jsii-rosetta
// and typescript for the `init` and `import` commands, which yargs loads
// eagerly (`commandDir`) and `synth` never calls. Here those three modules are
// bound lazily: the CLI gets a stand-in that loads the real module on first
// use, so `cdk8s init`/`import` would behave exactly as before, and `synth`
// never pays for them. The engine is unchanged: it is cdk8s-cli's own synth
// command, reading cdk8s.yaml, clearing .cdk8s.out, running the app there.
//
// Before cdk8s starts, lib/synth/preflight.ts takes the lock on dist/ for the
// whole run and recovers an interrupted publish. The inventory is loaded once,
// by the app: a broken one is reported one line per problem and the app exits
// 1 with dist/ untouched, as it does on a failure of its own (a full disk while
// writing dist/); quietAppFailure keeps cdk8s-cli from adding its stack trace.
const Module = require('module');
const path = require('path');
const { ensureBuilt } = require('./build');

const root = path.resolve(__dirname, '..');

/** Modules only cdk8s-cli's init and import commands use. */
const LAZY = new Set(['jsii-pacmak', 'jsii-pacmak/lib/targets/version-utils', 'jsii-srcmak']);

function bindLazily() {
  const load = Module._load;
  Module._load = function (request, parent, isMain) {
    if (!LAZY.has(request)) return load.apply(this, arguments);
    let real;
    const target = () => (real ??= load.call(Module, request, parent, isMain));
    // __esModule keeps TypeScript's __importStar from copying every export
    // (which would load the module at once); anything else loads it.
    return new Proxy(
      {},
      {
        get: (_, key) => (key === '__esModule' ? true : target()[key]),
        has: (_, key) => key in target(),
        ownKeys: () => Reflect.ownKeys(target()),
        getOwnPropertyDescriptor: (_, key) => {
          const d = Object.getOwnPropertyDescriptor(target(), key);
          return d && { ...d, configurable: true };
        },
      },
    );
  };
}

/**
 * When the app fails it has already said why, one line per problem (a full
 * disk, a foreign dist/); cdk8s-cli would add the stack trace of its own
 * "returned a non-zero exit code" error. Its synth command calls synthApp
 * through the util module's exports, so the wrapper here ends the run with the
 * app's exit code instead.
 */
function quietAppFailure(cliDir) {
  const util = require(path.join(cliDir, 'lib', 'util.js'));
  const synthApp = util.synthApp;
  util.synthApp = async function (command, outdir, ...rest) {
    const restore = listAsCommitted(outdir);
    try {
      return await synthApp.call(this, command, outdir, ...rest);
    } catch (err) {
      const failed = /returned a non-zero exit code (\d+)/.exec(err && err.message);
      if (!failed) throw err;
      process.exit(Number(failed[1]) || 1);
    } finally {
      restore();
    }
  };
}

/**
 * cdk8s-cli lists every manifest it finds in its output folder (`  - <outdir>/<path>`);
 * that folder is only a view of dist/ (main.ts mirrors it there), and dist/ is what users
 * commit, so the listing names dist/ paths instead.
 */
function listAsCommitted(outdir) {
  const log = console.log;
  const shown = `  - ${outdir}/`;
  const committed = `  - ${path.relative(root, path.resolve(root, process.env.MESH_OUTPUT || 'dist')) || '.'}/`;
  console.log = (first, ...more) => log(typeof first === 'string' && first.startsWith(shown) ? committed + first.slice(shown.length) : first, ...more);
  return () => (console.log = log);
}

function main() {
  process.chdir(root);
  ensureBuilt();
  const { preflight } = require(path.join(root, '.build', 'preflight.js'));
  if (!preflight({ root, env: process.env, stderr: process.stderr })) {
    process.exitCode = 1;
    return;
  }
  bindLazily();
  // The app (scripts/app.js) need not check the build again.
  process.env.MESH_APP_BUILT = '1';
  const cliDir = path.dirname(require.resolve('cdk8s-cli/package.json', { paths: [root] }));
  quietAppFailure(cliDir);
  const cli = path.join(cliDir, 'bin', 'cdk8s');
  process.argv = [process.argv[0], cli, 'synth', '--no-check-upgrade', ...process.argv.slice(2)];
  require(cli);
}

main();
