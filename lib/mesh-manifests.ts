/**
 * Renders a valid Mesh into the files of dist/: per cluster, one manifest file
 * per concern in its apply stage (dist/<cluster>/01-ca/ .. 05-verify/), the
 * GitOps layout around them (lib/gitops/layout.ts) and the bootstrap folder
 * (lib/bootstrap/folder.ts); at the top, the Argo CD ApplicationSet and the
 * overview README.md. Which file holds what, and which code renders it:
 * lib/output/files.ts.
 */
import { App, Chart, ChartProps } from 'cdk8s';
import { Construct } from 'constructs';
import { bootstrapFolder } from './bootstrap/folder';
import { ciliumHelmValues } from './cilium/helm-values';
import { dialingWorkload, meshPeerConfig, peerHostAlias, remoteUsers } from './cilium/peer-config';
import { ciliumVersionFacts } from './model/cilium-versions';
import { CiliumHelmChart } from './constructs/cilium-helm-chart';
import { ClusterMeshRemoteUsers } from './constructs/clustermesh-remote-users';
import { ClusterMeshSecrets } from './constructs/clustermesh-secrets';
import { PolicyHalves } from './constructs/cluster-policies';
import { GlobalServiceResources } from './constructs/global-service';
import { HostAliasesPatch } from './constructs/host-aliases-patch';
import { KubeVip } from './constructs/kube-vip';
import { MeshCaSecret, sopsCaSecretText } from './constructs/mesh-ca-secret';
import { MeshEndpointService } from './constructs/mesh-endpoint-service';
import { MeshNamespace } from './constructs/namespace';
import { NamespaceDefaultDenyPolicy } from './constructs/default-deny';
import { RawPolicy } from './constructs/raw-policy';
import { VerificationKit, verifyGuide } from './constructs/verification-kit';
import { applicationSetFile, ClusterLayout, ClusterStages, clusterDeliveryFiles, fluxEntryPoints, ManifestContent, stageLayout } from './gitops/layout';
import { addSyncWave } from './gitops/sync-wave';
import { clusterView } from './model/cluster-view';
import { MANAGED_BY_LABELS } from './model/ownership';
import { CommittedSecrets } from './model/committed-secrets';
import { Cluster, Mesh, meshNodePortOf } from './model/mesh';
import { ManifestName, manifestFile, MANIFESTS, RenderedFile, SUPPORT_FILES } from './output/files';
import { overviewReadme } from './overview/readme';
import { withProvenance } from './output/provenance';
import { toYaml } from './output/yaml';

export type { RenderedFile } from './output/files';

/**
 * One manifest file of a cluster, in apply order: synthesised from the constructs
 * `build` adds to a chart, or, for a file that must reach dist/ byte for byte
 * (ciphertext copied from git), the exact text `verbatim` returns. Either way an
 * empty result renders no file.
 */
type ManifestFile =
  | { readonly name: ManifestName; readonly build: (scope: Construct) => void; readonly chart?: ChartProps }
  | { readonly name: ManifestName; readonly verbatim: () => string | undefined };

/** Every object the product renders is labelled as its own, on the chart rather than by each construct. */
export const CHART_PROPS: ChartProps = { disableResourceNameHashes: true, labels: { ...MANAGED_BY_LABELS } };

/** dist/ for a mesh, with the committed secret files it copies (read by loadProject). */
export function renderMesh(mesh: Mesh, secrets: CommittedSecrets): RenderedFile[] {
  return assembleMesh(mesh, secrets, mesh.clusters.map((cluster) => renderClusterFiles(mesh, secrets, cluster)));
}

/** What one cluster contributes to dist/: its own files, and its stage layout for the mesh-wide entry points. */
export interface RenderedCluster {
  readonly files: RenderedFile[];
  readonly layout: ClusterLayout;
}

/**
 * dist/ from the clusters rendered one by one (in mesh order), plus the files
 * that span the mesh. Clusters render independently, so they may be rendered
 * anywhere, in any order, as long as they are assembled in mesh order.
 */
export function assembleMesh(mesh: Mesh, secrets: CommittedSecrets, clusters: readonly RenderedCluster[]): RenderedFile[] {
  if (clusters.length !== mesh.clusters.length) throw new Error(`expected ${mesh.clusters.length} rendered clusters, got ${clusters.length}`);
  const layouts = new Map(mesh.clusters.map((cluster, i) => [cluster.name, clusters[i].layout]));
  return [...clusters.flatMap((c) => c.files), ...meshWideFiles(mesh, secrets, layouts)];
}

