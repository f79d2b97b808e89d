/**
 * What the project ships obeys the API server's rules that schemas cannot say
 * (Service cross-field rules, name, label and annotation syntax), and the GitOps
 * engines' apply semantics: a partial object is applied server-side, never
 * pruned, and carries no field its real owner (Helm) manages; what the network
 * depends on is never pruned nor deleted with its Argo CD Application.
 */
import { KEEP_ANNOTATIONS, MANAGED_BY_LABELS, PATCH_ANNOTATIONS } from '../../lib/model/ownership';
import { syncWave, SYNC_WAVE_ANNOTATION } from '../../lib/gitops/sync-wave';
import { MANIFESTS } from '../../lib/output/files';
import { apiServerProblems, metadataProblems, serviceProblems } from '../support/api-rules';
import { isPartialPatch, KubeObject } from '../support/schema-validator';
import { CHECKED_PROJECT, isApiObjectFile, MATRIX, minorOf, objectId, objectsIn, renderUnderTest } from './rendered';

const syncOptions = (o: KubeObject) => (o.metadata?.annotations?.['argocd.argoproj.io/sync-options'] ?? '').split(',').map((s) => s.trim());

describe('API server rules', () => {
  it('refuse what the API server refuses', () => {
    const service = (spec: Record<string, unknown>, name = 'svc'): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec });
    expect(serviceProblems(service({ type: 'ClusterIP', externalTrafficPolicy: 'Cluster', ports: [{ port: 1 }] }))).toEqual(['spec.externalTrafficPolicy: may only be set for externally-accessible services']);
    expect(serviceProblems(service({ type: 'NodePort', externalTrafficPolicy: 'Cluster', ports: [{ port: 1, nodePort: 30000 }] }))).toEqual([]);
    expect(serviceProblems(service({ type: 'ClusterIP', externalIPs: ['10.0.0.1'], externalTrafficPolicy: 'Local', ports: [{ port: 1 }] }))).toEqual([]);
    expect(serviceProblems(service({ ports: [{ port: 1, nodePort: 30000 }] }))).toEqual(["spec.ports[0].nodePort: may not be used when `type` is 'ClusterIP'"]);
    expect(serviceProblems(service({ type: 'NodePort', loadBalancerSourceRanges: ['10.0.0.0/8'], ports: [{ port: 1 }] }))).toEqual(["spec.loadBalancerSourceRanges: may only be used when `type` is 'LoadBalancer'"]);
    const lb = { type: 'LoadBalancer', loadBalancerIP: '172.17.30.1', ports: [{ port: 2379 }] };
    expect(serviceProblems(service({ ...lb, loadBalancerSourceRanges: ['10.0.0.0/8', '172.17.11.11/32'], loadBalancerClass: 'kube-vip.io/kube-vip-class' }))).toEqual([]);
    expect(serviceProblems(service({ ...lb, loadBalancerSourceRanges: ['172.17.11.11'] }))).toEqual(['spec.loadBalancerSourceRanges: Invalid value: must be a list of IP ranges. For example, 10.240.0.0/24,10.250.0.0/24']);
    expect(serviceProblems(service({ ...lb, loadBalancerClass: 'not a class' }))).toHaveLength(1);
    expect(serviceProblems(service({ ports: [{ port: 1 }, { port: 2 }] }))).toEqual(['spec.ports[0].name: Required value (more than one port)', 'spec.ports[1].name: Required value (more than one port)']);
    expect(serviceProblems(service({ ports: [{ port: 1, targetPort: 'a-very-long-port-name' }] }))).toEqual(["spec.ports[0].targetPort: port name 'a-very-long-port-name' is 21 characters long, more than 15"]);
    expect(metadataProblems(service({}, '1abc'))).toEqual(["metadata.name '1abc': a Service name must be a DNS-1035 label (a-z first, ≤ 63)"]);
    expect(metadataProblems({ kind: 'ConfigMap', metadata: { name: 'c', labels: { ['k'.repeat(64)]: 'v', 'a b': 'x' } } })).toHaveLength(2);
    expect(metadataProblems({ kind: 'ConfigMap', metadata: { name: 'c', labels: { k: 'v'.repeat(64) } } })).toEqual(['label k: value is 64 characters long, more than 63']);
    expect(metadataProblems({ kind: 'Namespace', metadata: { name: 'has space' } })).toHaveLength(1);
    expect(metadataProblems({ kind: 'ClusterRole', metadata: { name: 'system:x' } })).toEqual([]);
  });
});

