/**
 * The library: the mesh model, the loader, the whole render and the constructs,
 * for composing the mesh inside a cdk8s app of one's own (README, "Use it as a
 * library"). `npm run synth` is built on the same exports.
 */
export * from './model/mesh';
export type { CommittedSecrets } from './model/committed-secrets';
export { clusterView } from './model/cluster-view';
export type { ClusterView } from './model/cluster-view';
export { loadInventory } from './inventory/load';
export type { LoadOptions, LoadResult } from './inventory/load';
export { loadProject } from './inventory/load-project';
export type { LoadProjectOptions, ProjectLoadResult } from './inventory/load-project';
export type { Problem } from './report/problems';
export { addClusterCharts, renderMesh, CHART_PROPS } from './mesh-manifests';
export type { ClusterManifest, RenderedFile } from './mesh-manifests';
export { ciliumHelmValues } from './cilium/helm-values';
export { CiliumHelmChart } from './constructs/cilium-helm-chart';
export type { CiliumHelmChartProps } from './constructs/cilium-helm-chart';
export { ClusterMeshSecrets } from './constructs/clustermesh-secrets';
export type { ClusterMeshSecretsProps } from './constructs/clustermesh-secrets';
export { ClusterMeshRemoteUsers } from './constructs/clustermesh-remote-users';
export type { ClusterMeshRemoteUsersProps } from './constructs/clustermesh-remote-users';
export { MeshEndpointService } from './constructs/mesh-endpoint-service';
export type { MeshEndpointServiceProps } from './constructs/mesh-endpoint-service';
export { HostAliasesPatch } from './constructs/host-aliases-patch';
export type { HostAliasesPatchProps } from './constructs/host-aliases-patch';
export { GlobalServiceResources } from './constructs/global-service';
export type { GlobalServiceResourcesProps } from './constructs/global-service';
export { PolicyHalves } from './constructs/cluster-policies';
export type { PolicyHalvesProps } from './constructs/cluster-policies';
export { NamespaceDefaultDenyPolicy } from './constructs/default-deny';
export type { NamespaceDefaultDenyPolicyProps } from './constructs/default-deny';
export { RawPolicy } from './constructs/raw-policy';
export type { RawPolicyProps } from './constructs/raw-policy';
export { MeshNamespace } from './constructs/namespace';
export type { MeshNamespaceProps } from './constructs/namespace';
export { MeshCaSecret } from './constructs/mesh-ca-secret';
export type { MeshCaSecretProps } from './constructs/mesh-ca-secret';
export { VerificationKit } from './constructs/verification-kit';
export type { VerificationKitProps } from './constructs/verification-kit';
