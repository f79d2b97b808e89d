/**
 * Names no cluster may take, and why: Cilium's name for a cluster without an
 * id, and the folders and files of dist/ a cluster folder would sit beside.
 * The loader and add-cluster both ask here.
 */
import { RESERVED_CLUSTER_NAMES } from '../output/files';

/** What a reserved name is taken by ("reserved for …"), or undefined when a cluster may use it. */
export function reservedClusterName(name: string): string | undefined {
  if (name === 'default') return 'Cilium, for clusters without an id';
  return Object.hasOwn(RESERVED_CLUSTER_NAMES, name) ? RESERVED_CLUSTER_NAMES[name] : undefined;
}
