// `npm run check`: checks the user's own mesh, as CI runs it before merging.
// 1. The inventory is valid and the committed dist/ is exactly what it gives
//    (`mesh-cli check`: synthesises into a temporary folder and compares).
// 2. The output of that mesh passes the conformance suites (test/conformance/):
//    the upstream schemas, the API server's rules, the packaged Cilium chart,
//    kubectl kustomize, the mesh invariants, no readable secret. They are the
//    product's own tests, pointed at this project's clusters/ (MESH_CHECK_ROOT)
//    instead of the example mesh they check under `npm test`.
const { spawnSync } = require('child_process');
const path = require('path');
const { ensureBuilt } = require('./build');

const root = path.resolve(__dirname, '..');

function run(command, args, env = process.env) {
  const child = spawnSync(command, args, { cwd: root, stdio: 'inherit', env });
  if (child.error) {
    process.stderr.write(`error: cannot run ${command}: ${child.error.message}. Fix: run npm ci first\n`);
    return 1;
  }
  return child.status ?? 1;
}

function main() {
  ensureBuilt();
  const drift = run(process.execPath, [path.join(root, '.build', 'mesh-cli.js'), 'check']);
  if (drift !== 0) return drift;
  let jest;
  try {
    jest = require.resolve('jest/bin/jest', { paths: [root] });
  } catch {
    process.stderr.write('error: jest is not installed, so the conformance checks cannot run. Fix: run npm ci (it installs the development dependencies)\n');
    return 1;
  }
  process.stdout.write('conformance of this mesh (test/conformance/ on clusters/):\n');
  return run(process.execPath, [jest, '--ci', '--silent', 'test/conformance'], { ...process.env, MESH_CHECK_ROOT: root });
}

process.exitCode = main();
