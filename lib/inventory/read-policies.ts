/**
 * Policies files: intents "from may reach to", with '*' meaning any cluster.
 */
import { PolicyIntent, PolicyPeer, PolicyPort } from '../model/mesh';
import { Problem } from './problems';
import { SourceFile } from './source-file';

interface RawPeer {
  cluster?: string;
  namespace: string;
  labels: Record<string, string>;
}

interface RawPolicy {
  name: string;
  description?: string;
  from: RawPeer;
  to: RawPeer;
  ports?: { port: number; protocol?: PolicyPort['protocol'] }[];
}

export const ANY_CLUSTER = '*';

/** Cluster names are checked as in readServices (`alsoAccepted` is not reported). */
export function readPolicies(file: SourceFile, clusterNames: readonly string[], problems: Problem[], alsoAccepted: readonly string[] = []): PolicyIntent[] {
  const raw = (file.data as { policies: RawPolicy[] }).policies;
  return raw.map((policy, index) => {
    const at = ['policies', index];
    const peer = (side: 'from' | 'to'): PolicyPeer => {
      const p = policy[side];
      const cluster = p.cluster === undefined || p.cluster === ANY_CLUSTER ? undefined : p.cluster;
      if (cluster !== undefined && clusterNames.length > 0 && !clusterNames.includes(cluster) && !alsoAccepted.includes(cluster)) {
        problems.push(file.problem([...at, side, 'cluster'], `'${cluster}' is not a cluster of the mesh`, `use one of: ${clusterNames.join(', ')}, or '*' for any cluster`));
      }
      return { cluster, namespace: p.namespace, labels: p.labels };
    };
    return {
      source: { file: file.path },
      name: policy.name,
      description: policy.description,
      from: peer('from'),
      to: peer('to'),
      ports: (policy.ports ?? []).map((p) => ({ port: p.port, protocol: p.protocol ?? 'TCP' })),
    };
  });
}
