/**
 * How single object changes are judged, on small dist/ trees (no chart to render):
 * the CA's source, pruning, immutable Jobs, workloads, build files and bootstrap/;
 * and which HelmCharts are rendered ahead.
 */
import { stringify } from 'yaml';
import { ChartRenderer } from '../../lib/impact/helm-template';
import { computeImpact, helmChartsToRender, ObjectChange } from '../../lib/impact/impact';
import { ParsedFiles, splitOutputTree } from '../../lib/impact/output-tree';

const NO_HELM = new ChartRenderer({ chartDirs: [] });
const yaml = (...objects: object[]) => objects.map((o) => stringify(o)).join('---\n');

function judge(before: Record<string, string>, after: Record<string, string>): ObjectChange[] {
  const report = computeImpact(splitOutputTree(new Map(Object.entries(before))), splitOutputTree(new Map(Object.entries(after))), { ref: 'HEAD', commit: '0'.repeat(40) }, NO_HELM);
  return report.clusters.flatMap((c) => c.changes);
}

const externalSecret = (spec: object) => ({ apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name: 'cilium-mesh-ca', namespace: 'kube-system' }, spec });
const caSecret = (fingerprint: string, ciphertext: string) => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'cilium-mesh-ca', namespace: 'kube-system', annotations: { 'k3s-cilium-mesh.io/ca-fingerprint-sha256': fingerprint } },
  stringData: { 'values.yaml': ciphertext },
});
const deployment = (image: string, replicas: number) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'echo', namespace: 'shop' },
  spec: { replicas, template: { spec: { containers: [{ name: 'echo', image }] } } },
});

describe('judging one change', () => {
  it('tells a CA encrypted anew from a new CA, and a new CA store from a new refresh interval', () => {
    const file = 'c1/01-ca/mesh-ca-secret.yaml';
    expect(judge({ [file]: yaml(caSecret('AA:BB', 'ENC[one]')) }, { [file]: yaml(caSecret('AA:BB', 'ENC[two]')) })).toMatchObject([{ effect: 'none' }]);
    expect(judge({ [file]: yaml(caSecret('AA:BB', 'ENC[one]')) }, { [file]: yaml(caSecret('CC:DD', 'ENC[two]')) })).toMatchObject([{ effect: 'disruptive' }]);
    const store = { secretStoreRef: { name: 'vault' }, data: [{ remoteRef: { key: 'mesh/ca' } }] };
    expect(judge({ [file]: yaml(externalSecret({ ...store, refreshInterval: '1h' })) }, { [file]: yaml(externalSecret({ ...store, refreshInterval: '5m' })) })).toMatchObject([{ effect: 'live' }]);
    expect(judge({ [file]: yaml(externalSecret(store)) }, { [file]: yaml(externalSecret({ ...store, secretStoreRef: { name: 'other' } })) })).toMatchObject([{ effect: 'disruptive' }]);
  });

  it('rolls a workload only when its pod template changes', () => {
    const file = 'c1/04-workloads/global-service.yaml';
    expect(judge({ [file]: yaml(deployment('echo:1', 1)) }, { [file]: yaml(deployment('echo:1', 3)) })).toMatchObject([{ effect: 'live' }]);
    expect(judge({ [file]: yaml(deployment('echo:1', 1)) }, { [file]: yaml(deployment('echo:2', 1)) })).toMatchObject([{ effect: 'rolls', workloads: ['Deployment/echo'] }]);
  });

  it('keeps an object whose pruning is disabled, prunes the others', () => {
    const kept = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kept', namespace: 'kube-system', annotations: { 'kustomize.toolkit.fluxcd.io/prune': 'disabled' } } };
    const pruned = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'pruned', namespace: 'kube-system' } };
    const changes = judge({ 'c1/03-mesh/x.yaml': yaml(kept, pruned) }, { 'c1/03-mesh/x.yaml': '' });
    expect(changes.map((c) => [c.object, c.change, c.effect])).toEqual([
      ['ConfigMap kube-system/kept', 'removed', 'none'],
      ['ConfigMap kube-system/pruned', 'removed', 'live'],
    ]);
  });

  it('says a forced Job runs again, and that bootstrap/, build files and documentation change nothing running', () => {
    const job = (args: string[]) => ({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'check', namespace: 'mesh-check', annotations: { 'kustomize.toolkit.fluxcd.io/force': 'Enabled' } },
      spec: { template: { spec: { containers: [{ name: 'check', args }] } } },
    });
    const before = { 'c1/05-verify/kit.yaml': yaml(job(['a'])), 'c1/bootstrap/handover.sh': 'one', 'c1/kustomization.yaml': 'a', 'c1/VERIFY.md': 'a' };
    const after = { 'c1/05-verify/kit.yaml': yaml(job(['b'])), 'c1/bootstrap/handover.sh': 'two', 'c1/kustomization.yaml': 'b', 'c1/VERIFY.md': 'b' };
    const changes = judge(before, after);
    expect(changes.find((c) => c.object === 'Job mesh-check/check')).toMatchObject({ effect: 'live', why: expect.stringContaining('runs again') });
    expect(changes.filter((c) => c.object !== 'Job mesh-check/check').map((c) => [c.object, c.effect])).toEqual([
      ['c1/bootstrap/handover.sh', 'none'],
      ['c1/kustomization.yaml', 'none'],
      ['c1/VERIFY.md', 'none'],
    ]);
  });
});

