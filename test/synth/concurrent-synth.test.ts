/**
 * Several synths (and a check) started at once on one project: before the
 * lock they deleted each other's half-built trees and failed with stack
 * traces. Now each waits for the one before it: every run ends with exit 0,
 * dist/ is the whole tree one synth writes, and nothing is left beside it.
 */
import { ChildProcess, spawn } from 'child_process';
import { mkdtempSync, readdirSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { compareTrees } from '../../lib/synth/compare-trees';
import { synthMesh } from '../../lib/synth/synth-mesh';
import { copyProject, expectNoStackTrace, runSynth } from '../support/project-copy';

function finished(child: ChildProcess): Promise<{ code: number | null; output: string }> {
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, output })));
}

describe('synths started at once', () => {
  it('all succeed one after the other, and dist/ is whole', async () => {
    const project = copyProject();
    try {
      // Builds the bundles of the copy and writes a first dist/.
      const first = runSynth(project.root);
      expect(first.status).toBe(0);
      const env = { ...process.env, CDK8S_CHECK_UPGRADE: 'false' };
      const start = (args: string[]) => finished(spawn(process.execPath, args, { cwd: project.root, env }));
      const runs = await Promise.all([
        start([join(project.root, 'scripts', 'synth.js')]),
        start([join(project.root, 'scripts', 'synth.js')]),
        start([join(project.root, '.build', 'main.js')]),
        start([join(project.root, '.build', 'main.js')]),
        start([join(project.root, '.build', 'main.js')]),
        start([join(project.root, '.build', 'mesh-cli.js'), 'check']),
      ]);
      for (const run of runs) {
        expectNoStackTrace(run.output);
        expect(run).toMatchObject({ code: 0 });
      }
      const reference = mkdtempSync(join(tmpdir(), 'mesh-concurrent-reference-'));
      try {
        expect(synthMesh({ root: project.root, outDir: join(reference, 'dist') }).ok).toBe(true);
        expect(compareTrees(join(reference, 'dist'), join(project.root, 'dist'))).toEqual([]);
      } finally {
        rmSync(reference, { recursive: true, force: true });
      }
      // Nothing left beside dist/ but the render cache, which belongs there.
      expect(readdirSync(project.root).filter((n) => n.startsWith('.dist') && n !== '.dist.cache')).toEqual([]);
    } finally {
      project.cleanup();
    }
  });
});
