/**
 * The inventory reads nothing outside the project: secrets.caFile (and the
 * certificate beside it) must stay inside the project and outside dist/, by
 * name and after following links; a symbolic link in clusters/ is refused
 * without being read, so no message can show what it points to.
 */
import { cpSync, mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { basename, join } from 'path';
import { loadInventory } from '../../lib/inventory/load';
import { formatProblem } from '../../lib/report/problems';
import { mesh } from '../secrets/mesh-ca/support';
import { exampleInventory, tempProject, withFile } from '../support/inventory-fixture';
import { EXAMPLE_MESH_DIR } from '../support/paths';
import { snapshot } from '../support/project-copy';
import { expectProblem, lineOf } from './expect-problem';

let project: { root: string; cleanup: () => void };
let outside: string;
beforeEach(() => {
  outside = mkdtempSync(join(tmpdir(), 'mesh-outside-'));
  cpSync(join(EXAMPLE_MESH_DIR, 'secrets'), join(outside, 'secrets'), { recursive: true });
});
afterEach(() => {
  project?.cleanup();
  rmSync(outside, { recursive: true, force: true });
});

const load = () => loadInventory(join(project.root, 'clusters'), { displayRoot: project.root });

/** The example with secrets.caFile set to `caFile`. */
function withCaFile(caFile: string) {
  const example = exampleInventory();
  const text = example['mesh.yaml'].replace('caFile: secrets/cilium-mesh-ca.sops.yaml', `caFile: ${caFile}`);
  return { files: withFile(example, 'mesh.yaml', text), line: lineOf(text, 'caFile:') };
}

describe('secrets.caFile', () => {
  it.each([
    ['in a folder beside the project', (o: string) => join('..', basename(o), 'secrets', 'cilium-mesh-ca.sops.yaml'), /is outside the project/],
    ['climbing out through secrets/..', () => 'secrets/../../etc/cilium-mesh-ca.sops.yaml', /is outside the project/],
    ['inside dist/', () => 'dist/cilium-mesh-ca.sops.yaml', /is inside dist\/, which every synth replaces/],
  ])('%s is refused, naming the file, the field and the fix', (_what, caFile, message) => {
    const { files, line } = withCaFile(caFile(outside));
    project = tempProject(files);
    mkdirSync(join(project.root, 'dist'));
    cpSync(join(project.root, 'secrets'), join(project.root, 'dist'), { recursive: true });
    expectProblem(load(), { file: 'clusters/mesh.yaml', field: 'secrets.caFile', line, message, fix: /inside the project and outside dist\/.*secrets\/cilium-mesh-ca\.sops\.yaml/ });
  });

  it('a secrets/ folder that is a link out of the project is refused', () => {
    project = tempProject(exampleInventory());
    rmSync(join(project.root, 'secrets'), { recursive: true });
    symlinkSync(join(outside, 'secrets'), join(project.root, 'secrets'));
    expectProblem(load(), {
      file: 'clusters/mesh.yaml',
      field: 'secrets.caFile',
      line: lineOf(exampleInventory()['mesh.yaml'], 'caFile:'),
      message: /'secrets\/cilium-mesh-ca\.sops\.yaml' leads outside the project through a symbolic link/,
      fix: /inside the project/,
    });
  });

  it('a certificate that is a link to a file outside, or into dist/, is refused', () => {
    project = tempProject(exampleInventory());
    const cert = join(project.root, 'secrets', 'cilium-mesh-ca.crt');
    rmSync(cert);
    symlinkSync(join(outside, 'secrets', 'cilium-mesh-ca.crt'), cert);
    expect(load().problems.map(formatProblem)).toEqual([expect.stringMatching(/^error: clusters\/mesh\.yaml:\d+ secrets\.caFile: 'secrets\/cilium-mesh-ca\.crt' leads outside the project through a symbolic link/)]);

    mkdirSync(join(project.root, 'dist'));
    cpSync(join(outside, 'secrets', 'cilium-mesh-ca.crt'), join(project.root, 'dist', 'ca.crt'));
    rmSync(cert);
    symlinkSync(join(project.root, 'dist', 'ca.crt'), cert);
    expect(load().problems.map(formatProblem)).toEqual([expect.stringMatching(/'secrets\/cilium-mesh-ca\.crt' leads into dist\/ through a symbolic link/)]);
  });

  it('ca rotate refuses to write outside the project, and writes nothing', async () => {
    const { files } = withCaFile('../elsewhere/cilium-mesh-ca.sops.yaml');
    project = tempProject(files);
    const parent = join(project.root, '..');
    const before = snapshot(project.root);
    const run = await mesh(project.root, ['ca', 'rotate', '--yes']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/secrets\.caFile: '\.\.\/elsewhere\/cilium-mesh-ca\.sops\.yaml' is outside the project/);
    expect(snapshot(project.root)).toEqual(before);
    expect(() => snapshot(join(parent, 'elsewhere'))).toThrow(/ENOENT/);
  });
});

describe('a symbolic link in clusters/', () => {
  const SECRET_LINE = 'internal-password: hunter2-do-not-print';

  it.each([
    ['out of the project', () => join(outside, 'notes.yaml')],
    ['to another inventory file', () => join(project.root, 'clusters', 'k3scl1.yaml')],
    ['to a system file', () => '/etc/passwd'],
  ])('%s is refused without reading it', (_what, target) => {
    project = tempProject(exampleInventory());
    writeFileSync(join(outside, 'notes.yaml'), `${SECRET_LINE}\nkind: [\n`);
    symlinkSync(target(), join(project.root, 'clusters', 'k3scl9.yaml'));
    const result = load();
    const printed = result.problems.map(formatProblem).join('\n');
    expect(printed).not.toMatch(/hunter2|root:|k3scl1-server/);
    expect(result.problems.filter((p) => p.severity === 'error').map(formatProblem)).toEqual([
      expect.stringMatching(/^error: clusters\/k3scl9\.yaml cannot be read: it is a symbolic link .*\(ELOOP\)\. Fix: replace the link with a copy of the file itself/),
    ]);
  });

  it('the inventory folder itself may be a link (MESH_INVENTORY chooses it)', () => {
    project = tempProject(exampleInventory());
    renameSync(join(project.root, 'clusters'), join(outside, 'clusters'));
    symlinkSync(join(outside, 'clusters'), join(project.root, 'clusters'));
    expect(load().mesh).toBeDefined();
  });
});
