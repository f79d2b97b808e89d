/**
 * Labels and annotations shared by the rendered objects.
 */

/** Marks every object this product renders, so a reviewer can tell them from the chart's. */
export const MANAGED_BY_LABELS: Readonly<Record<string, string>> = {
  'app.kubernetes.io/managed-by': 'k3s-cilium-mesh',
};

/**
 * A partial object that patches a workload the Cilium chart owns. It must be
 * applied server-side and merged, and never pruned: pruning it would delete the
 * real workload when the patch leaves git.
 */
export const PATCH_ANNOTATIONS: Readonly<Record<string, string>> = {
  'kustomize.toolkit.fluxcd.io/ssa': 'Merge',
  'kustomize.toolkit.fluxcd.io/prune': 'Disabled',
  'argocd.argoproj.io/sync-options': 'Prune=false,ServerSideApply=true',
};

/** An object the mesh needs but may share with other owners (a namespace): never pruned. */
export const KEEP_ANNOTATIONS: Readonly<Record<string, string>> = {
  'kustomize.toolkit.fluxcd.io/prune': 'Disabled',
  'argocd.argoproj.io/sync-options': 'Prune=false',
};

/** Label Cilium gives every endpoint with the name of its cluster. */
export const CLUSTER_LABEL = 'io.cilium.k8s.policy.cluster';
/** Label Cilium gives every endpoint with its namespace. */
export const NAMESPACE_LABEL = 'k8s:io.kubernetes.pod.namespace';
