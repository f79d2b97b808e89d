/**
 * The cdk8s app: `cdk8s synth` (npm run synth) runs this with CDK8S_OUTDIR set.
 * It turns the inventory in clusters/ into dist/<cluster>/ and mirrors the
 * files into CDK8S_OUTDIR, where cdk8s lists them.
 */
import { reportProblems } from './lib/cli/report';
import { synthMesh } from './lib/synth/synth-mesh';

const result = synthMesh({
  inventoryDir: process.env.MESH_INVENTORY,
  outDir: process.env.MESH_OUTPUT,
  mirrorDir: process.env.CDK8S_OUTDIR,
});
reportProblems(result.problems);
if (!result.ok) process.exit(1);
const { written, unchanged, removed } = result.publish;
// cdk8s synth shows only the app's stderr.
process.stderr.write(`dist: ${result.clusters} clusters, ${result.files} files (${written} written, ${unchanged} unchanged, ${removed} removed)\n`);
