/**
 * A namespace the mesh's objects live in. Other tools may own it too, so it is
 * never pruned.
 */
import { Construct } from 'constructs';
import * as k8s from 'cdk8s-plus-27/lib/imports/k8s';
import { BUILT_IN_NAMESPACES } from '../model/names';
import { KEEP_ANNOTATIONS } from './metadata';

export { BUILT_IN_NAMESPACES };


export interface MeshNamespaceProps {
  readonly name: string;
}

export class MeshNamespace extends Construct {
  readonly namespace: k8s.KubeNamespace;

  constructor(scope: Construct, id: string, props: MeshNamespaceProps) {
    super(scope, id);
    if (BUILT_IN_NAMESPACES.has(props.name)) throw new Error(`namespace ${props.name} exists in every cluster; do not render it`);
    this.namespace = new k8s.KubeNamespace(this, 'Resource', {
      metadata: { name: props.name, annotations: { ...KEEP_ANNOTATIONS } },
    });
  }
}