/** The files that span the mesh (the Argo CD ApplicationSet, the overview), from every cluster's stages. */
export function meshWideFiles(mesh: Mesh, secrets: CommittedSecrets, layouts: ReadonlyMap<string, ClusterStages>): RenderedFile[] {
  const applicationSet = applicationSetFile(mesh, layouts);
  const entry = { flux: fluxEntryPoints(mesh), argocd: applicationSet?.path };
  const overview = SUPPORT_FILES.overview;
  const readme = { path: overview.file, content: withProvenance(overview, overview.file, overviewReadme(mesh, entry, secrets)) };
  return [...(applicationSet ? [applicationSet] : []), readme];
}

/** One manifest file of a cluster in a cdk8s app: a chart, or committed ciphertext no chart can carry without changing its bytes. */
export type ClusterManifest = { readonly name: ManifestName; readonly chart: Chart } | { readonly name: ManifestName; readonly verbatim: string };

/**
 * Adds one cluster's manifests to a cdk8s app (a user's app that composes the mesh
 * with charts of its own; renderClusterFiles gives each its own app), in apply order:
 * the same charts, named `<cluster>-<manifest>`, and objects dist/<cluster>/
 * holds. A manifest with nothing to render adds no chart.
 */
export function addClusterCharts(app: Construct, mesh: Mesh, secrets: CommittedSecrets, clusterName: string): ClusterManifest[] {
  const cluster = mesh.clusters.find((c) => c.name === clusterName);
  if (!cluster) throw new Error(`the mesh has no cluster '${clusterName}' (it has ${mesh.clusters.map((c) => c.name).join(', ')})`);
  return clusterManifests(mesh, secrets, cluster).flatMap((manifest) => addManifest(app, cluster, manifest) ?? []);
}

/** One manifest of a cluster added to `scope`: its chart, or its verbatim text; nothing when it has nothing to render. */
function addManifest(scope: Construct, cluster: Cluster, manifest: ManifestFile): ClusterManifest | undefined {
  if ('verbatim' in manifest) {
    const text = manifest.verbatim();
    return text ? { name: manifest.name, verbatim: text } : undefined;
  }
  const chart = new Chart(scope, `${cluster.name}-${manifest.name}`, { ...CHART_PROPS, ...manifest.chart });
  manifest.build(chart);
  addSyncWave(chart, MANIFESTS[manifest.name].stage);
  if (chart.node.children.length > 0) return { name: manifest.name, chart };
  scope.node.tryRemoveChild(chart.node.id);
  return undefined;
}

export function renderClusterFiles(mesh: Mesh, secrets: CommittedSecrets, cluster: Cluster): RenderedCluster {
  const files: RenderedFile[] = [];
  const manifests: ManifestContent[] = [];
  for (const planned of clusterManifests(mesh, secrets, cluster)) {
    // One app per chart: cdk8s synthesises a chart by walking its whole app (dependencies,
    // validation), so charts sharing an app would each walk all of them.
    const manifest = addManifest(new App({ outdir: '.' }), cluster, planned);
    if (!manifest) continue;
    if ('verbatim' in manifest) {
      manifests.push({ name: manifest.name, content: manifest.verbatim });
      continue;
    }
    const objects = manifest.chart.toJson();
    if (objects.length === 0) continue;
    manifests.push({ name: manifest.name, content: withProvenance(MANIFESTS[manifest.name], manifestFile(manifest.name), toYaml(...objects)), sops: false });
  }
  const layout = stageLayout(cluster.name, manifests);
  files.push(...layout.files);
  const verify = SUPPORT_FILES.verifyGuide;
  if (mesh.verificationKit) files.push({ path: `${cluster.name}/${verify.file}`, content: withProvenance(verify, verify.file, verifyGuide(mesh, cluster.name)) });
  files.push(...bootstrapFolder(mesh, secrets, cluster, manifests, layout));
  files.push(...clusterDeliveryFiles(mesh, secrets, cluster, layout));
  return { files, layout };
}

