/**
 * The rollout impact on typical changes, in a git repository whose first commit
 * holds the example mesh and its dist/: each change is made to the working
 * tree's inventory, `mesh impact` compares it with the committed dist/, and the
 * chart changes are judged by rendering the packaged Cilium chart with helm.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Writable } from 'stream';
import { runMeshCli } from '../../lib/cli/mesh-cli';
import { ImpactReport, ClusterImpact, ObjectChange } from '../../lib/impact/impact';
import { IMPACT_MARKER } from '../../lib/impact/markdown';
import { synthMesh } from '../../lib/synth/synth-mesh';
import { committedProject, GitProject } from '../support/git-project';
import { chartArchive, helmBinary, memoisedHelm } from '../support/helm';
import { describeWithShared, UPSTREAM_DIR } from '../support/paths';
import { runMesh } from '../support/project-copy';

function sink() {
  let text = '';
  const stream = new Writable({ write: (chunk, _enc, done) => ((text += String(chunk)), done()) });
  return { stream, text: () => text };
}

/** helm, rendering the committed base (the same in every test) once. */
const helm = memoisedHelm();
afterAll(() => helm?.cleanup());

async function mesh(root: string, argv: string[], env: NodeJS.ProcessEnv = { MESH_HELM: helm?.command }) {
  const out = sink();
  const err = sink();
  const code = await runMeshCli(argv, { root, env, stdout: out.stream, stderr: err.stream });
  return { code, stdout: out.text(), stderr: err.text() };
}

const CHART_DIR = join(UPSTREAM_DIR, 'cilium');

async function impact(project: GitProject, extra: string[] = [], env?: NodeJS.ProcessEnv): Promise<ImpactReport> {
  const run = await mesh(project.root, ['impact', '--json', '--chart-dir', CHART_DIR, ...extra], env);
  if (run.code !== 0) throw new Error(`impact exited ${run.code}: ${run.stderr}`);
  return JSON.parse(run.stdout) as ImpactReport;
}

const cluster = (report: ImpactReport, name: string): ClusterImpact => {
  const found = report.clusters.find((c) => c.cluster === name);
  if (!found) throw new Error(`no cluster ${name} in the report: ${report.clusters.map((c) => c.cluster).join(', ')}`);
  return found;
};
const change = (c: ClusterImpact, object: string): ObjectChange => {
  const found = c.changes.find((x) => x.object === object);
  if (!found) throw new Error(`no change of ${object} in ${c.cluster}: ${c.changes.map((x) => x.object).join(', ')}`);
  return found;
};
const HELM_CHART = 'HelmChart.helm.cattle.io kube-system/cilium';

