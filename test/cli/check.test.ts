/**
 * `mesh-cli check` as a user runs it (the bundle from `npm run build`): every
 * inventory problem on stderr, one line each, exit code 1, and never a stack
 * trace. On a valid inventory whose dist/ is up to date it exits 0.
 */
import { spawnSync } from 'child_process';
import { existsSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import { synthMesh } from '../../lib/synth/synth-mesh';
import { editFile, exampleInventory, InventoryFiles, tempProject } from '../support/inventory-fixture';
import { EXAMPLE_MESH_DIR, PROJECT_ROOT } from '../support/paths';
import { CHILD_PROCESS_HANG_MS } from '../support/hang-bound';

const CLI = join(PROJECT_ROOT, '.build', 'mesh-cli.js');

function run(command: string, files: InventoryFiles, env: Record<string, string> = {}, prepare?: (root: string) => void) {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  const project = tempProject(files);
  try {
    prepare?.(project.root);
    const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
    if (!('MESH_INVENTORY' in env)) delete childEnv.MESH_INVENTORY;
    const child = spawnSync(process.execPath, [CLI, command], { cwd: project.root, env: childEnv, encoding: 'utf8', timeout: CHILD_PROCESS_HANG_MS });
    return { status: child.status, stdout: child.stdout, stderr: child.stderr };
  } finally {
    project.cleanup();
  }
}

const check = (files: InventoryFiles, env: Record<string, string> = {}, prepare?: (root: string) => void) => run('check', files, env, prepare);

/** Writes the example's dist/ into the temporary project, as a committed synth would. */
function synthDist(root: string): void {
  const result = synthMesh({ root, inventoryDir: join(EXAMPLE_MESH_DIR, 'clusters') });
  if (!result.ok) throw new Error(`the example should synthesise: ${JSON.stringify(result.problems)}`);
}

function expectNoStackTrace(output: string): void {
  expect(output).not.toMatch(/^ {4}at /m);
  expect(output).not.toMatch(/\n\s+at .+:\d+:\d+\)?$/m);
  expect(output).not.toMatch(/TypeError|ReferenceError|Cannot read propert/);
}

describe('mesh-cli check', () => {
  it('exits 0 on the bundled example with its dist/', () => {
    const result = check(exampleInventory(), {}, synthDist);
    expect(result.stderr).not.toMatch(/^error: /m);
    expectNoStackTrace(result.stderr);
    expect(result.stdout).toMatch(/dist\/ is up to date/);
    expect(result.status).toBe(0);
  });

  it('validate exits 0 on the bundled example', () => {
    const result = run('validate', exampleInventory());
    // The one warning of the example: its demo CA and recipient (anyone can decrypt it).
    expect(result.stderr.split('\n').filter((l) => l !== '')).toEqual([expect.stringMatching(/^warning: secrets\/cilium-mesh-ca\.sops\.yaml uses the demo age recipient \(secrets\.ageRecipients\) and the demo CA of the example/)]);
    expect(result.stdout).toMatch(/inventory ok: 3 clusters, 1 global services, 1 policies/);
    expect(result.status).toBe(0);
  });

  it('exits 1 on a broken inventory and lists every problem on stderr', () => {
    const example = exampleInventory();
    const broken = editFile(
      editFile(example, 'k3scl2.yaml', (c) => {
        c.id = 1;
        c.nodes[0].ip = '01.2.3.4';
      }),
      'mesh.yaml',
      (m) => (m.cilium.helmValues = { etcd: { managed: true } }),
    );
    const run = check(broken, {}, synthDist);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    const lines = run.stderr.split('\n');
    const errorLines = lines.filter((l) => l.startsWith('error: '));
    expect(errorLines).toHaveLength(3);
    expect(run.stderr).toMatch(/^error: clusters\/k3scl2\.yaml:\d+ id: 1 is already the id of k3scl1 .*\. Fix: choose an id/m);
    expect(run.stderr).toMatch(/^error: clusters\/k3scl2\.yaml:\d+ nodes\[0\]\.ip: '01\.2\.3\.4' is not an IPv4 address.*\. Fix: /m);
    expect(run.stderr).toMatch(/^error: clusters\/mesh\.yaml:\d+ cilium\.helmValues\.etcd\.managed: is not accepted .*\. Fix: /m);
    expect(run.stderr).toMatch(/3 errors in the inventory; nothing was written\./);
    expectNoStackTrace(run.stderr);
  });

  it('reports malformed YAML and non-UTF-8 bytes without a stack trace', () => {
    const example = exampleInventory();
    const files = { ...example, 'k3scl1.yaml': example['k3scl1.yaml'].replace('id: 1\n', 'id: 1\nid: 4\n') };
    const run = check(files, {}, (root) => writeFileSync(join(root, 'clusters', 'k3scl3.yaml'), Buffer.from([0x6b, 0x69, 0x6e, 0x64, 0x3a, 0x20, 0xff, 0x0a])));
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^error: clusters\/k3scl1\.yaml:5 is not valid YAML: the key 'id' appears twice in its mapping \(first at line 4\)\. Fix: keep one 'id'/m);
    expect(run.stderr).toMatch(/^error: clusters\/k3scl3\.yaml is not valid UTF-8 text\. Fix: save the file as UTF-8/m);
    expectNoStackTrace(run.stderr);
  });

  it('exits 1 without a stack trace when there is no inventory folder', () => {
    const run = check({}, {}, (root) => rmSync(join(root, 'clusters'), { recursive: true }));
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^error: clusters is not a readable folder\. Fix: /m);
    expectNoStackTrace(run.stderr);
  });

  it('reads the inventory from MESH_INVENTORY', () => {
    // The project's own clusters/ is empty: only the example named by MESH_INVENTORY gives that dist/.
    const result = check({}, { MESH_INVENTORY: join(EXAMPLE_MESH_DIR, 'clusters') }, synthDist);
    expect(result.stderr).not.toMatch(/^error: /m);
    expect(result.status).toBe(0);
  });

  it('validate also lists the problems of a broken inventory and exits 1', () => {
    const broken = editFile(exampleInventory(), 'k3scl3.yaml', (c) => (c.podCidr = '10.13.0.0/33'));
    const result = run('validate', broken);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^error: clusters\/k3scl3\.yaml:\d+ podCidr: '10\.13\.0\.0\/33' has an invalid prefix length/m);
    expectNoStackTrace(result.stderr);
  });
});
