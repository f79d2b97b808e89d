/**
 * Endless inputs do not hang synth, check or validate: a named pipe in
 * clusters/ or in secrets/, and one in dist/ for check. Each run is spawned
 * with a time limit far above its normal duration and must end by itself,
 * with one line naming the file, exit 1, and the project unchanged.
 */
import { execFileSync } from 'child_process';
import { renameSync, rmSync } from 'fs';
import { join } from 'path';
import { copyProject, expectNoStackTrace, runMesh, runSynth, snapshot } from '../support/project-copy';

let project: { root: string; cleanup: () => void };
beforeAll(() => {
  project = copyProject();
  const first = runSynth(project.root);
  if (first.status !== 0) throw new Error(`the example should synthesise:\n${first.stderr}`);
});
afterAll(() => project.cleanup());

const LIMIT_MS = 60_000;

function expectEndsWithOneError(run: { status: number | null; stderr: string }, line: RegExp): void {
  expect(run.status).toBe(1); // null when the time limit had to kill it
  expectNoStackTrace(run.stderr);
  expect(run.stderr.split('\n').filter((l) => l.startsWith('error: '))).toEqual([expect.stringMatching(line)]);
}

describe('a named pipe among the inputs', () => {
  it('in clusters/: synth and validate end by themselves and name it', () => {
    const pipe = join(project.root, 'clusters', 'k3scl9.yaml');
    execFileSync('mkfifo', [pipe]);
    try {
      const before = snapshot(project.root);
      const line = /^error: clusters\/k3scl9\.yaml cannot be read: it is a named pipe, not a regular file .*\. Fix: replace it/;
      expectEndsWithOneError(runSynth(project.root, {}, LIMIT_MS), line);
      expectEndsWithOneError(runMesh(project.root, ['validate'], {}, LIMIT_MS), line);
      expect(snapshot(project.root)).toEqual(before);
    } finally {
      rmSync(pipe);
    }
  });

  it('where the CA certificate should be: synth ends by itself and names it', () => {
    const cert = join(project.root, 'secrets', 'cilium-mesh-ca.crt');
    renameSync(cert, `${cert}.saved`);
    execFileSync('mkfifo', [cert]);
    try {
      expectEndsWithOneError(runSynth(project.root, {}, LIMIT_MS), /^error: secrets\/cilium-mesh-ca\.crt cannot be read: it is a named pipe, not a regular file/);
    } finally {
      rmSync(cert);
      renameSync(`${cert}.saved`, cert);
    }
  });

  it('in dist/, where synth writes a file: check ends by itself and lists it as changed, without opening it', () => {
    const file = join(project.root, 'dist', 'k3scl1', 'kustomization.yaml');
    renameSync(file, `${file}.saved`);
    execFileSync('mkfifo', [file]);
    try {
      const run = runMesh(project.root, ['check'], {}, LIMIT_MS);
      expect(run.status).toBe(1);
      expectNoStackTrace(run.stderr);
      expect(run.stderr).toMatch(/^ {2}changed +k3scl1\/kustomization\.yaml$/m);
    } finally {
      rmSync(file);
      renameSync(`${file}.saved`, file);
    }
  });
});