describeWithShared('mesh impact', [chartArchive('1.19.6')], () => {
  let project: GitProject;
  beforeAll(() => {
    project = committedProject();
  });
  afterAll(() => project.cleanup());
  afterEach(() => project.reset());

  it('finds nothing to do when the inventory renders what is committed', async () => {
    const report = await impact(project);
    expect(report.base.ref).toBe('HEAD');
    expect(report.base.commit).toBe(project.git('rev-parse', 'HEAD').trim());
    expect(report.clusters.map((c) => [c.cluster, c.status])).toEqual([
      ['k3scl1', 'unchanged'],
      ['k3scl2', 'unchanged'],
      ['k3scl3', 'unchanged'],
    ]);
    expect(report.effect).toBe('none');
  });

  it('adds a cluster: the peers take it live, clustermesh-apiserver rolls for its host alias', async () => {
    const k3scl3 = readFileSync(join(project.root, 'clusters', 'k3scl3.yaml'), 'utf8');
    writeFileSync(
      join(project.root, 'clusters', 'k3scl4.yaml'),
      k3scl3.replace(/k3scl3/g, 'k3scl4').replace(/^id: 3$/m, 'id: 4').replace('10.13.0.0/16', '10.14.0.0/16').replace('172.17.11.13', '172.17.11.14').replace('32381', '32382'),
    );
    const report = await impact(project);
    expect(cluster(report, 'k3scl4')).toMatchObject({ status: 'added', effect: 'none' });
    for (const peer of ['k3scl1', 'k3scl2', 'k3scl3']) {
      const c = cluster(report, peer);
      const secret = change(c, 'Secret kube-system/cilium-clustermesh');
      expect(secret).toMatchObject({ change: 'changed', effect: 'live' });
      expect(secret.why).toContain('peers added: k3scl4');
      expect(change(c, 'ConfigMap kube-system/clustermesh-remote-users')).toMatchObject({ effect: 'live' });
      // The host aliases live in clustermesh-apiserver's pod template: a new peer rolls it, nothing else.
      expect(change(c, 'Deployment kube-system/clustermesh-apiserver')).toMatchObject({ effect: 'rolls', workloads: ['Deployment/clustermesh-apiserver'] });
      expect(c.changes.filter((x) => x.effect === 'rolls').flatMap((x) => x.workloads)).toEqual(['Deployment/clustermesh-apiserver']);
      expect(c.changes.some((x) => x.object === HELM_CHART)).toBe(false);
    }
    expect(report.effect).toBe('rolls');

    expect((await mesh(project.root, ['impact', '--chart-dir', CHART_DIR, '--fail-on', 'disruptive'])).code).toBe(0);
    const refused = await mesh(project.root, ['impact', '--chart-dir', CHART_DIR, '--fail-on', 'rolls']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('--fail-on rolls');
  });

  it('adds a global service: its Service and backend are created live, Cilium itself does not restart', async () => {
    project.edit('services.yaml', (f) =>
      f.services.push({ name: 'echo-global', namespace: 'test', ports: [{ port: 8080, name: 'http' }], clusters: 'all', backend: { name: 'echo', image: 'hashicorp/http-echo:1.0.0', replicas: 1, clusters: ['k3scl2'] } }),
    );
    const report = await impact(project);
    expect(report.effect).toBe('live');
    for (const name of ['k3scl1', 'k3scl2', 'k3scl3']) {
      const c = cluster(report, name);
      const added = c.changes.filter((x) => x.change === 'added').map((x) => x.object);
      expect(added).toContain('Service test/echo-global');
      // Nothing of Cilium's own is touched: no HelmChart change, nothing rolls.
      expect(c.changes.map((x) => x.object)).not.toContain(HELM_CHART);
      expect(c.changes.filter((x) => x.effect === 'rolls' || x.effect === 'disruptive')).toEqual([]);
    }
    // The backend's pods start where it runs, and only there.
    expect(cluster(report, 'k3scl2').changes.find((x) => x.object === 'Deployment test/echo')?.why).toMatch(/its pods start/);
    expect(cluster(report, 'k3scl1').changes.map((x) => x.object)).not.toContain('Deployment test/echo');
  });

  it('removes a cluster the others dial: disruptive', async () => {
    project.git('rm', '-q', 'clusters/k3scl3.yaml');
    const report = await impact(project);
    const removed = cluster(report, 'k3scl3');
    expect(removed).toMatchObject({ status: 'removed', effect: 'disruptive' });
    expect(removed.note).toContain('k3scl1, k3scl2 dial it');
    expect(change(cluster(report, 'k3scl1'), 'Secret kube-system/cilium-clustermesh').why).toContain('peers removed: k3scl3');
  });

  it('changes Helm values of the agents: the chart renders a new DaemonSet pod template, in that cluster only', async () => {
    project.edit('k3scl1.yaml', (c) => (c.helmValues = { resources: { requests: { cpu: '150m' } } }));
    const report = await impact(project);
    const chart = change(cluster(report, 'k3scl1'), HELM_CHART);
    expect(chart.effect).toBe('rolls');
    expect(chart.workloads).toEqual(['DaemonSet/cilium']);
    expect(cluster(report, 'k3scl2').status).toBe('unchanged');
    expect(cluster(report, 'k3scl3').status).toBe('unchanged');
  });

  it('changes a value that only touches the operator: only cilium-operator rolls', async () => {
    project.edit('k3scl2.yaml', (c) => (c.helmValues = { operator: { resources: { requests: { cpu: '50m' } } } }));
    const chart = change(cluster(await impact(project), 'k3scl2'), HELM_CHART);
    expect(chart).toMatchObject({ effect: 'rolls', workloads: ['Deployment/cilium-operator'] });
  });

  it('leaves no temporary file behind, not even what helm leaves in its temporary folder', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'mesh-impact-tmp-'));
    try {
      project.edit('k3scl2.yaml', (c) => (c.helmValues = { operator: { resources: { requests: { cpu: '51m' } } } }));
      const run = runMesh(project.root, ['impact', '--json', '--chart-dir', CHART_DIR], { TMPDIR: tmp, MESH_HELM: helmBinary()! });
      expect(run.stderr).toBe('');
      // Both charts were rendered (the operator rolls), in the temporary folder given.
      expect(change(cluster(JSON.parse(run.stdout), 'k3scl2'), HELM_CHART)).toMatchObject({ effect: 'rolls', workloads: ['Deployment/cilium-operator'] });
      expect(readdirSync(tmp)).toEqual([]);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('changes a cilium-config value: the agents take it at their next restart, unless rollOutCiliumPods rolls them', async () => {
    project.edit('k3scl1.yaml', (c) => (c.helmValues = { bpf: { masquerade: true } }));
    const restart = change(cluster(await impact(project), 'k3scl1'), HELM_CHART);
    expect(restart.effect).toBe('restart');
    expect(restart.workloads).toContain('DaemonSet/cilium');
    expect(restart.why).toContain('ConfigMap cilium-config changes (enable-bpf-masquerade)');

    project.reset();
    // With rollOutCiliumPods the chart puts the config's checksum on the agents' pod template.
    project.edit('k3scl1.yaml', (c) => (c.helmValues = { bpf: { masquerade: true }, rollOutCiliumPods: true }));
    const rolls = change(cluster(await impact(project), 'k3scl1'), HELM_CHART);
    expect(rolls.effect).toBe('rolls');
    expect(rolls.workloads).toContain('DaemonSet/cilium');
  });

  it('says "may roll pods" with the reason when helm or the chart is not available, never guesses', async () => {
    project.edit('k3scl1.yaml', (c) => (c.helmValues = { operator: { resources: { requests: { cpu: '50m' } } } }));
    const noHelm = change(cluster(await impact(project, [], { MESH_HELM: join(project.root, 'no-helm-here') }), 'k3scl1'), HELM_CHART);
    expect(noHelm.effect).toBe('may-roll');
    expect(noHelm.why).toContain('helm is not available');
    const run = await mesh(project.root, ['impact', '--json']);
    const noChart = change(cluster(JSON.parse(run.stdout) as ImpactReport, 'k3scl1'), HELM_CHART);
    expect(noChart.effect).toBe('may-roll');
    expect(noChart.why).toContain('cilium-1.19.6.tgz is not available');
    expect((await mesh(project.root, ['impact', '--fail-on', 'rolls'])).code).toBe(1);
  });

  it('rotates the CA in phases: neither trusting the new CA nor issuing from it once trusted is disruptive', async () => {
    // Phase trust-both: the CA Secret stays, every cluster's trust bundle gains the new CA.
    expect((await mesh(project.root, ['ca', 'rotate', '--yes'])).code).toBe(0);
    const trustBoth = await impact(project);
    expect(trustBoth.effect).not.toBe('disruptive');
    for (const name of ['k3scl1', 'k3scl2', 'k3scl3']) {
      expect(cluster(trustBoth, name).changes.map((c) => c.object)).not.toContain('Secret kube-system/cilium-mesh-ca');
      expect(change(cluster(trustBoth, name), HELM_CHART).effect).toBe('rolls');
    }
    // Committed and synthesised, the next phase issues from the new CA, which every cluster of the base trusts.
    expect(synthMesh({ root: project.root }).ok).toBe(true);
    project.git('add', '-A');
    project.git('commit', '-q', '-m', 'ca rotate: trust-both');
    try {
      expect((await mesh(project.root, ['ca', 'rotate', '--yes'])).code).toBe(0);
      const issueNew = await impact(project);
      expect(issueNew.effect).not.toBe('disruptive');
      for (const name of ['k3scl1', 'k3scl2', 'k3scl3']) {
        const ca = change(cluster(issueNew, name), 'Secret kube-system/cilium-mesh-ca');
        expect(ca.effect).toBe('rolls');
        expect(ca.why).toContain('one every cluster already trusts');
      }
    } finally {
      project.git('reset', '-q', '--hard', 'HEAD~1');
      project.git('clean', '-q', '-fd');
    }
  });

  it('rotates the CA in one step: disruptive in every cluster', async () => {
    expect((await mesh(project.root, ['ca', 'rotate', '--one-step', '--yes'])).code).toBe(0);
    const report = await impact(project);
    for (const name of ['k3scl1', 'k3scl2', 'k3scl3']) {
      const ca = change(cluster(report, name), 'Secret kube-system/cilium-mesh-ca');
      expect(ca.effect).toBe('disruptive');
      expect(ca.why).toContain('clusters on the new CA and on the old one reject each other');
    }
    const failed = await mesh(project.root, ['impact', '--chart-dir', CHART_DIR, '--fail-on', 'disruptive']);
    expect(failed.code).toBe(1);
  });

  it('renames a cluster: found by its id, disruptive', async () => {
    project.git('mv', 'clusters/k3scl3.yaml', 'clusters/k3scl9.yaml');
    project.edit('k3scl9.yaml', (c) => (c.name = 'k3scl9'));
    const report = await impact(project);
    expect(cluster(report, 'k3scl9')).toMatchObject({ status: 'renamed', renamedFrom: 'k3scl3', effect: 'disruptive' });
    expect(report.clusters.some((c) => c.cluster === 'k3scl3')).toBe(false);
  });

  it('changes a cluster id or pod range: disruptive, saying what breaks', async () => {
    project.edit('k3scl2.yaml', (c) => {
      c.id = 7;
      c.podCidr = '10.22.0.0/16';
    });
    const chart = change(cluster(await impact(project), 'k3scl2'), HELM_CHART);
    expect(chart.effect).toBe('disruptive');
    expect(chart.why).toContain('cluster id 2 → 7');
    expect(chart.why).toContain('pod range 10.12.0.0/16 → 10.22.0.0/16');
  });

  it('writes Markdown fit for a pull-request comment', async () => {
    project.edit('k3scl2.yaml', (c) => (c.id = 7));
    const run = await mesh(project.root, ['impact', '--chart-dir', CHART_DIR]);
    expect(run.code).toBe(0);
    expect(run.stdout.startsWith(IMPACT_MARKER)).toBe(true);
    expect(run.stdout).toContain('Worst effect: **disruptive**');
    expect(run.stdout).toContain('### k3scl2: changed, **disruptive**');
    expect(run.stdout).toMatch(/^\| `HelmChart\.helm\.cattle\.io kube-system\/cilium` \| changed \| \*\*disruptive\*\*[^|]* \| cluster id 2 → 7: /m);
    expect(run.stdout).toContain('Unchanged: k3scl1, k3scl3.');
  });

  it('refuses an unknown base revision and an unknown --fail-on, saying the fix', async () => {
    const base = await mesh(project.root, ['impact', '--base', 'no-such-branch']);
    expect(base.code).toBe(1);
    expect(base.stderr).toMatch(/git knows no commit 'no-such-branch'.*Fix:/);
    const failOn = await mesh(project.root, ['impact', '--fail-on', 'everything']);
    expect(failOn.code).toBe(1);
    expect(failOn.stderr).toContain('use one of disruptive, rolls, restart');
  });

  it('compares with any revision given as --base', async () => {
    project.edit('k3scl1.yaml', (c) => (c.helmValues = { operator: { resources: { requests: { cpu: '50m' } } } }));
    expect(synthMesh({ root: project.root }).ok).toBe(true);
    project.git('commit', '-q', '-am', 'operator resources');
    // Against the new commit nothing is left to do; against its parent the operator rolls.
    expect((await impact(project)).effect).toBe('none');
    const report = await impact(project, ['--base', 'HEAD~1']);
    expect(change(cluster(report, 'k3scl1'), HELM_CHART).workloads).toEqual(['Deployment/cilium-operator']);
    project.git('reset', '-q', '--hard', 'HEAD~1');
  });
});
