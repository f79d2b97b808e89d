/**
 * The Mesh file: mesh-wide Cilium settings with their defaults applied.
 */
import { brokenValueRules, MANAGED_VALUES, REMOVED_VALUES } from '../cilium/removed-values';
import { CiliumVersion } from '../cilium/versions';
import { parseIpv4Cidr } from '../model/ipv4';
import { CiliumSettings, Routing } from '../model/mesh';
import { Problem } from './problems';
import { SourceFile } from './source-file';

interface RawMesh {
  name: string;
  cilium: {
    version: CiliumVersion;
    namespace?: string;
    kvstoremesh?: boolean;
    maxConnectedClusters?: 255 | 511;
    routing?: { mode: 'tunnel' | 'native'; tunnelProtocol?: 'vxlan' | 'geneve'; nativeRoutingCidr?: string };
    kubeProxyReplacement?: boolean;
    helmValues?: Record<string, unknown>;
  };
}

export interface MeshSettings {
  readonly name: string;
  readonly cilium: CiliumSettings;
}

export function readMesh(file: SourceFile, problems: Problem[]): MeshSettings {
  const raw = file.data as RawMesh;
  const c = raw.cilium;
  const helmValues = c.helmValues ?? {};
  problems.push(...helmValueProblems(file, ['cilium', 'helmValues'], helmValues));
  return {
    name: raw.name,
    cilium: {
      version: c.version,
      namespace: c.namespace ?? 'kube-system',
      kvstoremesh: c.kvstoremesh ?? true,
      maxConnectedClusters: c.maxConnectedClusters ?? 255,
      routing: readRouting(file, c.routing, problems),
      kubeProxyReplacement: c.kubeProxyReplacement ?? true,
      helmValues,
    },
  };
}

function readRouting(file: SourceFile, raw: RawMesh['cilium']['routing'], problems: Problem[]): Routing {
  if (!raw || raw.mode === 'tunnel') {
    if (raw?.nativeRoutingCidr !== undefined) {
      problems.push(file.problem(['cilium', 'routing', 'nativeRoutingCidr'], 'is only used with mode: native', 'remove it, or set mode: native'));
    }
    return { mode: 'tunnel', tunnelProtocol: raw?.tunnelProtocol ?? 'vxlan' };
  }
  if (raw.tunnelProtocol !== undefined) {
    problems.push(file.problem(['cilium', 'routing', 'tunnelProtocol'], 'is only used with mode: tunnel', 'remove it, or set mode: tunnel'));
  }
  if (raw.nativeRoutingCidr === undefined) {
    problems.push(file.problem(['cilium', 'routing'], "native routing needs 'nativeRoutingCidr'", 'add nativeRoutingCidr: a range that covers the pod ranges of every cluster'));
    return { mode: 'native', nativeRoutingCidr: '' };
  }
  const parsed = parseIpv4Cidr(raw.nativeRoutingCidr);
  if ('error' in parsed) {
    problems.push(file.problem(['cilium', 'routing', 'nativeRoutingCidr'], `'${raw.nativeRoutingCidr}' ${parsed.error}`, 'write an IPv4 range such as 10.0.0.0/8'));
  }
  return { mode: 'native', nativeRoutingCidr: raw.nativeRoutingCidr };
}

/** Refuses Helm values removed from the chart or owned by the inventory. */
export function helmValueProblems(file: SourceFile, at: readonly string[], values: Record<string, unknown>): Problem[] {
  const removed = brokenValueRules(values, REMOVED_VALUES).map((rule) =>
    file.problem([...at, ...rule.path.split('.')], 'is not accepted by the supported Cilium charts', rule.fix, { atKey: true }),
  );
  const managed = brokenValueRules(values, MANAGED_VALUES).map((rule) =>
    file.problem([...at, ...rule.path.split('.')], 'is set by the inventory and cannot be overridden', rule.fix, { atKey: true }),
  );
  return [...removed, ...managed];
}
