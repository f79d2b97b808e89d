/**
 * The package used as a library, the way a user's own cdk8s app uses it:
 * `require('k3s-cilium-mesh')` through package.json `exports`, one cluster's
 * mesh added to an app that has charts of its own. The app synthesises the
 * same objects dist/<cluster>/ holds, and a TypeScript app type-checks against
 * the exported model and props.
 */
import { spawnSync } from 'child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import * as ts from 'typescript';
import { parseAllDocuments } from 'yaml';
import { renderMesh } from '../../lib/mesh-manifests';
import { manifestFile } from '../../lib/output/files';
import { CHILD_PROCESS_HANG_MS } from '../support/hang-bound';
import { exampleInventory, exampleSecrets, meshOf } from '../support/inventory-fixture';
import { EXAMPLE_MESH_DIR, PROJECT_ROOT } from '../support/paths';

const objectsOf = (text: string) => parseAllDocuments(text).map((d) => d.toJS()).filter((o) => o !== null);

const CONSUMER_APP = `
const { join } = require('path');
const { ApiObject, App, Chart } = require('cdk8s');
const { addClusterCharts, loadProject } = require('k3s-cilium-mesh');

const [outdir, project] = process.argv.slice(2);
const app = new App({ outdir });
const mine = new Chart(app, 'mine');
new ApiObject(mine, 'settings', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'default' } });
const loaded = loadProject(join(project, 'clusters'), { displayRoot: project });
if (!loaded.mesh) throw new Error(loaded.problems.map((p) => p.message).join('; '));
const manifests = addClusterCharts(app, loaded.mesh, loaded.secrets, 'k3scl1');
app.synth();
process.stdout.write(JSON.stringify(manifests.map((m) => ({ name: m.name, chart: m.chart ? m.chart.node.id : undefined, verbatim: m.verbatim }))));
`;

const CONSUMER_TS = `
import { App, Chart } from 'cdk8s';
import { addClusterCharts, CiliumHelmChart, ClusterManifest, loadProject, Mesh, ProjectLoadResult } from 'k3s-cilium-mesh';

const loaded: ProjectLoadResult = loadProject('clusters');
const mesh: Mesh | undefined = loaded.mesh;
const app = new App();
if (mesh && loaded.secrets) {
  const manifests: ClusterManifest[] = addClusterCharts(app, mesh, loaded.secrets, mesh.clusters[0].name);
  const names: string[] = manifests.map((m) => m.name);
  new CiliumHelmChart(new Chart(app, 'own'), 'cilium', { version: mesh.cilium.version, namespace: mesh.cilium.namespace, values: {} });
  void names;
}
`;

describe('the package as a library', () => {
  jest.setTimeout(300_000);
  let consumer: string;

  beforeAll(() => {
    // The declarations package.json names (npm runs this on install, as `prepare`).
    const types = spawnSync('npm', ['run', '--silent', 'build:types'], { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 240_000 });
    if (types.status !== 0) throw new Error(`npm run build:types failed:\n${types.stdout}${types.stderr}`);
    consumer = mkdtempSync(join(tmpdir(), 'mesh-library-'));
    mkdirSync(join(consumer, 'node_modules'));
    // The package as npm would link it, and the one cdk8s both share.
    symlinkSync(PROJECT_ROOT, join(consumer, 'node_modules', 'k3s-cilium-mesh'));
    for (const dep of ['cdk8s', 'constructs', '@types']) symlinkSync(join(PROJECT_ROOT, 'node_modules', dep), join(consumer, 'node_modules', dep));
    writeFileSync(join(consumer, 'app.js'), CONSUMER_APP);
    writeFileSync(join(consumer, 'app.ts'), CONSUMER_TS);
  });
  afterAll(() => rmSync(consumer, { recursive: true, force: true }));

  it("composes one cluster's mesh into an app with charts of its own: the objects of dist/<cluster>/", () => {
    const outdir = join(consumer, 'out');
    const run = spawnSync(process.execPath, [join(consumer, 'app.js'), outdir, EXAMPLE_MESH_DIR], { cwd: consumer, encoding: 'utf8', timeout: CHILD_PROCESS_HANG_MS });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const manifests: { name: string; chart?: string; verbatim?: string }[] = JSON.parse(run.stdout);

    const dist = renderMesh(meshOf(exampleInventory()), exampleSecrets()).filter((f) => f.path.startsWith('k3scl1/0'));
    const fileOf = (name: string) => dist.find((f) => f.path.endsWith(`/${manifestFile(name as never)}`));
    // Every manifest file of the cluster is there, in the same order as its stages apply them.
    expect(manifests.map((m) => fileOf(m.name)?.path)).toEqual(dist.filter((f) => !f.path.endsWith('kustomization.yaml')).map((f) => f.path));

    const synthesised = readdirSync(outdir).sort();
    expect(synthesised).toContain('mine.k8s.yaml');
    for (const m of manifests) {
      if (m.verbatim !== undefined) {
        // The SOPS-encrypted CA: handed over as text, byte for byte.
        expect(m.verbatim).toBe(fileOf(m.name)!.content);
        continue;
      }
      expect(synthesised).toContain(`${m.chart}.k8s.yaml`);
      expect(objectsOf(readFileSync(join(outdir, `${m.chart}.k8s.yaml`), 'utf8'))).toEqual(objectsOf(fileOf(m.name)!.content));
    }
    expect(objectsOf(readFileSync(join(outdir, 'mine.k8s.yaml'), 'utf8'))).toEqual([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'default' } }]);
  });

  it('type-checks a TypeScript app against the exported model, functions and props', () => {
    const program = ts.createProgram([join(consumer, 'app.ts')], {
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      module: ts.ModuleKind.Node16,
      moduleResolution: ts.ModuleResolutionKind.Node16,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
      resolveJsonModule: true,
      types: ['node'],
      typeRoots: [join(consumer, 'node_modules', '@types')],
    });
    const problems = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(problems).toEqual([]);
    // Resolved through package.json `exports` to the declarations, not to the sources.
    const files = program.getSourceFiles().map((f) => f.fileName);
    // (TypeScript names files by their real path: the package's folder, not the link to it.)
    expect(files).toContain(join(PROJECT_ROOT, '.build', 'types', 'lib', 'index.d.ts'));
    expect(files.filter((f) => f.startsWith(join(PROJECT_ROOT, 'lib')) || (f.startsWith(PROJECT_ROOT) && /(?<!\.d)\.ts$/.test(f)))).toEqual([]);
  });
});
