/**
 * A cluster's fingerprint: a hash of everything its files in dist/ are
 * rendered from. Two renders with the same fingerprint give the same bytes, so
 * a cluster whose fingerprint is unchanged since the last synth need not be
 * rendered again (lib/synth/render-cache.ts).
 *
 * What goes in, deliberately more than a cluster reads:
 * - the build of the tool (a hash of its code), so a new version renders all;
 * - every mesh-wide setting, service and policy (the mesh without its
 *   clusters), since most of them reach every cluster, and the committed secret
 *   files (the CA ciphertext), which every cluster copies;
 * - the cluster itself, whole;
 * - of every cluster, what its peers read of it (peerFacts): name, id, nodes
 *   (with their NAT addresses: aliases and default source ranges), mesh endpoint
 *   (type, port, LoadBalancer IP, External address). A peer's Helm values, ranges or API server stay out, so a
 *   change to them re-renders that cluster only.
 * test/synth/fingerprint.test.ts changes every input one at a time and checks
 * that whenever a cluster's files change, its fingerprint does.
 */
import { createHash } from 'crypto';
import { CommittedSecrets } from '../model/committed-secrets';
import { Cluster, Mesh } from '../model/mesh';

/** Bumped when the meaning of a fingerprint changes. */
const FORMAT = 2;

/**
 * What a cluster's render reads of its peers (peer Secrets, host aliases, remote users, policy
 * selectors, the source ranges of its own LoadBalancer endpoint). The whole endpoint goes in:
 * a peer's LoadBalancer class or source ranges are read by no one else, but cost one field.
 */
export function peerFacts(cluster: Cluster): unknown {
  return { name: cluster.name, id: cluster.id, nodes: cluster.nodes, meshEndpoint: cluster.meshEndpoint };
}

/** Cluster name -> fingerprint, for every cluster of the mesh. */
export function clusterFingerprints(mesh: Mesh, secrets: CommittedSecrets, build: string): Map<string, string> {
  const { clusters, ...meshWide } = mesh;
  const shared = createHash('sha256')
    .update(canonical([FORMAT, build, meshWide, secrets, clusters.map(peerFacts)]))
    .digest('hex');
  return new Map(clusters.map((cluster) => [cluster.name, createHash('sha256').update(shared).update(canonical(cluster)).digest('hex')]));
}

/**
 * The fingerprint of the files that span the mesh (the overview, the Argo CD
 * ApplicationSet): they read the whole mesh, its secrets and every cluster's
 * stages, which the mesh and the build decide.
 */
export function meshWideFingerprint(mesh: Mesh, secrets: CommittedSecrets, build: string): string {
  return createHash('sha256').update(canonical([FORMAT, 'mesh-wide', build, mesh, secrets])).digest('hex');
}

/**
 * JSON of the model. The model is plain data (objects, arrays, strings,
 * numbers, booleans, dates); anything JSON would write as less than it holds
 * (a Map, a Set, a function) is refused rather than silently hashed as `{}`.
 */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) => {
    if (v instanceof Map || v instanceof Set || typeof v === 'function' || typeof v === 'bigint' || typeof v === 'symbol') {
      throw new Error(`cannot fingerprint a ${typeof v === 'object' ? v.constructor.name : typeof v} in the mesh model`);
    }
    return v;
  });
}
