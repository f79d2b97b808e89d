// Bundles the app and the CLI with esbuild: synth then starts in a fraction of
// the time ts-node needs to compile the generated imports.
const { buildSync } = require('esbuild');
const path = require('path');

const root = path.resolve(__dirname, '..');
buildSync({
  entryPoints: {
    main: path.join(root, 'main.ts'),
    'mesh-cli': path.join(root, 'lib/cli/mesh-cli.ts'),
    bench: path.join(root, 'bench/run.ts'),
  },
  outdir: path.join(root, '.build'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'linked',
  logLevel: 'warning',
});
