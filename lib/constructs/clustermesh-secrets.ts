/**
 * The Secrets Cilium reads its peers from: `cilium-clustermesh` for the agents
 * and, with KVStoreMesh, `cilium-kvstoremesh` for clustermesh-apiserver. Every
 * key becomes a file named after the peer, so a new peer needs no restart.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import * as k8s from 'cdk8s-plus-27/lib/imports/k8s';
import { PeerEntries } from '../cilium/peer-config';
import { clusterNameProblem } from '../model/kubernetes-names';
import { PlainApiObject } from './plain-api-object';

export interface ClusterMeshSecretsProps {
  /** Cilium's namespace. @default the namespace of the chart */
  readonly namespace?: string;
  /** Entries for `cilium-clustermesh`, keyed by peer cluster name. */
  readonly clustermesh: PeerEntries;
  /** Entries for `cilium-kvstoremesh`; omit when KVStoreMesh is off. */
  readonly kvstoremesh?: PeerEntries;
}

export class ClusterMeshSecrets extends Construct {
  readonly secrets: ApiObject[];

  constructor(scope: Construct, id: string, props: ClusterMeshSecretsProps) {
    super(scope, id);
    // Every key becomes a file Cilium reads as the peer's cluster name.
    for (const entries of [props.clustermesh, props.kvstoremesh ?? new Map<string, string>()]) {
      for (const [peer, config] of entries) {
        const why = clusterNameProblem(peer);
        if (why !== undefined) throw new Error(`'${peer}' is not a Cilium cluster name: it ${why}`);
        if (!config.startsWith('endpoints:\n')) throw new Error(`the entry for ${peer} is not an etcd client configuration`);
      }
    }
    this.secrets = [secret(this, 'cilium-clustermesh', props.namespace, props.clustermesh)];
    if (props.kvstoremesh) this.secrets.push(secret(this, 'cilium-kvstoremesh', props.namespace, props.kvstoremesh));
  }
}

function secret(scope: Construct, name: string, namespace: string | undefined, entries: PeerEntries): ApiObject {
  const data: Record<string, string> = {};
  for (const peer of sortedKeys(entries)) data[peer] = base64Of(entries.get(peer)!);
  const props: k8s.KubeSecretProps = { metadata: { name, namespace }, type: 'Opaque' };
  // Not KubeSecret: it copies its data map once per key, quadratic in the number of peers; and the
  // entries (one per peer) are plain data, which skips cdk8s's resolve walk.
  return new PlainApiObject(scope, name, { ...k8s.KubeSecret.GVK, ...props, plain: { data } });
}

/**
 * Each peer's entry is the same text in every cluster of the mesh (and with
 * KVStoreMesh, every agent entry is one text): it is encoded once. Bounded,
 * for a process that renders many meshes.
 */
const ENCODED = new Map<string, string>();
const MAX_ENCODED = 4096;

function base64Of(text: string): string {
  let encoded = ENCODED.get(text);
  if (encoded === undefined) {
    encoded = Buffer.from(text, 'utf8').toString('base64');
    if (ENCODED.size >= MAX_ENCODED) ENCODED.clear();
    ENCODED.set(text, encoded);
  }
  return encoded;
}

/** The keys in order; entries usually come sorted (the mesh lists its clusters so), which costs one pass to see. */
function sortedKeys(entries: PeerEntries): string[] {
  const keys = [...entries.keys()];
  for (let i = 1; i < keys.length; i++) if (keys[i - 1] > keys[i]) return keys.sort();
  return keys;
}