describe.each(MATRIX)('what the project ships, Cilium %s', (_label, c) => {
  const r = renderUnderTest(c);
  const objects = r.files.filter((f) => isApiObjectFile(f.path)).flatMap((f) => objectsIn(f.content, f.path).map((o) => ({ path: f.path, o })));

  it('passes the API server rules', () => {
    expect(objects.length).toBeGreaterThan(30);
    expect(objects.flatMap(({ path, o }) => apiServerProblems(o).map((p) => `${path} ${objectId(o)}: ${p}`))).toEqual([]);
  });

  it('marks every partial object for server-side apply, never pruned, and gives it no field Helm manages', () => {
    const patches = objects.filter(({ o }) => isPartialPatch(o));
    if (minorOf(c) < 20) expect(patches.length).toBe(r.clusters.length);
    for (const { o } of patches) {
      // Besides the patch's own marks, only the Argo CD wave of its stage (Argo CD's, not a field Helm manages).
      expect(o.metadata?.annotations).toEqual({ ...PATCH_ANNOTATIONS, [SYNC_WAVE_ANNOTATION]: String(syncWave(MANIFESTS['host-aliases-patch'].stage)) });
      expect(syncOptions(o)).toEqual(expect.arrayContaining(['ServerSideApply=true', 'Validate=false', 'Prune=false']));
      expect(Object.keys(o.metadata ?? {}).sort()).toEqual(['annotations', 'name', 'namespace']);
      expect(o.spec).toEqual({ template: { spec: { hostAliases: expect.any(Array) } } });
    }
  });

  it('labels every object as the product\'s own, except a partial patch and the SOPS ciphertext, which are not its to label', () => {
    const unlabelled = objects
      .filter(({ o }) => !isPartialPatch(o) && !('sops' in o))
      .filter(({ o }) => Object.entries(MANAGED_BY_LABELS).some(([k, v]) => (o.metadata?.labels as Record<string, string> | undefined)?.[k] !== v))
      .map(({ path, o }) => `${path} ${objectId(o)}`);
    expect(unlabelled).toEqual([]);
  });

  it('never prunes what the network depends on: the HelmChart, the mesh CA, the remote users, the namespaces', () => {
    // The verification kit's namespace is the kit's alone: it goes when the kit is switched off.
    const keep = objects.filter(
      ({ path, o }) => !path.includes('/05-verify/') && (['HelmChart', 'Namespace'].includes(String(o.kind)) || ['cilium-mesh-ca', 'clustermesh-remote-users'].includes(String(o.metadata?.name))),
    );
    // The example has all of them; any mesh has its HelmChart.
    expect(keep.map(({ o }) => String(o.kind))).toEqual(expect.arrayContaining(CHECKED_PROJECT ? ['HelmChart'] : ['HelmChart', 'Secret', 'Namespace']));
    for (const { path, o } of keep) {
      expect({ path, annotations: o.metadata?.annotations }).toEqual({ path, annotations: expect.objectContaining(KEEP_ANNOTATIONS) });
      expect(syncOptions(o)).toEqual(expect.arrayContaining(['Prune=false', 'Delete=false']));
    }
  });

  it('gives a policy intent no default deny: only defaultDeny closes a namespace', () => {
    const halves = objects.filter(({ o }) => o.kind === 'CiliumNetworkPolicy' && (o.metadata?.labels as Record<string, string> | undefined)?.['k3s-cilium-mesh/intent']);
    if (!CHECKED_PROJECT) expect(halves.length).toBeGreaterThan(0);
    for (const { o } of halves) {
      const spec = o.spec as { ingress?: unknown; egress?: unknown; enableDefaultDeny?: Record<string, boolean> };
      if (spec.ingress) expect(spec.enableDefaultDeny?.ingress).toBe(false);
      if (spec.egress) expect(spec.enableDefaultDeny?.egress).toBe(false);
    }
  });
});
