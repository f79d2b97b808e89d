/**
 * ConfigMap `clustermesh-remote-users`: the etcd users clustermesh-apiserver
 * creates for its peers when `clustermesh.apiserver.tls.authMode` is not
 * `legacy`. The chart's Deployment mounts it (not optional) but, with the peer
 * list kept out of the chart (`clustermesh.config.enabled: false`), renders it
 * only in 1.18; from 1.19 it is rendered here, beside the HelmChart, so the
 * clustermesh-apiserver pod can start. The file is watched by the apiserver, so
 * a new peer needs no restart.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import * as k8s from 'cdk8s-plus-27/lib/imports/k8s';
import { KEEP_ANNOTATIONS } from './metadata';
import { clusterNameProblem } from '../model/kubernetes-names';

/** Name and key the chart's clustermesh-apiserver Deployment mounts. */
export const REMOTE_USERS_CONFIGMAP = 'clustermesh-remote-users';
export const REMOTE_USERS_KEY = 'users.yaml';

export interface ClusterMeshRemoteUsersProps {
  /** Cilium's namespace. @default the namespace of the chart */
  readonly namespace?: string;
  /** One etcd user per peer: `remote-<peer>`, the common name of that peer's remote client certificate. */
  readonly users: readonly string[];
}

export class ClusterMeshRemoteUsers extends Construct {
  readonly configMap: ApiObject;

  constructor(scope: Construct, id: string, props: ClusterMeshRemoteUsersProps) {
    super(scope, id);
    for (const user of props.users) {
      if (!user.startsWith('remote-') || clusterNameProblem(user.slice('remote-'.length)) !== undefined) throw new Error(`'${user}' is not a remote cluster user (remote-<cluster>)`);
    }
    if (new Set(props.users).size !== props.users.length) throw new Error('remote users must be distinct');
    const configMap: k8s.KubeConfigMapProps = {
      // Never pruned: without it clustermesh-apiserver cannot start again.
      metadata: { name: REMOTE_USERS_CONFIGMAP, namespace: props.namespace, annotations: { ...KEEP_ANNOTATIONS } },
      data: { [REMOTE_USERS_KEY]: remoteUsersYaml(props.users) },
    };
    this.configMap = new ApiObject(this, 'Resource', { ...k8s.KubeConfigMap.GVK, ...configMap });
  }
}

/** The users file in the chart's own text (templates/clustermesh-apiserver/users-configmap.yaml). */
export function remoteUsersYaml(users: readonly string[]): string {
  let text = 'users:\n';
  for (const name of users) text += `- name: ${name}\n  role: remote\n`;
  return text;
}
