/**
 * The layout of dist/ for GitOps: every manifest in exactly one stage folder,
 * stages in apply order, the cluster's kustomization.yaml listing the stages,
 * the Flux entry point chaining one Kustomization per stage, the Argo CD
 * ApplicationSet with one Application per cluster, and what changes when the
 * CA stage holds a SOPS-encrypted file.
 */
import { parse } from 'yaml';
import { ApplicationSet } from '../../lib/gitops/argocd';
import { fluxKustomizationName, FluxSync, ignoreAllBut, SOPS_AGE_SECRET } from '../../lib/gitops/flux-sync';
import { APPLICATION_SET_FILE, applicationSetFile, argoCdPath, clusterDeliveryFiles, stageLayout } from '../../lib/gitops/layout';
import { STAGES } from '../../lib/output/stages';
import { isSopsEncrypted } from '../../lib/secrets/sops';
import { ManifestName, MANIFESTS } from '../../lib/output/files';
import { renderMesh } from '../../lib/mesh-manifests';
import { Mesh } from '../../lib/model/mesh';
import { objectsIn } from '../conformance/rendered';
import { editFile, exampleInventory, meshOf, exampleSecrets } from '../support/inventory-fixture';
import { plainChart } from '../support/mesh-chart';

const mesh = meshOf(exampleInventory());
const files = renderMesh(mesh, exampleSecrets());
const byPath = new Map(files.map((f) => [f.path, f.content]));
const clusters = mesh.clusters.map((c) => c.name);
const yamlAt = (path: string) => parse(byPath.get(path) ?? (() => { throw new Error(`${path} was not rendered`); })());

/** A SOPS-encrypted Secret as sops writes it (values are placeholders; only the shape matters here). */
const SOPS_SECRET = [
  'apiVersion: v1',
  'kind: Secret',
  'metadata:',
  '    name: cilium-mesh-ca',
  '    namespace: kube-system',
  'stringData:',
  '    values.yaml: ENC[AES256_GCM,data:AAAA,iv:BBBB,tag:CCCC,type:str]',
  'sops:',
  '    age:',
  '        - recipient: age1example',
  '    encrypted_regex: ^(data|stringData)$',
  '    version: 3.9.0',
  '',
].join('\n');

/** The example's manifests of one cluster with a SOPS-encrypted CA Secret of known shape as the CA stage. */
function withSopsCa(m: Mesh, cluster: string) {
  const own = files
    .filter((f) => f.path.startsWith(`${cluster}/`) && /^[^/]+\/\d\d-[a-z]+\/(?!kustomization)[^/]+\.yaml$/.test(f.path))
    .map((f) => ({ name: f.path.split('/').pop()!.replace(/\.yaml$/, '') as ManifestName, content: f.content }))
    .filter((m) => m.name !== 'mesh-ca-secret');
  const layout = stageLayout(cluster, [{ name: 'mesh-ca-secret', content: SOPS_SECRET }, ...own]);
  return { layout, delivery: clusterDeliveryFiles(m, exampleSecrets(), m.clusters.find((c) => c.name === cluster)!, layout) };
}

