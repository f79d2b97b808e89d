/**
 * `cdk8s synth`, as the cdk8s ecosystem runs it, works on a fresh clone: with
 * no bundle built yet, the app named in cdk8s.yaml (scripts/app.js) builds it
 * and writes the same dist/ as the synth library. With CDK8S_CHECK_UPGRADE=false,
 * the setting the README gives, cdk8s-cli asks npm for no newer version (offline
 * that request fails with a stack trace): it leaves no version cache in HOME.
 */
import { spawnSync } from 'child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { compareTrees } from '../../lib/synth/compare-trees';
import { synthMesh } from '../../lib/synth/synth-mesh';
import { PROJECT_ROOT } from '../support/paths';
import { copyProject } from '../support/project-copy';

describe('cdk8s synth on a fresh clone', () => {
  it('builds the app it needs and writes the example mesh', () => {
    const project = copyProject({ built: false });
    const reference = mkdtempSync(join(tmpdir(), 'mesh-cdk8s-synth-reference-'));
    try {
      expect(existsSync(join(project.root, '.build'))).toBe(false);
      const cli = join(PROJECT_ROOT, 'node_modules', '.bin', 'cdk8s');
      const home = join(reference, 'home');
      mkdirSync(home);
      const run = spawnSync(cli, ['synth'], { cwd: project.root, encoding: 'utf8', env: { ...process.env, HOME: home, CDK8S_CHECK_UPGRADE: 'false' }, timeout: 180_000 });
      expect(run.stderr).not.toMatch(/^\s+at /m);
      expect(run.status).toBe(0);
      expect(existsSync(join(home, '.cdk8s-cli.version'))).toBe(false);
      expect(existsSync(join(project.root, '.build', 'main.js'))).toBe(true);
      expect(synthMesh({ root: project.root, outDir: join(reference, 'dist') }).ok).toBe(true);
      expect(compareTrees(join(reference, 'dist'), join(project.root, 'dist'))).toEqual([]);
    } finally {
      rmSync(reference, { recursive: true, force: true });
      project.cleanup();
    }
  });
});
