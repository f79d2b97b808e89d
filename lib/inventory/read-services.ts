/**
 * GlobalServices files: one declaration per service, expanded to the clusters
 * it names ('all' becomes the mesh's clusters).
 */
import { portNameProblem } from '../model/kubernetes-names';
import { GlobalService, ServiceAffinity, ServiceBackend, ServicePort } from '../model/mesh';
import { Problem } from '../report/problems';
import { SourceFile } from './source-file';
import { DEFAULTS } from './defaults';

const SERVICE = DEFAULTS.GlobalServices.services[0];

export type ClusterList = 'all' | string[];

interface RawService {
  name: string;
  namespace: string;
  ports: { name?: string; port: number; targetPort?: number; protocol?: ServicePort['protocol'] }[];
  selector?: Record<string, string>;
  clusters?: ClusterList;
  shared?: boolean;
  affinity?: ServiceAffinity;
  backend?: {
    name?: string;
    image: string;
    replicas?: number;
    clusters: ClusterList;
    imagePullPolicy?: ServiceBackend['imagePullPolicy'];
    runAsNonRoot?: boolean;
    resources?: { requests?: { cpu?: string; memory?: string }; limits?: { cpu?: string; memory?: string } };
  };
}

/**
 * Reads services; names in cluster lists must be clusters of the mesh. Names in
 * `alsoAccepted` (stems of cluster files that have problems of their own) are
 * not reported, so one broken cluster file does not cascade into this one.
 */
export function readServices(file: SourceFile, clusterNames: readonly string[], problems: Problem[], alsoAccepted: readonly string[] = []): GlobalService[] {
  const raw = (file.data as { services: RawService[] }).services;
  return raw.map((svc, index) => {
    const at = ['services', index];
    const clusters = expand(svc.clusters ?? SERVICE.clusters, clusterNames);
    checkClusterList(file, [...at, 'clusters'], svc.clusters, clusterNames, alsoAccepted, problems);
    let backend: GlobalService['backend'];
    if (svc.backend) {
      const backendClusters = expand(svc.backend.clusters, clusterNames);
      checkClusterList(file, [...at, 'backend', 'clusters'], svc.backend.clusters, clusterNames, alsoAccepted, problems);
      for (const name of backendClusters) {
        if (clusterNames.includes(name) && !clusters.includes(name)) {
          problems.push(file.problem([...at, 'backend', 'clusters'], `the backend runs in ${name}, where the service does not exist`, `add ${name} to the service's clusters, or remove it from backend.clusters`));
        }
      }
      backend = {
        name: svc.backend.name ?? svc.name,
        image: svc.backend.image,
        replicas: svc.backend.replicas ?? SERVICE.backend.replicas,
        imagePullPolicy: svc.backend.imagePullPolicy ?? SERVICE.backend.imagePullPolicy,
        runAsNonRoot: svc.backend.runAsNonRoot ?? SERVICE.backend.runAsNonRoot,
        resources: {
          requests: { ...SERVICE.backend.resources.requests, ...svc.backend.resources?.requests },
          limits: { ...SERVICE.backend.resources.limits, ...svc.backend.resources?.limits },
        },
        clusters: backendClusters,
      };
    }
    const ports = svc.ports.map((p): ServicePort => {
      const protocol = p.protocol ?? SERVICE.ports[0].protocol;
      return { name: p.name ?? `${protocol.toLowerCase()}-${p.port}`, port: p.port, targetPort: p.targetPort ?? p.port, protocol };
    });
    checkUnique(file, at, ports, problems);
    if (backend) {
      // The backend's container ports carry the same names, and a container port name is an IANA service name.
      ports.forEach((port, i) => {
        const why = portNameProblem(port.name);
        if (why === undefined) return;
        const named = svc.ports[i].name !== undefined;
        problems.push(
          file.problem(named ? [...at, 'ports', i, 'name'] : [...at, 'ports', i], `port name '${port.name}' ${why}; it also names the backend's container port`, 'choose a name of at most 15 lower-case letters, digits and single hyphens, with a letter'),
        );
      });
    }
    return {
      source: { file: file.path },
      name: svc.name,
      namespace: svc.namespace,
      ports,
      selector: svc.selector ?? { app: backend?.name ?? svc.name },
      clusters,
      shared: svc.shared ?? SERVICE.shared,
      affinity: svc.affinity,
      backend,
    };
  });
}

export function expand(list: ClusterList, clusterNames: readonly string[]): string[] {
  return list === 'all' ? [...clusterNames] : [...list].sort();
}

/** Names in a cluster list must be clusters of the mesh ('all' always is). */
export function checkClusterList(file: SourceFile, at: (string | number)[], list: ClusterList | undefined, clusterNames: readonly string[], alsoAccepted: readonly string[], problems: Problem[]): void {
  // With no cluster at all, the loader reports that once; every reference would fail.
  if (list === undefined || list === 'all' || clusterNames.length === 0) return;
  list.forEach((name, i) => {
    if (!clusterNames.includes(name) && !alsoAccepted.includes(name)) {
      problems.push(file.problem([...at, i], `'${name}' is not a cluster of the mesh`, `use one of: ${clusterNames.join(', ')}`));
    }
  });
}

function checkUnique(file: SourceFile, at: (string | number)[], ports: ServicePort[], problems: Problem[]): void {
  const names = new Set<string>();
  const numbers = new Set<string>();
  ports.forEach((p, i) => {
    if (names.has(p.name)) problems.push(file.problem([...at, 'ports', i, 'name'], `port name '${p.name}' is used twice`, 'give each port its own name'));
    const key = `${p.port}/${p.protocol}`;
    if (numbers.has(key)) problems.push(file.problem([...at, 'ports', i, 'port'], `${key} is listed twice`, 'list each port once'));
    names.add(p.name);
    numbers.add(key);
  });
}
