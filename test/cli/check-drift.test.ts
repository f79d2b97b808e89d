/**
 * `npm run check` (the built mesh-cli) against a dist/ as committed: it passes
 * on a fresh synth and fails, listing the files, on a hand-edited one, a
 * deleted file and a stray file, and on a stale layout.
 */
import { spawnSync } from 'child_process';
import { appendFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import { synthMesh } from '../../lib/synth/synth-mesh';
import { exampleInventory, tempProject } from '../support/inventory-fixture';
import { PROJECT_ROOT } from '../support/paths';
import { CHILD_PROCESS_HANG_MS } from '../support/hang-bound';

const CLI = join(PROJECT_ROOT, '.build', 'mesh-cli.js');

function checkAfter(edit: (dist: string) => void) {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  const project = tempProject(exampleInventory());
  try {
    const synth = synthMesh({ root: project.root });
    if (!synth.ok) throw new Error(`the example should synthesise: ${JSON.stringify(synth.problems)}`);
    edit(join(project.root, 'dist'));
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.MESH_INVENTORY;
    const child = spawnSync(process.execPath, [CLI, 'check'], { cwd: project.root, env, encoding: 'utf8', timeout: CHILD_PROCESS_HANG_MS });
    return { status: child.status, stdout: child.stdout, stderr: child.stderr };
  } finally {
    project.cleanup();
  }
}

describe('npm run check on dist/', () => {
  it('passes on a fresh synth', () => {
    const result = checkAfter(() => undefined);
    expect(result.stdout).toMatch(/dist\/ is up to date/);
    expect(result.status).toBe(0);
  });

  it('fails on a hand-edited manifest, the overview and an entry point, and lists them', () => {
    const result = checkAfter((dist) => {
      appendFileSync(join(dist, 'k3scl1', '03-mesh', 'clustermesh-secrets.yaml'), '# edited by hand\n');
      appendFileSync(join(dist, 'README.md'), '\nedited\n');
      appendFileSync(join(dist, 'k3scl2', 'flux', 'flux-sync.yaml'), '# edited\n');
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/dist\/ is out of date/);
    expect(result.stderr).toMatch(/^ {2}changed +README\.md$/m);
    expect(result.stderr).toMatch(/^ {2}changed +k3scl1\/03-mesh\/clustermesh-secrets\.yaml$/m);
    expect(result.stderr).toMatch(/^ {2}changed +k3scl2\/flux\/flux-sync\.yaml$/m);
  });

  it('fails on a deleted file and on a stray one', () => {
    const result = checkAfter((dist) => {
      rmSync(join(dist, 'argocd', 'applicationset.yaml'));
      mkdirSync(join(dist, 'k3scl3', 'extra'));
      writeFileSync(join(dist, 'k3scl3', 'extra', 'by-hand.yaml'), 'kind: ConfigMap\n');
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^ {2}added +argocd\/applicationset\.yaml$/m);
    expect(result.stderr).toMatch(/^ {2}removed +k3scl3\/extra\/by-hand\.yaml$/m);
  });
});
