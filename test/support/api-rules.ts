/**
 * Rules the Kubernetes API server enforces that JSON schemas cannot express:
 * cross-field rules of Services, name syntax (DNS-1123/1035), label and
 * annotation syntax. Each rule follows pkg/apis/core/validation/validation.go
 * and apimachinery's validation helpers (the name rules are the product's own,
 * lib/model/kubernetes-names.ts, which the inventory checks too).
 * Every function returns the broken rules (empty when the object is accepted).
 */
import { dns1035LabelProblem, dns1123LabelProblem, dns1123SubdomainProblem, labelValueProblem, portNameProblem, qualifiedNameProblem } from '../../lib/model/kubernetes-names';
import { parseIpv4Cidr } from '../../lib/model/ipv4';
import { KubeObject } from './schema-validator';

export const isDns1123Label = (value: string): boolean => dns1123LabelProblem(value) === undefined;
export const isDns1123Subdomain = (value: string): boolean => dns1123SubdomainProblem(value) === undefined;
export const isDns1035Label = (value: string): boolean => dns1035LabelProblem(value) === undefined;

/** A label or annotation key: `[prefix/]name`, prefix a DNS subdomain, name ≤ 63 characters. */
export function qualifiedNameProblems(key: string): string[] {
  const problem = qualifiedNameProblem(key);
  return problem === undefined ? [] : [`key '${key}' ${problem}`];
}

export function labelValueProblems(key: string, value: unknown): string[] {
  if (typeof value !== 'string') return [`label ${key}: value must be a string`];
  const problem = labelValueProblem(value);
  return problem === undefined ? [] : [`label ${key}: value ${problem}`];
}

/** Kinds whose names must be DNS-1035 labels (a Service name becomes a DNS label and an env var prefix). */
const DNS1035_KINDS = new Set(['Service']);
/** Kinds whose names must be DNS-1123 labels. */
const DNS1123_LABEL_KINDS = new Set(['Namespace']);
/** RBAC kinds take any path segment name (`system:...`). */
const PATH_SEGMENT_KINDS = new Set(['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding']);

/** Metadata rules: name syntax for the kind, label keys and values, annotation keys and total size. */
export function metadataProblems(object: KubeObject): string[] {
  const problems: string[] = [];
  const metadata = object.metadata ?? {};
  const kind = String(object.kind);
  const name = metadata.name;
  if (typeof name !== 'string' || name === '') problems.push('metadata.name is required');
  else if (DNS1035_KINDS.has(kind) && !isDns1035Label(name)) problems.push(`metadata.name '${name}': a ${kind} name must be a DNS-1035 label (a-z first, ≤ 63)`);
  else if (DNS1123_LABEL_KINDS.has(kind)) {
    if (!isDns1123Label(name)) problems.push(`metadata.name '${name}': a ${kind} name must be a DNS-1123 label`);
  } else if (PATH_SEGMENT_KINDS.has(kind)) {
    if (name === '.' || name === '..' || /[/%]/.test(name)) problems.push(`metadata.name '${name}': may not be '.' or '..' or contain '/' or '%'`);
  } else if (!isDns1123Subdomain(name)) problems.push(`metadata.name '${name}': must be a DNS-1123 subdomain`);
  const namespace = metadata.namespace;
  if (namespace !== undefined && (typeof namespace !== 'string' || !isDns1123Label(namespace))) problems.push(`metadata.namespace '${String(namespace)}': must be a DNS-1123 label`);
  const labels = (metadata.labels ?? {}) as Record<string, unknown>;
  for (const [key, value] of Object.entries(labels)) problems.push(...qualifiedNameProblems(key).map((p) => `label ${p}`), ...labelValueProblems(key, value));
  const annotations = (metadata.annotations ?? {}) as Record<string, unknown>;
  let size = 0;
  for (const [key, value] of Object.entries(annotations)) {
    problems.push(...qualifiedNameProblems(key).map((p) => `annotation ${p}`));
    if (typeof value !== 'string') problems.push(`annotation ${key}: value must be a string`);
    size += key.length + String(value).length;
  }
  if (size > 256 * 1024) problems.push('annotations: total size must be no more than 256 KiB');
  return problems;
}

interface ServicePortSpec {
  name?: unknown;
  port?: unknown;
  nodePort?: unknown;
  targetPort?: unknown;
  protocol?: unknown;
}

/** A port name used as a targetPort or container port: IANA_SVC_NAME, at most 15 characters. */
export function portNameProblems(name: string): string[] {
  const problem = portNameProblem(name);
  return problem === undefined ? [] : [`port name '${name}' ${problem}`];
}

