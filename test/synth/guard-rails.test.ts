/**
 * The guard rails against the base revision: in a git repository whose first
 * commit holds the example mesh and its dist/, a change that breaks the running
 * clusters is refused by validate and by npm run synth (nothing written), with
 * what breaks and how to allow it; allowed by name, it goes through.
 */
import { execFileSync } from 'child_process';
import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { Writable } from 'stream';
import { runMeshCli } from '../../lib/cli/mesh-cli';
import { DISRUPTIVE_SETTINGS } from '../../lib/cilium/disruptive-settings';
import { DISRUPTIVE_KEYS } from '../../lib/synth/guard-rails';
import { committedProject, GitProject } from '../support/git-project';
import { copyProject, runSynth, snapshot } from '../support/project-copy';

function sink() {
  let text = '';
  const stream = new Writable({ write: (chunk, _enc, done) => ((text += String(chunk)), done()) });
  return { stream, text: () => text };
}

async function validate(root: string, ...args: string[]) {
  const out = sink();
  const err = sink();
  const code = await runMeshCli(['validate', ...args], { root, env: {}, stdout: out.stream, stderr: err.stream });
  return { code, stdout: out.text(), stderr: err.text() };
}

describe('guard rails against the base revision', () => {
  let project: GitProject;
  beforeAll(() => {
    project = committedProject();
  });
  afterAll(() => project.cleanup());
  afterEach(() => project.reset());

  it('passes an inventory that changes nothing running', async () => {
    expect((await validate(project.root)).code).toBe(0);
  });

  it("refuses a new cluster id, naming the file, the field, what breaks and the flag", async () => {
    project.edit('k3scl2.yaml', (c) => (c.id = 7));
    const run = await validate(project.root);
    expect(run.code).toBe(1);
    const id = DISRUPTIVE_SETTINGS.find((s) => s.key === 'cluster-id')!;
    expect(run.stderr).toContain(`error: clusters/k3scl2.yaml id: changes the cluster id of running cluster 'k3scl2' from 2 to 7 (dist/ at HEAD), which breaks the running mesh: ${id.breaks}`);
    expect(run.stderr).toContain('--allow-disruptive cluster-id');
    expect((await validate(project.root, '--allow-disruptive', 'cluster-id')).code).toBe(0);
  });

  it('refuses a new pod range and a rename, all at once', async () => {
    project.edit('k3scl1.yaml', (c) => (c.podCidr = '10.21.0.0/16'));
    project.git('mv', 'clusters/k3scl3.yaml', 'clusters/k3scl9.yaml');
    project.edit('k3scl9.yaml', (c) => (c.name = 'k3scl9'));
    const run = await validate(project.root);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("clusters/k3scl1.yaml podCidr: changes the pod range of running cluster 'k3scl1' from 10.11.0.0/16 to 10.21.0.0/16");
    expect(run.stderr).toContain("clusters/k3scl9.yaml name: renames running cluster 'k3scl3' (id 3) to 'k3scl9'");
    expect((await validate(project.root, '--allow-disruptive', 'pod-range')).stderr).not.toContain('podCidr');
    expect((await validate(project.root, '--allow-disruptive', 'pod-range', '--allow-disruptive', 'cluster-name')).code).toBe(0);
  });

  it('refuses another routing or encryption mode once for the mesh, pointing at the mesh file', async () => {
    project.edit('mesh.yaml', (m) => (m.cilium.routing.tunnelProtocol = 'geneve'));
    const run = await validate(project.root);
    expect(run.code).toBe(1);
    const lines = run.stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect(lines).toEqual([expect.stringContaining("error: clusters/mesh.yaml cilium.routing: changes the routing mode of the running mesh from tunnel, vxlan to tunnel, geneve")]);

    project.reset();
    // Encryption is a mesh-wide setting (a cluster's helmValues cannot set it): refused once, at the mesh file.
    project.edit('mesh.yaml', (m) => (m.cilium.encryption = { type: 'wireguard' }));
    const encryption = await validate(project.root);
    expect(encryption.code).toBe(1);
    const refused = encryption.stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect(refused).toEqual([expect.stringMatching(/^error: clusters\/mesh\.yaml cilium\.encryption: changes the encryption mode of the running mesh from false to true, wireguard/)]);
  });

  it('leaves a new cluster alone: nothing of it runs yet', async () => {
    const k3scl3 = readFileSync(join(project.root, 'clusters', 'k3scl3.yaml'), 'utf8');
    writeFileSync(
      join(project.root, 'clusters', 'k3scl4.yaml'),
      k3scl3.replace(/k3scl3/g, 'k3scl4').replace(/^id: 3$/m, 'id: 4').replace('10.13.0.0/16', '10.14.0.0/16').replace('172.17.11.13', '172.17.11.14').replace('32381', '32382'),
    );
    expect((await validate(project.root)).code).toBe(0);
  });

  it('compares with the revision given as --base, and refuses an unknown one or an unknown change name', async () => {
    project.edit('k3scl2.yaml', (c) => (c.id = 7));
    const unknownBase = await validate(project.root, '--base', 'nope');
    expect(unknownBase.code).toBe(1);
    expect(unknownBase.stderr).toContain("git knows no commit 'nope'");
    const unknownKey = await validate(project.root, '--allow-disruptive', 'cluster-ids');
    expect(unknownKey.code).toBe(1);
    expect(unknownKey.stderr).toContain('did you mean cluster-id?');
    expect(DISRUPTIVE_KEYS).toEqual(['cluster-name', ...DISRUPTIVE_SETTINGS.map((s) => s.key)]);
  });
});

describe('guard rails of npm run synth', () => {
  it('refuses with nothing written, and goes through when MESH_ALLOW_DISRUPTIVE allows it', () => {
    const copy = copyProject();
    try {
      const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', ...args], { cwd: copy.root, encoding: 'utf8' });
      writeFileSync(join(copy.root, '.gitignore'), ['node_modules', 'lib', 'imports', 'schema', 'main.ts', 'bench', 'tsconfig.json', 'package.json', 'package-lock.json', 'scripts/', 'cdk8s.yaml', '.build/', '.cdk8s.out/'].join('\n') + '\n');
      expect(runSynth(copy.root).status).toBe(0);
      git('init', '-q');
      git('add', '-A');
      git('commit', '-q', '-m', 'base');
      const file = join(copy.root, 'clusters', 'k3scl2.yaml');
      writeFileSync(file, readFileSync(file, 'utf8').replace(/^id: 2$/m, 'id: 7'));
      const before = snapshot(join(copy.root, 'dist'));
      const refused = runSynth(copy.root);
      expect(refused.status).toBe(1);
      expect(refused.stderr).toContain("clusters/k3scl2.yaml id: changes the cluster id of running cluster 'k3scl2' from 2 to 7");
      expect(refused.stderr).toContain('MESH_ALLOW_DISRUPTIVE=cluster-id npm run synth');
      expect(snapshot(join(copy.root, 'dist'))).toEqual(before);
      const allowed = runSynth(copy.root, { MESH_ALLOW_DISRUPTIVE: 'cluster-id' });
      expect(allowed.stderr).not.toContain('error');
      expect(allowed.status).toBe(0);
      expect(readFileSync(join(copy.root, 'dist', 'k3scl2', '02-cilium', 'cilium-helm-chart.yaml'), 'utf8')).toMatch(/^ {6}id: 7$/m);
    } finally {
      copy.cleanup();
    }
  });
});
