// Product tests never read the user's own mesh: clusters/, secrets/ and dist/ of
// the project belong to whoever uses it, and `npm test` must pass whatever valid
// mesh they hold. Tests use the fixture in test/fixtures/example-mesh/; the
// user's mesh is checked by `npm run check` (MESH_CHECK_ROOT set, guard off).
// Any file-system call of a test on those folders fails the test at once.
const fs = require('fs');
const path = require('path');

// A jest worker runs many test files and this file before each, but `fs` is the one module of the
// process: it is guarded once (a wrapper per test file would nest, and every call, jest's own reading
// of modules included, would pass through one more check per file run so far).
const GUARDED = Symbol.for('k3s-cilium-mesh.user-mesh-guard');

if (!process.env.MESH_CHECK_ROOT && !fs[GUARDED]) {
  const root = path.resolve(__dirname, '..', '..');
  const owned = ['clusters', 'secrets', 'dist'].map((name) => path.join(root, name));
  const isOwned = (p) => {
    if (typeof p !== 'string' && !(p instanceof URL) && !Buffer.isBuffer(p)) return false;
    const text = p instanceof URL ? p.pathname : String(p);
    // An absolute path outside the project is most calls: no need to resolve it.
    if (path.isAbsolute(text) && !text.startsWith(root) && !text.includes('..')) return false;
    const abs = path.resolve(text);
    return owned.some((dir) => abs === dir || abs.startsWith(dir + path.sep));
  };
  const guarded = ['readFileSync', 'readdirSync', 'statSync', 'lstatSync', 'existsSync', 'openSync', 'cpSync', 'copyFileSync', 'writeFileSync', 'rmSync', 'renameSync', 'mkdirSync', 'opendirSync', 'createReadStream', 'readFile', 'readdir'];
  for (const name of guarded) {
    const real = fs[name];
    fs[name] = function (...args) {
      for (const arg of args.slice(0, 2)) {
        if (isOwned(arg)) throw new Error(`a product test touched ${path.relative(root, path.resolve(String(arg)))}, the user's own mesh; use the fixture in test/fixtures/example-mesh (test/support/inventory-fixture.ts)`);
      }
      return real.apply(this, args);
    };
  }
  fs[GUARDED] = true;
}
