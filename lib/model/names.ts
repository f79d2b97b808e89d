/**
 * Names the model reserves: the loader checks the inventory against them and
 * the constructs render with them, so both read them from here.
 */

/** Namespaces every cluster already has; synth never renders them. */
export const BUILT_IN_NAMESPACES: ReadonlySet<string> = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease']);

/** Name of the policy that closes a namespace (default deny), in each closed namespace. */
export const DEFAULT_DENY_POLICY_NAME = 'mesh-default-deny';