describe('stages', () => {
  it('puts the CA first, then Cilium, then the mesh objects, then services and policies, the verification kit last', () => {
    expect(STAGES.map((s) => s.folder)).toEqual(['01-ca', '02-cilium', '03-mesh', '04-workloads', '05-verify']);
    const stageOf = (name: ManifestName) => MANIFESTS[name].stage.folder;
    expect(stageOf('mesh-ca-secret')).toBe('01-ca');
    expect(stageOf('cilium-helm-chart')).toBe('02-cilium');
    expect(stageOf('clustermesh-remote-users')).toBe('02-cilium');
    for (const m of ['mesh-endpoint-service', 'clustermesh-secrets', 'host-aliases-patch'] as const) expect(stageOf(m)).toBe('03-mesh');
    for (const m of ['namespaces', 'global-service', 'cluster-policies', 'default-deny', 'raw-policies'] as const) expect(stageOf(m)).toBe('04-workloads');
    expect(stageOf('verification-kit')).toBe('05-verify');
  });

  it('recognises SOPS files by their top-level sops key only', () => {
    expect(isSopsEncrypted(SOPS_SECRET)).toBe(true);
    expect(isSopsEncrypted('kind: Secret\ndata:\n  sops: eA==\n')).toBe(false);
  });

  it.each(clusters)('%s: every manifest sits in exactly one stage folder that its kustomization lists', (cluster) => {
    const stages: string[] = yamlAt(`${cluster}/kustomization.yaml`).resources;
    expect(stages).toEqual(STAGES.map((s) => s.folder).filter((f) => stages.includes(f)));
    expect(stages).toEqual(expect.arrayContaining(['02-cilium', '03-mesh', '04-workloads']));
    const inStages = files.filter((f) => f.path.startsWith(`${cluster}/`) && /^[^/]+\/\d\d-[a-z]+\//.test(f.path));
    for (const stage of stages) {
      const listed: string[] = yamlAt(`${cluster}/${stage}/kustomization.yaml`).resources;
      const present = inStages.filter((f) => f.path.startsWith(`${cluster}/${stage}/`) && !f.path.endsWith('/kustomization.yaml')).map((f) => f.path.split('/')[2]);
      expect(listed).toEqual(present);
      for (const name of listed) expect(MANIFESTS[name.replace(/\.yaml$/, '') as ManifestName].stage.folder).toBe(stage);
    }
    // Nothing but the stage folders' files is applied: flux/ and bootstrap/ are not listed.
    expect(stages).not.toContain('flux');
    expect(stages).not.toContain('bootstrap');
  });

  it('adds a CA stage before Cilium when the CA Secret is rendered', () => {
    const { layout } = withSopsCa(mesh, 'k3scl1');
    expect(layout.stages.map((s) => s.folder)).toEqual(['01-ca', '02-cilium', '03-mesh', '04-workloads', '05-verify']);
    expect(layout.stages[0]).toEqual({ folder: '01-ca', files: ['mesh-ca-secret.yaml'], sopsFiles: ['mesh-ca-secret.yaml'] });
    expect(parse(layout.files.find((f) => f.path === 'k3scl1/kustomization.yaml')!.content).resources[0]).toBe('01-ca');
  });
});

describe('Flux entry point', () => {
  it('keeps only this cluster\'s folder in the artifact, at any depth of the dist path', () => {
    expect(ignoreAllBut('dist', 'k3scl1')).toBe("# only this cluster's folder\n/*\n!/dist/\n/dist/*\n!/dist/k3scl1/\n");
    expect(ignoreAllBut('deploy/mesh', 'a')).toBe("# only this cluster's folder\n/*\n!/deploy/\n/deploy/*\n!/deploy/mesh/\n/deploy/mesh/*\n!/deploy/mesh/a/\n");
  });

  it.each(clusters)('%s: a GitRepository for the inventory repository and one Kustomization per stage, chained', (cluster) => {
    const objects = objectsIn(byPath.get(`${cluster}/flux/flux-sync.yaml`)!);
    expect(objects).toMatchSnapshot();
    expect(yamlAt(`${cluster}/flux/kustomization.yaml`).resources).toEqual(['flux-sync.yaml']);
    const [source, ...kustomizations] = objects;
    const repo = mesh.delivery.repository!;
    expect(source).toMatchObject({ apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository', metadata: { name: 'cilium-mesh', namespace: 'flux-system' } });
    expect(source.spec).toMatchObject({ url: repo.url, ref: { branch: repo.branch } });

    const stages: string[] = yamlAt(`${cluster}/kustomization.yaml`).resources;
    const byName = new Map(kustomizations.map((k) => [k.metadata!.name!, k.spec as any]));
    expect([...byName.keys()]).toEqual([...stages.map(fluxKustomizationName), 'cilium-mesh-flux']);
    stages.forEach((stage, i) => {
      const spec = byName.get(fluxKustomizationName(stage));
      expect(spec.path).toBe(`./${repo.path}/${cluster}/${stage}`);
      expect(byPath.has(`${cluster}/${stage}/kustomization.yaml`)).toBe(true);
      expect(spec).toMatchObject({ prune: true, interval: mesh.delivery.interval, sourceRef: { kind: 'GitRepository', name: 'cilium-mesh' }, deletionPolicy: 'Orphan' });
      expect(spec.dependsOn).toEqual(i === 0 ? undefined : [{ name: fluxKustomizationName(stages[i - 1]) }]);
      // Decryption exactly where the stage folder holds a SOPS-encrypted file (the mesh CA).
      const sops = files.some((f) => f.path.startsWith(`${cluster}/${stage}/`) && isSopsEncrypted(f.content));
      expect(spec.decryption).toEqual(sops ? { provider: 'sops', secretRef: { name: SOPS_AGE_SECRET } } : undefined);
    });
    const cilium = byName.get('cilium-mesh-02-cilium');
    expect(cilium.wait).toBe(false);
    expect(cilium.healthChecks).toEqual(
      ['DaemonSet/cilium', 'Deployment/cilium-operator', 'Deployment/clustermesh-apiserver'].map((ref) => ({ apiVersion: 'apps/v1', kind: ref.split('/')[0], name: ref.split('/')[1], namespace: mesh.cilium.namespace })),
    );
    expect(byName.get('cilium-mesh-flux')).toMatchObject({ path: `./${repo.path}/${cluster}/flux`, prune: false });
    // The verification Job runs for minutes and may fail while a peer is down: nothing waits on it,
    // and every stage before it waits for its own objects only.
    expect(byName.get('cilium-mesh-05-verify')).toMatchObject({ wait: false });
    for (const stage of ['cilium-mesh-03-mesh', 'cilium-mesh-04-workloads']) expect(byName.get(stage)).toMatchObject({ wait: true });
    const workloads = files.find((f) => f.path === `${cluster}/04-workloads/kustomization.yaml`)!;
    expect(objectsIn(files.filter((f) => f.path.startsWith(`${cluster}/04-workloads/`) && f !== workloads).map((f) => f.content).join('\n---\n')).filter((o) => o.kind === 'Job')).toEqual([]);
  });

  it('decrypts the CA stage with the age key Secret, and only that stage', () => {
    const { delivery } = withSopsCa(mesh, 'k3scl1');
    const kustomizations = objectsIn(delivery.find((f) => f.path === 'k3scl1/flux/flux-sync.yaml')!.content).filter((o) => o.kind === 'Kustomization');
    const decrypting = kustomizations.filter((k) => (k.spec as any).decryption).map((k) => [k.metadata!.name, (k.spec as any).decryption]);
    expect(decrypting).toEqual([['cilium-mesh-01-ca', { provider: 'sops', secretRef: { name: SOPS_AGE_SECRET } }]]);
    expect((kustomizations.find((k) => k.metadata!.name === 'cilium-mesh-02-cilium')!.spec as any).dependsOn).toEqual([{ name: 'cilium-mesh-01-ca' }]);
  });
});

describe('Argo CD entry point', () => {
  it('makes one Application per cluster, to the API server the inventory names, syncing its folder', () => {
    const [appSet] = objectsIn(byPath.get(APPLICATION_SET_FILE)!);
    expect(appSet).toMatchSnapshot();
    expect(appSet).toMatchObject({ apiVersion: ApplicationSet.GVK.apiVersion, kind: 'ApplicationSet', metadata: { namespace: mesh.delivery.argocd.namespace } });
    const spec = appSet.spec as any;
    // The cluster folder, or its argocd/ folder (KSOPS) where the CA is SOPS-encrypted.
    const sops = (cluster: string) => files.some((f) => f.path.startsWith(`${cluster}/01-ca/`) && isSopsEncrypted(f.content));
    expect(spec.generators[0].list.elements).toEqual(mesh.clusters.map((c) => ({ cluster: c.name, server: c.argocdServer, path: `dist/${c.name}${sops(c.name) ? '/argocd' : ''}` })));
    for (const c of mesh.clusters) expect(byPath.has(`${c.name}/argocd/kustomization.yaml`)).toBe(sops(c.name));
    expect(spec.template.spec.source).toEqual({ repoURL: mesh.delivery.repository!.url, targetRevision: mesh.delivery.repository!.branch, path: '{{.path}}' });
    expect(spec.template.spec.destination.server).toBe('{{.server}}');
    expect(spec.template.spec.project).toBe(mesh.delivery.argocd.project);
    expect(spec.template.spec.syncPolicy.syncOptions).toContain('ServerSideApply=true');
    expect(spec.template.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
  });

  it('wires KSOPS where the CA is SOPS-encrypted: Argo CD syncs dist/<cluster>/argocd instead', () => {
    const { layout, delivery } = withSopsCa(mesh, 'k3scl1');
    expect(argoCdPath('k3scl1', layout)).toBe('k3scl1/argocd');
    const kustomization = parse(delivery.find((f) => f.path === 'k3scl1/argocd/kustomization.yaml')!.content);
    expect(kustomization).toEqual({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: ['../02-cilium', '../03-mesh', '../04-workloads', '../05-verify'], generators: ['ksops-generator.yaml'] });
    const generator = parse(delivery.find((f) => f.path === 'k3scl1/argocd/ksops-generator.yaml')!.content);
    expect(generator).toMatchObject({ apiVersion: 'viaduct.ai/v1', kind: 'ksops', files: ['../01-ca/mesh-ca-secret.yaml'] });
    expect(parse(generator.metadata.annotations['config.kubernetes.io/function'])).toEqual({ exec: { path: 'ksops' } });
    const layouts = new Map(mesh.clusters.map((c) => [c.name, c.name === 'k3scl1' ? layout : stageLayout(c.name, [])]));
    const [appSet] = objectsIn(applicationSetFile(mesh, layouts)!.content);
    expect((appSet.spec as any).generators[0].list.elements[0]).toEqual({ cluster: 'k3scl1', server: mesh.clusters[0].argocdServer, path: 'dist/k3scl1/argocd' });
  });
});

describe('delivery settings', () => {
  const render = (edit: (m: any) => void) => renderMesh(meshOf(editFile(exampleInventory(), 'mesh.yaml', edit)), exampleSecrets()).map((f) => f.path);

  it('renders only the Flux entry points with engine flux', () => {
    const paths = render((m) => (m.delivery.engine = 'flux'));
    expect(paths).toContain('k3scl1/flux/flux-sync.yaml');
    expect(paths).not.toContain(APPLICATION_SET_FILE);
  });

  it('renders only the ApplicationSet with engine argocd', () => {
    const paths = render((m) => (m.delivery.engine = 'argocd'));
    expect(paths).toContain(APPLICATION_SET_FILE);
    expect(paths.filter((p) => p.includes('/flux/'))).toEqual([]);
  });

  it('renders no entry point without a repository, and says so in the overview', () => {
    const m = meshOf(editFile(exampleInventory(), 'mesh.yaml', (raw) => delete raw.delivery.repository));
    const out = renderMesh(m, exampleSecrets());
    expect(out.filter((f) => f.path.includes('/flux/') || f.path.startsWith('argocd/'))).toEqual([]);
    expect(out.find((f) => f.path === 'README.md')!.content).toMatch(/No `delivery.repository`/);
    expect(out.find((f) => f.path === 'k3scl1/bootstrap/handover.sh')!.content).toContain("REPOSITORY=''");
  });

  it('points the entry points at a nested dist path and another branch', () => {
    const m = meshOf(editFile(exampleInventory(), 'mesh.yaml', (raw) => Object.assign(raw.delivery.repository, { path: 'deploy/mesh', branch: 'release' })));
    const out = new Map(renderMesh(m, exampleSecrets()).map((f) => [f.path, f.content]));
    const flux = objectsIn(out.get('k3scl2/flux/flux-sync.yaml')!);
    expect((flux[0].spec as any).ref).toEqual({ branch: 'release' });
    expect(flux.find((o) => o.metadata!.name === 'cilium-mesh-02-cilium')!.spec).toMatchObject({ path: './deploy/mesh/k3scl2/02-cilium' });
    const [appSet] = objectsIn(out.get(APPLICATION_SET_FILE)!);
    expect((appSet.spec as any).generators[0].list.elements[1].path).toMatch(/^deploy\/mesh\/k3scl2(\/argocd)?$/);
  });
});

describe('FluxSync validation', () => {
  const repository = { url: 'https://git.example.com/mesh.git', branch: 'main', path: 'dist' };
  const props = { clusterName: 'k3scl1', repository, interval: '10m', ciliumNamespace: 'kube-system' };

  it('refuses no stages, a stage twice and an empty repository URL', () => {
    expect(() => new FluxSync(plainChart(), 'f', { ...props, stages: [] })).toThrow(/no stage folder/);
    const stage = { folder: '02-cilium', sops: false };
    expect(() => new FluxSync(plainChart(), 'f', { ...props, stages: [stage, stage] })).toThrow(/distinct/);
    expect(() => new FluxSync(plainChart(), 'f', { ...props, repository: { ...repository, url: '' }, stages: [stage] })).toThrow(/URL is empty/);
  });
});