/** The Service rules of ValidateService that depend on more than one field. */
export function serviceProblems(service: KubeObject): string[] {
  const spec = (service.spec ?? {}) as Record<string, unknown>;
  const type = (spec.type as string | undefined) ?? 'ClusterIP';
  const problems: string[] = [];
  const externalIPs = Array.isArray(spec.externalIPs) ? spec.externalIPs : [];
  const externallyAccessible = type === 'LoadBalancer' || type === 'NodePort' || (type === 'ClusterIP' && externalIPs.length > 0);
  if (spec.externalTrafficPolicy !== undefined) {
    if (!externallyAccessible) problems.push('spec.externalTrafficPolicy: may only be set for externally-accessible services');
    else if (!['Cluster', 'Local'].includes(String(spec.externalTrafficPolicy))) problems.push(`spec.externalTrafficPolicy: Unsupported value "${String(spec.externalTrafficPolicy)}"`);
  }
  if (spec.internalTrafficPolicy !== undefined && !['Cluster', 'Local'].includes(String(spec.internalTrafficPolicy))) {
    problems.push(`spec.internalTrafficPolicy: Unsupported value "${String(spec.internalTrafficPolicy)}"`);
  }
  const lb = type === 'LoadBalancer';
  for (const field of ['loadBalancerSourceRanges', 'loadBalancerClass', 'allocateLoadBalancerNodePorts', 'loadBalancerIP']) {
    if (spec[field] !== undefined && !lb) problems.push(`spec.${field}: may only be used when \`type\` is 'LoadBalancer'`);
  }
  // ValidateService (kubernetes pkg/apis/core/validation/validation.go): source ranges are CIDRs
  // (GetLoadBalancerSourceRanges; host bits are refused here too), the class a qualified name (validateLoadBalancerClassField).
  const ranges = Array.isArray(spec.loadBalancerSourceRanges) ? (spec.loadBalancerSourceRanges as unknown[]) : [];
  if (ranges.some((r) => typeof r !== 'string' || 'error' in parseIpv4Cidr(r.trim()))) {
    problems.push(`spec.loadBalancerSourceRanges: Invalid value: must be a list of IP ranges. For example, 10.240.0.0/24,10.250.0.0/24`);
  }
  if (spec.loadBalancerClass !== undefined && spec.loadBalancerClass !== null) problems.push(...qualifiedNameProblems(String(spec.loadBalancerClass)).map((p) => `spec.loadBalancerClass: ${p}`));
  if (spec.healthCheckNodePort !== undefined && !(lb && spec.externalTrafficPolicy === 'Local')) {
    problems.push("spec.healthCheckNodePort: may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'");
  }
  if (type === 'ExternalName' && typeof spec.externalName !== 'string') problems.push('spec.externalName: Required value');
  const ports = (Array.isArray(spec.ports) ? spec.ports : []) as ServicePortSpec[];
  if (type !== 'ExternalName' && ports.length === 0 && spec.clusterIP !== 'None') problems.push('spec.ports: Required value');
  const names = new Set<string>();
  const nodePorts = new Set<string>();
  ports.forEach((port, i) => {
    const at = `spec.ports[${i}]`;
    if (ports.length > 1 && (typeof port.name !== 'string' || port.name === '')) problems.push(`${at}.name: Required value (more than one port)`);
    if (typeof port.name === 'string' && port.name !== '') {
      if (!isDns1123Label(port.name)) problems.push(`${at}.name '${port.name}': must be a DNS-1123 label`);
      if (names.has(port.name)) problems.push(`${at}.name '${port.name}': Duplicate value`);
      names.add(port.name);
    }
    if (typeof port.port !== 'number' || port.port < 1 || port.port > 65535) problems.push(`${at}.port: must be between 1 and 65535`);
    if (port.nodePort !== undefined) {
      if (type === 'ClusterIP') problems.push(`${at}.nodePort: may not be used when \`type\` is 'ClusterIP'`);
      if (type === 'ExternalName') problems.push(`${at}.nodePort: may not be used when \`type\` is 'ExternalName'`);
      const key = `${String(port.protocol ?? 'TCP')}/${String(port.nodePort)}`;
      if (nodePorts.has(key)) problems.push(`${at}.nodePort: Duplicate value ${key}`);
      nodePorts.add(key);
    }
    if (typeof port.targetPort === 'string') problems.push(...portNameProblems(port.targetPort).map((p) => `${at}.targetPort: ${p}`));
    else if (typeof port.targetPort === 'number' && (port.targetPort < 1 || port.targetPort > 65535)) problems.push(`${at}.targetPort: must be between 1 and 65535`);
  });
  return problems;
}

/** Container port names (IANA_SVC_NAME) of any pod template in the object. */
export function containerPortProblems(object: KubeObject): string[] {
  const problems: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    for (const key of ['containers', 'initContainers']) {
      const containers = record[key];
      if (!Array.isArray(containers)) continue;
      for (const c of containers as { ports?: { name?: unknown }[] }[]) {
        for (const port of c.ports ?? []) if (typeof port.name === 'string') problems.push(...portNameProblems(port.name));
      }
    }
    Object.values(record).forEach(visit);
  };
  visit(object.spec);
  return problems;
}

/** Every rule above that applies to the object. */
export function apiServerProblems(object: KubeObject): string[] {
  return [...metadataProblems(object), ...(object.kind === 'Service' ? serviceProblems(object) : []), ...containerPortProblems(object)];
}