function clusterManifests(mesh: Mesh, committed: CommittedSecrets, cluster: Cluster): ManifestFile[] {
  const { cilium } = mesh;
  const view = clusterView(mesh, cluster);
  const { peers } = view;
  const facts = ciliumVersionFacts(cilium.version);
  const meshClusters = mesh.clusters.map((c) => c.name);
  /** Charts whose objects all live in Cilium's namespace. */
  const inCilium: ChartProps = { namespace: cilium.namespace };
  return [
    meshCaSecretManifest(mesh, committed),
    {
      // Before Cilium: Cilium reaches the API at the virtual IP kube-vip holds.
      name: 'kube-vip',
      build: (scope) => {
        const vip = cluster.apiServer.kubeVip;
        if (vip) new KubeVip(scope, 'kube-vip', { address: cluster.apiServer.host, interface: vip.interface, image: vip.image });
      },
    },
    {
      name: 'cilium-helm-chart',
      build: (scope) => new CiliumHelmChart(scope, 'cilium', { version: cilium.version, namespace: cilium.namespace, values: ciliumHelmValues(mesh, cluster, committed) }),
    },
    {
      name: 'clustermesh-remote-users',
      build: (scope) => {
        const users = remoteUsers(mesh, cluster);
        if (!users || facts.chartRendersRemoteUsers) return;
        new ClusterMeshRemoteUsers(scope, 'remote-users', { users });
      },
      chart: inCilium,
    },
    {
      name: 'mesh-endpoint-service',
      build: (scope) => {
        // A LoadBalancer endpoint is the chart's own Service (lib/cilium/helm-values.ts).
        const nodePort = meshNodePortOf(cluster);
        if (nodePort === undefined) return;
        new MeshEndpointService(scope, 'endpoint', { nodePort });
      },
      chart: inCilium,
    },
    {
      name: 'clustermesh-secrets',
      build: (scope) => new ClusterMeshSecrets(scope, 'secrets', meshPeerConfig(mesh, cluster)),
      chart: inCilium,
    },
    {
      name: 'host-aliases-patch',
      build: (scope) => {
        // Peers dialled by a DNS name need no alias; with none at all there is nothing to patch.
        const aliases = peers.flatMap((peer) => peerHostAlias(peer) ?? []);
        if (facts.hostAliasesInPeerConfig || aliases.length === 0) return;
        new HostAliasesPatch(scope, 'aliases', { workload: dialingWorkload(mesh), aliases });
      },
      // No labels: Helm owns the patched workload's metadata, and a label applied here would be taken from it.
      chart: { ...inCilium, labels: {} },
    },
    {
      name: 'namespaces',
      build: (scope) => {
        for (const ns of view.namespaces) new MeshNamespace(scope, `ns-${ns}`, { name: ns });
      },
    },
    {
      name: 'global-service',
      build: (scope) => {
        for (const svc of view.globalServices) new GlobalServiceResources(scope, `${svc.namespace}-${svc.name}`, { service: svc, clusterName: cluster.name });
      },
    },
    {
      name: 'cluster-policies',
      build: (scope) => {
        const egressHere = new Set(view.egressIntents);
        const ingressHere = new Set(view.ingressIntents);
        for (const intent of mesh.policies) {
          const egress = egressHere.has(intent);
          const ingress = ingressHere.has(intent);
          if (egress || ingress) new PolicyHalves(scope, intent.name, { intent, egress, ingress, clusterName: cluster.name, meshClusters });
        }
      },
    },
    {
      name: 'default-deny',
      build: (scope) => {
        for (const deny of view.defaultDenies) {
          new NamespaceDefaultDenyPolicy(scope, `deny-${deny.namespace}`, { namespace: deny.namespace, direction: deny.direction, clusterName: cluster.name });
        }
      },
    },
    {
      name: 'raw-policies',
      build: (scope) => {
        for (const policy of view.rawPolicies) new RawPolicy(scope, `raw-${mesh.rawPolicies.indexOf(policy)}`, { policy, clusterName: cluster.name });
      },
    },
    {
      name: 'verification-kit',
      build: (scope) => {
        const kit = mesh.verificationKit;
        if (!kit) return;
        const deny = view.defaultDenies.find((d) => d.namespace === kit.namespace);
        new VerificationKit(scope, 'kit', { namespace: kit.namespace, clusterName: cluster.name, meshClusters, calls: kit.calls, defaultDeny: deny?.direction });
      },
    },
  ];
}

/** The mesh CA Secret, first: the HelmChart waits for it. SOPS: the committed ciphertext, verbatim; external-secrets: an ExternalSecret. */
function meshCaSecretManifest(mesh: Mesh, committed: CommittedSecrets): ManifestFile {
  const { secrets, cilium } = mesh;
  if (secrets.provider === 'sops') return { name: 'mesh-ca-secret', verbatim: () => sopsCaSecretText(secrets, committed) };
  return { name: 'mesh-ca-secret', build: (scope) => new MeshCaSecret(scope, 'mesh-ca', { secrets }), chart: { namespace: cilium.namespace } };
}
