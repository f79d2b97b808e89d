/**
 * One global service as one cluster sees it: the Service annotated global
 * (present wherever the service should be reachable) and, where the backend
 * runs, its Deployment (cdk8s-plus's Kubernetes types).
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import * as k8s from 'cdk8s-plus-27/lib/imports/k8s';
import { portNameProblem } from '../model/kubernetes-names';
import { GlobalService } from '../model/mesh';
import { PlainApiObject } from './plain-api-object';

export interface GlobalServiceResourcesProps {
  readonly service: GlobalService;
  /** The cluster being rendered; decides whether the backend runs here. */
  readonly clusterName: string;
}

export class GlobalServiceResources extends Construct {
  readonly service: ApiObject;
  readonly backend?: k8s.KubeDeployment;

  constructor(scope: Construct, id: string, props: GlobalServiceResourcesProps) {
    super(scope, id);
    const svc = props.service;
    if (!svc.clusters.includes(props.clusterName)) {
      throw new Error(`global service ${svc.namespace}/${svc.name} does not exist in cluster ${props.clusterName}`);
    }
    for (const port of svc.backend ? svc.ports : []) {
      const why = portNameProblem(port.name);
      if (why !== undefined) throw new Error(`port name '${port.name}' of ${svc.namespace}/${svc.name} ${why}: it cannot name the backend's container port`);
    }
    const spec: k8s.ServiceSpec = {
      selector: { ...svc.selector },
      ports: svc.ports.map((p) => ({ name: p.name, port: p.port, targetPort: k8s.IntOrString.fromNumber(p.targetPort), protocol: p.protocol })),
    };
    // The typed spec, converted as KubeService converts it; plain data then, which skips cdk8s's resolve
    // walk (every cluster holds every global service: the walk was a sixth of a large mesh's render).
    this.service = new PlainApiObject(this, 'Service', {
      ...k8s.KubeService.GVK,
      metadata: {
        name: svc.name,
        namespace: svc.namespace,
        annotations: globalServiceAnnotations(svc),
      },
      plain: { spec: k8s.toJson_ServiceSpec(spec) },
    });
    if (svc.backend && svc.backend.clusters.includes(props.clusterName)) {
      this.backend = backendDeployment(this, svc);
    }
  }
}

export function globalServiceAnnotations(svc: Pick<GlobalService, 'shared' | 'affinity'>): Record<string, string> {
  const annotations: Record<string, string> = {
    'service.cilium.io/global': 'true',
    'service.cilium.io/shared': String(svc.shared),
  };
  if (svc.affinity) annotations['service.cilium.io/affinity'] = svc.affinity;
  return annotations;
}

/**
 * The backend as the inventory describes it, and nothing more: a plain
 * Deployment, so no library default (CPU limits, imagePullPolicy Always, extra
 * labels) lands in the cluster unasked.
 */
function backendDeployment(scope: Construct, svc: GlobalService): k8s.KubeDeployment {
  const backend = svc.backend!;
  const labels = { ...svc.selector };
  const quantities = (q: { cpu?: string; memory?: string }) =>
    Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined).map(([k, v]) => [k, k8s.Quantity.fromString(v!)]));
  return new k8s.KubeDeployment(scope, 'Backend', {
    metadata: { name: backend.name, namespace: svc.namespace },
    spec: {
      replicas: backend.replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          automountServiceAccountToken: false,
          containers: [
            {
              name: backend.name,
              image: backend.image,
              imagePullPolicy: backend.imagePullPolicy,
              ports: svc.ports.map((p) => ({ containerPort: p.targetPort, name: p.name, protocol: p.protocol })),
              resources: { requests: quantities(backend.resources.requests), limits: quantities(backend.resources.limits) },
              securityContext: { allowPrivilegeEscalation: false, runAsNonRoot: backend.runAsNonRoot },
            },
          ],
        },
      },
    },
  });
}
