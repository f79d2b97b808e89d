/**
 * Before Cilium 1.20, `<peer>.mesh.cilium.io` resolves through hostAliases on
 * the pod that dials the peers. This partial object adds them to the workload
 * the chart owns; it is applied server-side and never pruned.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { DialingWorkload, HostAlias } from '../cilium/peer-config';
import { PATCH_ANNOTATIONS } from './metadata';
import { PlainApiObject } from './plain-api-object';

export interface HostAliasesPatchProps {
  /** Cilium's namespace. @default the namespace of the chart */
  readonly namespace?: string;
  /** The chart's workload that dials the peers. */
  readonly workload: DialingWorkload;
  /** One alias per peer. */
  readonly aliases: readonly HostAlias[];
}

export class HostAliasesPatch extends Construct {
  readonly patch: ApiObject;

  constructor(scope: Construct, id: string, props: HostAliasesPatchProps) {
    super(scope, id);
    if (props.aliases.some((a) => a.ips.length === 0)) throw new Error('every host alias needs at least one IP');
    this.patch = new PlainApiObject(this, 'Resource', {
      apiVersion: 'apps/v1',
      kind: props.workload.kind,
      metadata: {
        name: props.workload.name,
        namespace: props.namespace,
        // No labels: Helm owns the workload's metadata, and a field applied here would be taken from it.
        annotations: { ...PATCH_ANNOTATIONS },
      },
      // One alias per peer: plain data, which skips cdk8s's resolve walk.
      plain: { spec: { template: { spec: { hostAliases: toPodHostAliases(props.aliases) } } } },
    });
  }
}

/** Pod hostAliases are keyed by IP: one entry per IP with every hostname that maps to it. */
export function toPodHostAliases(aliases: readonly HostAlias[]): { ip: string; hostnames: string[] }[] {
  const byIp = new Map<string, string[]>();
  for (const alias of aliases) {
    for (const ip of alias.ips) {
      const hostnames = byIp.get(ip);
      if (hostnames) hostnames.push(alias.hostname);
      else byIp.set(ip, [alias.hostname]);
    }
  }
  return [...byIp.entries()].map(([ip, hostnames]) => ({ ip, hostnames: hostnames.length > 1 ? hostnames.sort() : hostnames }));
}
