/**
 * The renders of HelmCharts behind `mesh impact`: rendered ahead several at once, each distinct
 * render once, failures kept with helm's reason. A stand-in helm counts its calls and how many run
 * at once: the first calls wait (up to 2 s) until as many as the renderer may start run.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { stringify } from 'yaml';
import { ChartRenderer } from '../../lib/impact/helm-template';
import { ManifestObject, objectsOf } from '../../lib/impact/output-tree';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mesh-helm-template-'));
  writeFileSync(join(dir, 'cilium-1.0.0.tgz'), '');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A helm that renders one ConfigMap named after the release and holding the values, or fails for values
 * with `fail: true`; its first `together` calls wait for one another.
 */
function fakeHelm(together: number): string {
  const helm = join(dir, 'helm');
  writeFileSync(
    helm,
    [
      '#!/bin/sh',
      '[ "$1" = version ] && exit 0',
      `d=${dir}`,
      'echo call >> "$d/calls"',
      'mkdir "$d/running.$$"',
      // The first calls wait until one of them sees them all running: it writes down how many and marks the meeting.
      `i=0; [ "$(wc -l < "$d/calls")" -le ${together} ] || i=100`,
      'while [ ! -e "$d/met" ] && [ $i -lt 100 ]; do',
      `  n=$(ls -d "$d"/running.* | wc -l); if [ "$n" -ge ${together} ]; then echo "$n" >> "$d/seen"; touch "$d/met"; fi`,
      '  sleep 0.02; i=$((i+1))',
      'done',
      'echo 1 >> "$d/seen"',
      'rmdir "$d/running.$$"',
      'values=$(cat "$7")',
      'case "$values" in *"fail: true"*) echo "Error: values say fail" >&2; echo "more" >&2; exit 1;; esac',
      'printf "apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: %s\\ndata:\\n  values: \\"%s\\"\\n" "$2" "$values"',
      '',
    ].join('\n'),
  );
  chmodSync(helm, 0o755);
  return helm;
}

function helmChart(name: string, values: string): ManifestObject {
  const body = { apiVersion: 'helm.cattle.io/v1', kind: 'HelmChart', metadata: { name, namespace: 'kube-system' }, spec: { chart: 'cilium', version: '1.0.0', targetNamespace: 'kube-system', valuesContent: values } };
  return objectsOf('helm-chart.yaml', stringify(body))[0];
}

const calls = () => readFileSync(join(dir, 'calls'), 'utf8').split('\n').filter(Boolean).length;
const mostAtOnce = () => Math.max(...readFileSync(join(dir, 'seen'), 'utf8').split('\n').filter(Boolean).map(Number));

describe('ChartRenderer', () => {
  it('renders ahead as many at once as it is given, then answers from what it rendered', async () => {
    const renderer = new ChartRenderer({ helm: fakeHelm(2), chartDirs: [dir] });
    const charts = ['a', 'b', 'c', 'd'].map((v) => helmChart(`release-${v}`, `value: ${v}`));
    await renderer.prepare(charts, 2);
    expect(calls()).toBe(4);
    expect(mostAtOnce()).toBe(2);
    const rendered = charts.map((c) => renderer.render(c));
    expect(calls()).toBe(4);
    expect(rendered.map((r) => (r.ok ? r.objects.map((o) => [o.id, o.body.data]) : r.reason))).toEqual(
      ['a', 'b', 'c', 'd'].map((v) => [[`ConfigMap release-${v}`, { values: `value: ${v}` }]]),
    );
  });

  it('renders the same release, namespace and values once, ahead or when asked', async () => {
    const renderer = new ChartRenderer({ helm: fakeHelm(1), chartDirs: [dir] });
    await renderer.prepare([helmChart('cilium', 'x: 1'), helmChart('cilium', 'x: 1')]);
    expect(calls()).toBe(1);
    expect(renderer.render(helmChart('cilium', 'x: 1')).ok).toBe(true);
    expect(renderer.render(helmChart('cilium', 'x: 2')).ok).toBe(true);
    expect(renderer.render(helmChart('cilium', 'x: 2')).ok).toBe(true);
    expect(calls()).toBe(2);
  });

  it("keeps helm's reason when it fails, ahead or when asked", async () => {
    const renderer = new ChartRenderer({ helm: fakeHelm(1), chartDirs: [dir] });
    const failing = helmChart('cilium', 'fail: true');
    await renderer.prepare([failing]);
    const reason = { ok: false, reason: 'helm template of cilium-1.0.0 failed: Error: values say fail' };
    expect(renderer.render(failing)).toEqual(reason);
    expect(new ChartRenderer({ helm: fakeHelm(1), chartDirs: [dir] }).render(failing)).toEqual(reason);
  });

  it('says why when there is no helm or no chart archive, without running anything', async () => {
    expect(new ChartRenderer({ chartDirs: [dir] }).render(helmChart('cilium', ''))).toEqual({ ok: false, reason: 'helm is not available (put it on PATH or set MESH_HELM)' });
    const renderer = new ChartRenderer({ helm: fakeHelm(1), chartDirs: [join(dir, 'nowhere')] });
    await renderer.prepare([helmChart('cilium', '')]);
    const noArchive = renderer.render(helmChart('cilium', ''));
    expect(noArchive.ok === false && noArchive.reason).toMatch(/^the chart archive cilium-1\.0\.0\.tgz is not available \(not in .*nowhere; give --chart-dir/);
    expect(() => calls()).toThrow(/ENOENT/);
  });
});
