/**
 * Labels and annotations shared by the rendered objects.
 */

export { KEEP_ANNOTATIONS, MANAGED_BY_LABELS, PATCH_ANNOTATIONS } from '../model/ownership';

/** Label Cilium gives every endpoint with the name of its cluster. */
export const CLUSTER_LABEL = 'io.cilium.k8s.policy.cluster';
/** Label Cilium gives every endpoint with its namespace. */
export const NAMESPACE_LABEL = 'k8s:io.kubernetes.pod.namespace';
