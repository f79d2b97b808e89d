// The cdk8s app, as cdk8s.yaml names it, so that `cdk8s synth` works on a
// fresh clone too: the bundle is built first when it is missing or stale
// (a fingerprint check, about 0.1 s, when nothing changed). `npm run synth`
// has built it already and says so, skipping the check.
const path = require('path');

if (process.env.MESH_APP_BUILT !== '1') require('./build').ensureBuilt();
require(path.join(__dirname, '..', '.build', 'main.js'));
