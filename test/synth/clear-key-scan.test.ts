/**
 * The last gate before publishing: no rendered file may hold key material in
 * clear, however it got there (here: Helm values, which synth copies into the
 * HelmChart of every cluster). Synth then names each output file and line and
 * the fix, exits non-zero, and dist/ stays exactly as it was.
 */
import { generateKeyPairSync } from 'crypto';
import { existsSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { ClearKeyMaterialError } from '../../lib/synth/clear-key-scan';
import { publish, publishSiblings } from '../../lib/synth/publish';
import { synthMesh } from '../../lib/synth/synth-mesh';
import { formatProblem } from '../../lib/report/problems';
import { DEMO_IDENTITY } from '../secrets/mesh-ca/support';
import { editFile, exampleInventory, tempProject } from '../support/inventory-fixture';
import { copyProject, expectNoStackTrace, runSynth } from '../support/project-copy';
import { treeDigest } from '../support/tree';

const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const keyLine = pem.split('\n')[1];

const LEAKS: ReadonlyArray<[string, unknown]> = [
  ['a PEM private key', pem],
  ['a base64-encoded private key', Buffer.from(pem).toString('base64')],
  ['an age identity', DEMO_IDENTITY],
];

describe('no key material in clear is ever published', () => {
  it.each(LEAKS)('%s in mesh-wide Helm values: every cluster file that would hold it is named; dist/ stays as it was', (what, value) => {
    const project = tempProject(exampleInventory());
    try {
      expect(synthMesh({ root: project.root }).ok).toBe(true);
      const before = treeDigest(join(project.root, 'dist'));
      const files = editFile(exampleInventory(), 'mesh.yaml', (m) => (m.cilium.helmValues = { extraConfig: { note: value } }));
      writeFileSync(join(project.root, 'clusters', 'mesh.yaml'), files['mesh.yaml']);

      const result = synthMesh({ root: project.root });
      expect(result.ok).toBe(false);
      const errors = result.problems.filter((p) => p.severity === 'error');
      expect([...new Set(errors.map((p) => p.file.split('/').slice(0, 2).join('/')))].sort()).toEqual(['dist/k3scl1', 'dist/k3scl2', 'dist/k3scl3']);
      for (const p of errors) {
        expect(p).toMatchObject({ message: expect.stringContaining(`would hold ${what} in clear, so nothing was published`), fix: expect.stringMatching(/helmValues.*treated as leaked/) });
        expect(p.line).toBeGreaterThan(0);
        expect(formatProblem(p)).not.toContain(keyLine);
      }
      expect(treeDigest(join(project.root, 'dist'))).toBe(before);
      expect(existsSync(publishSiblings(join(project.root, 'dist')).next)).toBe(false);
    } finally {
      project.cleanup();
    }
  });

  it('publish itself refuses before it touches the output', () => {
    const project = tempProject(exampleInventory());
    try {
      const out = join(project.root, 'dist');
      publish(out, [{ path: 'a/ok.yaml', content: 'a: 1\n' }]);
      const before = treeDigest(out);
      expect(() => publish(out, [{ path: 'a/ok.yaml', content: 'a: 2\n' }, { path: 'b/leak.txt', content: `x\n${pem}` }])).toThrow(ClearKeyMaterialError);
      expect(() => publish(out, [{ path: 'b/leak.txt', content: `x\n${pem}` }])).toThrow(/b\/leak\.txt:2 \(PEM private key\)/);
      expect(treeDigest(out)).toBe(before);
    } finally {
      project.cleanup();
    }
  });

  it('npm run synth: one line per file with the fix, exit 1, no stack trace, dist/ as it was', () => {
    const project = copyProject();
    try {
      expect(runSynth(project.root).status).toBe(0);
      const before = treeDigest(join(project.root, 'dist'));
      const meshFile = join(project.root, 'clusters', 'mesh.yaml');
      writeFileSync(meshFile, readFileSync(meshFile, 'utf8').replace('  kubeProxyReplacement: true\n', `  kubeProxyReplacement: true\n  helmValues:\n    extraConfig:\n      note: ${DEMO_IDENTITY}\n`));
      const run = runSynth(project.root);
      expect(run.status).toBe(1);
      expectNoStackTrace(run.stdout + run.stderr);
      expect(run.stderr).toMatch(/^error: dist\/k3scl1\/\S+:\d+ would hold an age identity in clear, so nothing was published .*\. Fix: remove the key/m);
      expect(run.stdout + run.stderr).not.toContain(DEMO_IDENTITY);
      expect(treeDigest(join(project.root, 'dist'))).toBe(before);
    } finally {
      project.cleanup();
    }
  });
});