describe('the charts rendered ahead', () => {
  const helmChart = (values: string, labels: Record<string, string> = {}) => ({
    apiVersion: 'helm.cattle.io/v1',
    kind: 'HelmChart',
    metadata: { name: 'cilium', namespace: 'kube-system', labels },
    spec: { chart: 'cilium', version: '1.19.6', valuesContent: values },
  });
  const trees = (before: Record<string, string>, after: Record<string, string>) => [splitOutputTree(new Map(Object.entries(before))), splitOutputTree(new Map(Object.entries(after)))] as const;
  const file = (cluster: string) => `${cluster}/02-cilium/cilium-helm-chart.yaml`;

  it('are both revisions of each HelmChart whose values, chart or version change, in the clusters of both trees', () => {
    const [base, next] = trees(
      { [file('c1')]: yaml(helmChart('a: 1')), [file('c2')]: yaml(helmChart('a: 1')), [file('c3')]: yaml(helmChart('a: 1')), [file('gone')]: yaml(helmChart('a: 1')) },
      { [file('c1')]: yaml(helmChart('a: 2')), [file('c2')]: yaml(helmChart('a: 1', { team: 'mesh' })), [file('c3')]: yaml(helmChart('a: 1')), [file('new')]: yaml(helmChart('a: 3')) },
    );
    const listed = helmChartsToRender(base, next);
    expect(listed.map((o) => [o.file, o.body.spec])).toEqual([
      [file('c1'), expect.objectContaining({ valuesContent: 'a: 1' })],
      [file('c1'), expect.objectContaining({ valuesContent: 'a: 2' })],
    ]);
    // What computeImpact then renders is exactly what was listed: c1's change, nothing for c2's label.
    const asked: string[] = [];
    const renderer = new ChartRenderer({ chartDirs: [] });
    renderer.render = (helmChart) => (asked.push(`${helmChart.file} ${String((helmChart.body.spec as { valuesContent: string }).valuesContent)}`), { ok: true, objects: [] });
    computeImpact(base, next, { ref: 'HEAD', commit: '0'.repeat(40) }, renderer);
    expect(asked).toEqual(listed.map((o) => `${o.file} ${String((o.body.spec as { valuesContent: string }).valuesContent)}`));
  });
});

describe('the two trees of a comparison', () => {
  it('share the objects of a file whose text is the same in both, and read a changed file anew', () => {
    const configMap = (name: string, value: string) => yaml({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'shop' }, data: { value } });
    const parsed = new ParsedFiles();
    const base = splitOutputTree(new Map([['c1/04-workloads/a.yaml', configMap('a', '1')], ['c1/04-workloads/b.yaml', configMap('b', '1')]]), parsed);
    const next = splitOutputTree(new Map([['c1/04-workloads/a.yaml', configMap('a', '1')], ['c1/04-workloads/b.yaml', configMap('b', '2')]]), parsed);
    const object = (tree: typeof base, name: string) => tree.clusters.get('c1')!.objects.get(`ConfigMap shop/${name}`)!;
    expect(object(base, 'a')).toBeDefined();
    expect(object(next, 'a')).toBe(object(base, 'a'));
    expect(object(next, 'b')).not.toBe(object(base, 'b'));
    expect([object(base, 'b').body.data, object(next, 'b').body.data]).toEqual([{ value: '1' }, { value: '2' }]);
  });
});
