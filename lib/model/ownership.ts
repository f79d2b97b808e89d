/**
 * Labels and annotations that say who owns a rendered object and what the
 * GitOps engines (Flux, Argo CD) may do with it. Below everything that writes
 * objects: the constructs and the CA file writer share them.
 */

/** Marks every object this product renders, so a reviewer can tell them from the chart's. */
export const MANAGED_BY_LABELS: Readonly<Record<string, string>> = {
  'app.kubernetes.io/managed-by': 'k3s-cilium-mesh',
};

/**
 * A partial object that patches a workload the Cilium chart owns. It must be
 * applied server-side and merged, never pruned (pruning it would delete the real
 * workload when the patch leaves git) and, for Argo CD, not validated as a whole
 * object (Argo CD sync options, "Server-Side Apply"). It carries no labels:
 * Helm owns the workload's metadata.
 */
export const PATCH_ANNOTATIONS: Readonly<Record<string, string>> = {
  'kustomize.toolkit.fluxcd.io/ssa': 'Merge',
  'kustomize.toolkit.fluxcd.io/prune': 'disabled',
  'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false,ServerSideApply=true,Validate=false',
};

/**
 * An object whose removal would take the network down or that other owners may
 * share (the Cilium HelmChart, the mesh CA, the remote users, a namespace):
 * neither pruned when it leaves git nor deleted with its Application.
 */
export const KEEP_ANNOTATIONS: Readonly<Record<string, string>> = {
  'kustomize.toolkit.fluxcd.io/prune': 'disabled',
  'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false',
};
