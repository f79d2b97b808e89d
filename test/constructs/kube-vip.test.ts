/**
 * kube-vip for a cluster of three servers behind a virtual IP: the objects pass
 * the upstream schemas and the API server's rules and build with kustomize;
 * the VIP is Cilium's k8sServiceHost, in every server's certificate, where
 * nodes join and where Argo CD deploys; the files reach the k3s manifests
 * folder through bootstrap/ before Cilium's, and are never pruned.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import { parse } from 'yaml';
import { k3sNodeConfigs } from '../../lib/bootstrap/k3s-node-config';
import { ciliumHelmValues } from '../../lib/cilium/helm-values';
import { imageVersion } from '../../lib/constructs/kube-vip';
import { renderMesh } from '../../lib/mesh-manifests';
import { KEEP_ANNOTATIONS } from '../../lib/model/ownership';
import { apiServerProblems } from '../support/api-rules';
import { editFile, exampleInventory, projectOf } from '../support/inventory-fixture';
import { describeWithKubectl, kustomizeBuild, resourceId } from '../support/kubectl';
import { describeWithShared } from '../support/paths';
import { CORE_SCHEMA_DIR, KubeObject, validateKubeObject } from '../support/schema-validator';
import { objectsIn } from '../conformance/rendered';

const VIP = '172.17.11.100';

const { mesh, secrets } = projectOf(
  editFile(exampleInventory(), 'k3scl1.yaml', (c) => {
    c.nodes = [
      { name: 'k3scl1-server-1', ip: '172.17.11.11', role: 'server' },
      { name: 'k3scl1-server-2', ip: '172.17.11.21', role: 'server' },
      { name: 'k3scl1-server-3', ip: '172.17.11.22', role: 'server' },
      { name: 'k3scl1-agent-1', ip: '172.17.11.31', role: 'agent' },
    ];
    c.apiServer = { host: VIP, kubeVip: { interface: 'eth0' } };
  }),
);
const files = renderMesh(mesh, secrets);
const byPath = new Map(files.map((f) => [f.path, f.content]));
const objects: KubeObject[] = objectsIn(byPath.get('k3scl1/02-cilium/kube-vip.yaml') ?? '', 'kube-vip.yaml');
const daemonSet = objects.find((o) => o.kind === 'DaemonSet') as any;
const container = daemonSet?.spec.template.spec.containers[0];
const env = Object.fromEntries((container?.env ?? []).map((e: any) => [e.name, e.value ?? e.valueFrom]));

describe('kube-vip', () => {
  it('renders a DaemonSet with its ServiceAccount and RBAC in the Cilium stage, for the cluster that asks for it only', () => {
    expect(objects.map((o) => `${o.kind} ${o.metadata?.namespace ?? ''}/${o.metadata?.name}`)).toEqual([
      'ServiceAccount kube-system/kube-vip',
      'ClusterRole /system:kube-vip-role',
      'ClusterRoleBinding /system:kube-vip-binding',
      'DaemonSet kube-system/kube-vip-ds',
    ]);
    expect([...byPath.keys()].filter((p) => p.endsWith('/kube-vip.yaml')).sort()).toEqual(['k3scl1/02-cilium/kube-vip.yaml', 'k3scl1/bootstrap/kube-vip.yaml']);
    // Applied before the HelmChart, and byte for byte the same from the k3s manifests folder.
    expect(parse(byPath.get('k3scl1/02-cilium/kustomization.yaml')!).resources.slice(0, 2)).toEqual(['kube-vip.yaml', 'cilium-helm-chart.yaml']);
    expect(byPath.get('k3scl1/bootstrap/kube-vip.yaml')).toBe(byPath.get('k3scl1/02-cilium/kube-vip.yaml'));
    expect(byPath.get('k3scl1/bootstrap/handover.sh')).toMatch(/^CILIUM_FILES='kube-vip\.yaml cilium-helm-chart\.yaml/m);
  });

  it('announces the VIP by ARP from the servers, with leader election, reaching the API on its own node', () => {
    expect(env).toMatchObject({
      vip_arp: 'true',
      address: VIP,
      vip_interface: 'eth0',
      cp_enable: 'true',
      vip_leaderelection: 'true',
      vip_nodename: { fieldRef: { fieldPath: 'spec.nodeName' } },
      KUBERNETES_SERVICE_HOST: '127.0.0.1',
      KUBERNETES_SERVICE_PORT: '6443',
    });
    expect(env.svc_enable).toBeUndefined();
    expect(container.image).toBe('ghcr.io/kube-vip/kube-vip:v1.2.3');
    expect(daemonSet.spec.template.spec.hostNetwork).toBe(true);
    const terms = daemonSet.spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
    expect(terms.flatMap((t: any) => t.matchExpressions.map((e: any) => e.key))).toContain('node-role.kubernetes.io/control-plane');
    expect(container.securityContext.capabilities).toEqual({ add: ['NET_ADMIN', 'NET_RAW'], drop: ['ALL'] });
  });

  it('is never pruned: removing it from git must not take the API address away', () => {
    for (const o of objects) expect(o.metadata?.annotations).toMatchObject(KEEP_ANNOTATIONS);
  });

  it('puts the VIP where the API is used: k8sServiceHost, tls-san of every server, the join address, the Argo CD destination', () => {
    const cluster = mesh.clusters[0];
    expect(ciliumHelmValues(mesh, cluster, secrets)).toMatchObject({ k8sServiceHost: VIP, k8sServicePort: 6443 });
    const configs = k3sNodeConfigs(mesh, cluster);
    for (const server of configs.filter((c) => c.role === 'server')) expect(server.config['tls-san']).toContain(VIP);
    for (const joining of configs.slice(1)) expect(joining.config.server).toBe(`https://${VIP}:6443`);
    expect(cluster.argocdServer).toBe(`https://${VIP}:6443`);
    expect(byPath.get('argocd/applicationset.yaml')).toContain(`https://${VIP}:6443`);
  });

  it('labels the pods with the image tag, and names no version for a digest alone', () => {
    expect(daemonSet.spec.template.metadata.labels).toEqual({ 'app.kubernetes.io/name': 'kube-vip-ds', 'app.kubernetes.io/version': 'v1.2.3' });
    expect(imageVersion('ghcr.io/kube-vip/kube-vip:v1.2.3@sha256:' + 'a'.repeat(64))).toBe('v1.2.3');
    expect(imageVersion('registry:5000/kube-vip@sha256:' + 'a'.repeat(64))).toBeUndefined();
  });

  it('passes the API server rules', () => {
    expect(objects.flatMap((o) => apiServerProblems(o))).toEqual([]);
  });
});

describeWithShared('kube-vip and the upstream schemas', [CORE_SCHEMA_DIR], () => {
  it.each(objects.map((o): [string, KubeObject] => [`${o.kind} ${o.metadata?.name}`, o]))('%s conforms', (_name, o) => {
    expect(validateKubeObject(o).errors).toEqual([]);
  });

  it('checks RBAC kinds too (from the core definitions, strict): a wrong rule or an unknown field fails', () => {
    const role = objects.find((o) => o.kind === 'ClusterRole')!;
    expect(validateKubeObject({ ...role, rules: [{ apiGroups: [''], resources: ['pods'], verbs: 'list' }] }).errors).toEqual(['/rules/0/verbs must be array']);
    expect(validateKubeObject({ ...role, rulez: [] }).errors).toEqual(['/ must NOT have additional properties (rulez)']);
    expect(validateKubeObject({ ...role, kind: 'ClusterRoll' }).errors[0]).toMatch(/^no schema for rbac\.authorization\.k8s\.io\/v1 ClusterRoll/);
  });
});

describeWithKubectl('kube-vip and kubectl kustomize', () => {
  it('builds into the cluster with the rest of the Cilium stage', () => {
    const root = mkdtempSync(join(tmpdir(), 'mesh-kube-vip-'));
    try {
      for (const f of files.filter((f) => f.path.startsWith('k3scl1/'))) {
        mkdirSync(dirname(join(root, f.path)), { recursive: true });
        writeFileSync(join(root, f.path), f.content);
      }
      const built = objectsIn(kustomizeBuild(join(root, 'k3scl1', '02-cilium'))).map(resourceId);
      expect(built).toEqual(expect.arrayContaining(objects.map(resourceId)));
      expect(objectsIn(kustomizeBuild(join(root, 'k3scl1'))).map(resourceId)).toEqual(expect.arrayContaining(objects.map(resourceId)));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
