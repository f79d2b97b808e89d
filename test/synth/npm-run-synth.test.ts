/**
 * The README's main job end to end: `npm run synth` (scripts/synth.js, which
 * runs cdk8s-cli's synth with the app) in a copy of the project with the example
 * mesh writes exactly what the synth library writes for it, and a broken inventory stops it with one line per
 * problem, exit 1, no stack trace and dist/ untouched.
 */
import { spawnSync } from 'child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { compareTrees } from '../../lib/synth/compare-trees';
import { synthMesh } from '../../lib/synth/synth-mesh';
import { copyProject } from '../support/project-copy';
import { CHILD_PROCESS_HANG_MS } from '../support/hang-bound';


/** Every .yaml file under `dir`, relative to it. */
function listYaml(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((p) => p.endsWith('.yaml') && statSync(join(dir, p)).isFile());
}

function withoutUpgradeSetting(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { CDK8S_CHECK_UPGRADE: _, ...rest } = env;
  return rest;
}

describe('npm run synth', () => {
  let copy: ReturnType<typeof copyProject>;
  let project: string;
  let home: string;

  beforeAll(() => {
    // No bundles: the first npm run synth builds them, as on a fresh clone.
    copy = copyProject({ built: false });
    project = copy.root;
    home = mkdtempSync(join(tmpdir(), 'mesh-npm-synth-home-'));
  });
  afterAll(() => {
    copy.cleanup();
    rmSync(home, { recursive: true, force: true });
  });

  // No CDK8S_CHECK_UPGRADE: npm run synth itself keeps cdk8s-cli from asking npm for a newer version.
  const synth = () => spawnSync('npm', ['run', '--silent', 'synth'], { cwd: project, encoding: 'utf8', env: { ...withoutUpgradeSetting(process.env), HOME: home }, timeout: CHILD_PROCESS_HANG_MS });

  it('writes what the synth library writes for the example mesh', () => {
    const run = synth();
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(run.status).toBe(0);
    // No version check: cdk8s-cli caches the answer of one in HOME.
    expect(existsSync(join(home, '.cdk8s-cli.version'))).toBe(false);
    const reference = mkdtempSync(join(tmpdir(), 'mesh-npm-synth-reference-'));
    try {
      const expected = synthMesh({ root: project, outDir: join(reference, 'dist') });
      expect(expected.ok).toBe(true);
      expect(compareTrees(join(reference, 'dist'), join(project, 'dist'))).toEqual([]);
    } finally {
      rmSync(reference, { recursive: true, force: true });
    }
    // cdk8s synth lists what it finds in its output folder, a view of dist/: the listing names dist/, what users commit.
    const listed = run.stdout.split('\n').filter((line) => line.startsWith('  - ')).map((line) => line.slice(4)).sort();
    expect(listed).toContain('dist/k3scl1/02-cilium/cilium-helm-chart.yaml');
    expect(listed.filter((p) => !p.startsWith('dist/'))).toEqual([]);
    expect(listed).toEqual(listYaml(join(project, 'dist')).map((p) => `dist/${p}`).sort());
  });

  it('stops on a broken inventory: every problem, exit 1, no stack trace, dist/ untouched', () => {
    const marker = join(project, 'dist', 'k3scl2', '02-cilium', 'cilium-helm-chart.yaml');
    const before = { text: readFileSync(marker, 'utf8'), mtime: statSync(marker).mtimeMs };
    const cluster = join(project, 'clusters', 'k3scl2.yaml');
    writeFileSync(cluster, readFileSync(cluster, 'utf8').replace(/^id: 2$/m, 'id: 1').replace(/^podCidr: .*$/m, 'podCidr: 10.11.0.0/16'));
    const run = synth();
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^error: clusters\/k3scl2\.yaml:\d+ id: 1 is already the id of k3scl1/m);
    expect(run.stderr).toMatch(/^error: clusters\/k3scl2\.yaml:\d+ podCidr: 10\.11\.0\.0\/16 overlaps/m);
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(readFileSync(marker, 'utf8')).toBe(before.text);
    expect(statSync(marker).mtimeMs).toBe(before.mtime);
  });
});
