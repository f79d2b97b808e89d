/**
 * Renders a valid Mesh into the files of dist/: per cluster, one file per
 * concern, a kustomization.yaml listing them, and a bootstrap folder. Each
 * output file is named after the construct that renders it (lib/constructs/).
 */
import { App, Chart, Yaml } from 'cdk8s';
import { Construct } from 'constructs';
import { k3sServerConfigs } from './bootstrap/k3s-server-config';
import { bootstrapReadme } from './bootstrap/readme';
import { ciliumHelmValues } from './cilium/helm-values';
import { dialingWorkload, meshPeerConfig, peerHostAlias } from './cilium/peer-config';
import { ciliumVersionFacts } from './cilium/versions';
import { CiliumHelmChart } from './constructs/cilium-helm-chart';
import { ClusterMeshSecrets } from './constructs/clustermesh-secrets';
import { PolicyHalves, peerRunsIn } from './constructs/cluster-policies';
import { GlobalServiceResources } from './constructs/global-service';
import { HostAliasesPatch } from './constructs/host-aliases-patch';
import { MeshEndpointService } from './constructs/mesh-endpoint-service';
import { BUILT_IN_NAMESPACES, MeshNamespace } from './constructs/namespace';
import { Cluster, Mesh, peersOf } from './model/mesh';

export interface RenderedFile {
  /** Path relative to dist/, with '/' separators. */
  readonly path: string;
  readonly content: string;
}

/** One synthesised manifest file of a cluster, in apply order. */
interface ManifestFile {
  readonly name: string;
  readonly build: (scope: Construct) => void;
}

export function renderMesh(mesh: Mesh): RenderedFile[] {
  return mesh.clusters.flatMap((cluster) => renderCluster(mesh, cluster));
}

function renderCluster(mesh: Mesh, cluster: Cluster): RenderedFile[] {
  // One app per cluster: synthesising a chart walks its whole app, so a shared
  // app would make synth quadratic in the number of clusters.
  const app = new App({ outdir: '.' });
  const files: RenderedFile[] = [];
  const manifests: string[] = [];
  let helmChartYaml = '';
  for (const manifest of clusterManifests(mesh, cluster)) {
    const chart = new Chart(app, `${cluster.name}-${manifest.name}`, { disableResourceNameHashes: true });
    manifest.build(chart);
    const objects = chart.toJson();
    if (objects.length === 0) continue;
    const content = Yaml.stringify(...objects);
    const path = `${manifest.name}.yaml`;
    if (manifest.name === 'cilium-helm-chart') helmChartYaml = content;
    files.push({ path: `${cluster.name}/${path}`, content });
    manifests.push(path);
  }
  files.push({ path: `${cluster.name}/kustomization.yaml`, content: kustomization(manifests) });

  for (const node of k3sServerConfigs(mesh, cluster)) {
    files.push({ path: `${cluster.name}/bootstrap/k3s-config-${node.nodeName}.yaml`, content: Yaml.stringify(node.config) });
  }
  files.push({ path: `${cluster.name}/bootstrap/cilium-helm-chart.yaml`, content: helmChartYaml });
  files.push({ path: `${cluster.name}/bootstrap/README.md`, content: bootstrapReadme(mesh, cluster) });
  return files;
}

function clusterManifests(mesh: Mesh, cluster: Cluster): ManifestFile[] {
  const { cilium } = mesh;
  const peers = peersOf(mesh, cluster);
  const facts = ciliumVersionFacts(cilium.version);
  const meshClusters = mesh.clusters.map((c) => c.name);
  return [
    {
      name: 'cilium-helm-chart',
      build: (scope) => new CiliumHelmChart(scope, 'cilium', { version: cilium.version, namespace: cilium.namespace, values: ciliumHelmValues(mesh, cluster) }),
    },
    {
      name: 'mesh-endpoint-service',
      build: (scope) => new MeshEndpointService(scope, 'endpoint', { namespace: cilium.namespace, nodePort: cluster.meshNodePort }),
    },
    {
      name: 'clustermesh-secrets',
      build: (scope) => new ClusterMeshSecrets(scope, 'secrets', { namespace: cilium.namespace, ...meshPeerConfig(mesh, cluster) }),
    },
    {
      name: 'host-aliases-patch',
      build: (scope) => {
        if (facts.hostAliasesInPeerConfig || peers.length === 0) return;
        new HostAliasesPatch(scope, 'aliases', { namespace: cilium.namespace, workload: dialingWorkload(mesh), aliases: peers.map(peerHostAlias) });
      },
    },
    {
      name: 'global-service',
      build: (scope) => {
        const here = mesh.globalServices.filter((s) => s.clusters.includes(cluster.name));
        const namespaces = [...new Set(here.map((s) => s.namespace))].filter((n) => !BUILT_IN_NAMESPACES.has(n)).sort();
        for (const ns of namespaces) new MeshNamespace(scope, `ns-${ns}`, { name: ns });
        for (const svc of here) new GlobalServiceResources(scope, `${svc.namespace}-${svc.name}`, { service: svc, clusterName: cluster.name });
      },
    },
    {
      name: 'cluster-policies',
      build: (scope) => {
        for (const intent of mesh.policies) {
          if (peerRunsIn(intent.from, cluster.name) || peerRunsIn(intent.to, cluster.name)) {
            new PolicyHalves(scope, intent.name, { intent, clusterName: cluster.name, meshClusters });
          }
        }
      },
    },
  ];
}

function kustomization(resources: readonly string[]): string {
  return Yaml.stringify({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: [...resources] });
}
