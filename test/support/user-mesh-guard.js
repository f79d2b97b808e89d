// Product tests never read the user's own mesh: clusters/, secrets/ and dist/ of
// the project belong to whoever uses it, and `npm test` must pass whatever valid
// mesh they hold. Tests use the fixture in test/fixtures/example-mesh/; the
// user's mesh is checked by `npm run check` (MESH_CHECK_ROOT set, guard off).
// Any file-system call of a test on those folders fails the test at once.
const fs = require('fs');
const path = require('path');

if (!process.env.MESH_CHECK_ROOT) {
  const root = path.resolve(__dirname, '..', '..');
  const owned = ['clusters', 'secrets', 'dist'].map((name) => path.join(root, name));
  const isOwned = (p) => {
    if (typeof p !== 'string' && !(p instanceof URL) && !Buffer.isBuffer(p)) return false;
    const abs = path.resolve(p instanceof URL ? p.pathname : String(p));
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
}
