/**
 * The mesh endpoint of a NodePort or External cluster: a NodePort Service in
 * front of clustermesh-apiserver's etcd, which the peers dial on the nodes (or
 * an external load balancer forwards to). A LoadBalancer endpoint is the chart's
 * own Service instead (lib/cilium/helm-values.ts).
 */
import { Construct } from 'constructs';
import * as k8s from 'cdk8s-plus-27/lib/imports/k8s';

import { CLUSTERMESH_APISERVER_PORT } from '../cilium/peer-config';

export interface MeshEndpointServiceProps {
  /** Namespace of clustermesh-apiserver. */
  /** Cilium's namespace. @default the namespace of the chart */
  readonly namespace?: string;
  /** NodePort peers dial; must be inside the cluster's NodePort range. */
  readonly nodePort: number;
  /** @default 'clustermesh-apiserver-nodeport' */
  readonly name?: string;
}

export class MeshEndpointService extends Construct {
  readonly service: k8s.KubeService;

  constructor(scope: Construct, id: string, props: MeshEndpointServiceProps) {
    super(scope, id);
    if (!Number.isInteger(props.nodePort) || props.nodePort < 1 || props.nodePort > 65535) {
      throw new Error(`nodePort must be a port number, got ${props.nodePort}`);
    }
    this.service = new k8s.KubeService(this, 'Resource', {
      metadata: {
        name: props.name ?? 'clustermesh-apiserver-nodeport',
        namespace: props.namespace,
        labels: { 'k8s-app': 'clustermesh-apiserver' },
      },
      spec: {
        type: 'NodePort',
        selector: { 'k8s-app': 'clustermesh-apiserver' },
        ports: [
          {
            name: 'etcd',
            port: CLUSTERMESH_APISERVER_PORT,
            targetPort: k8s.IntOrString.fromNumber(CLUSTERMESH_APISERVER_PORT),
            nodePort: props.nodePort,
            protocol: 'TCP',
          },
        ],
      },
    });
  }
}
