/**
 * `npm run synth` (scripts/synth.js: preflight, then cdk8s-cli running the
 * app) and `npm run check` on a hostile file system, as a user runs them: one
 * line naming the path and the fix, exit 1, no stack trace (neither the app's
 * nor cdk8s-cli's), and the project exactly as it was. The full disk is
 * injected into both processes at the fs boundary (works as root).
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import { faultEnv } from '../support/fs-faults';
import { copyProject, expectNoStackTrace, runMesh, runSynth, snapshot } from '../support/project-copy';

let project: { root: string; cleanup: () => void };
beforeAll(() => {
  project = copyProject();
  const first = runSynth(project.root);
  if (first.status !== 0) throw new Error(`the example should synthesise:\n${first.stderr}`);
});
afterAll(() => project.cleanup());

/** Runs `run` on a broken project made by `breakIt`, checks the one-line failure, then repairs it with `repair`. */
function expectOneLineFailure(breakIt: () => void, run: () => { status: number | null; stderr: string }, line: RegExp, repair: () => void): void {
  breakIt();
  try {
    const before = snapshot(project.root);
    const result = run();
    expectNoStackTrace(result.stderr);
    const errors = result.stderr.split('\n').filter((l) => l.startsWith('error: '));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(line);
    expect(result.status).toBe(1);
    expect(snapshot(project.root)).toEqual(before);
  } finally {
    repair();
  }
}

const dist = () => join(project.root, 'dist');
const cert = () => join(project.root, 'secrets', 'cilium-mesh-ca.crt');

describe('npm run synth on a hostile file system', () => {
  it('a folder where the certificate should be (EISDIR)', () => {
    expectOneLineFailure(
      () => {
        renameSync(cert(), `${cert()}.saved`);
        mkdirSync(cert());
      },
      () => runSynth(project.root),
      /^error: secrets\/cilium-mesh-ca\.crt cannot be read: it is a folder where a file is expected \(EISDIR\)\. Fix: /,
      () => {
        rmSync(cert(), { recursive: true });
        renameSync(`${cert()}.saved`, cert());
      },
    );
  });

  it('a full disk while dist/ is written (ENOSPC, in the cdk8s app)', () => {
    const cluster = join(project.root, 'clusters', 'k3scl3.yaml');
    expectOneLineFailure(
      () => writeFileSync(cluster, `${require('fs').readFileSync(cluster, 'utf8').replace('nodePort: 32381', 'nodePort: 32391')}`),
      () => runSynth(project.root, faultEnv([{ code: 'ENOSPC', ops: ['data'], under: join(project.root, '.dist.next') }])),
      /^error: dist cannot be written: the disk is full \(ENOSPC\)\. Fix: free space on that disk, then run again$/,
      () => writeFileSync(cluster, require('fs').readFileSync(cluster, 'utf8').replace('nodePort: 32391', 'nodePort: 32381')),
    );
  });

  it('dist/ being a file (ENOTDIR), for synth and for check', () => {
    const moveAway = () => {
      renameSync(dist(), `${dist()}.saved`);
      writeFileSync(dist(), 'notes\n');
    };
    const restore = () => {
      rmSync(dist());
      renameSync(`${dist()}.saved`, dist());
    };
    expectOneLineFailure(moveAway, () => runSynth(project.root), /^error: dist is a file, where synth writes a folder\. Fix: move the file away/, restore);
    expectOneLineFailure(moveAway, () => runMesh(project.root, ['check']), /^error: dist is a file, where synth writes a folder\. Fix: move the file away/, restore);
  });

  it('a dist/ this tool did not write', () => {
    expectOneLineFailure(
      () => {
        renameSync(dist(), `${dist()}.saved`);
        mkdirSync(dist());
        writeFileSync(join(dist(), 'thesis.tex'), 'years of work\n');
      },
      () => runSynth(project.root),
      /^error: dist exists and was not written by this tool .*\. Fix: move the folder away/,
      () => {
        rmSync(dist(), { recursive: true });
        renameSync(`${dist()}.saved`, dist());
      },
    );
  });
});
