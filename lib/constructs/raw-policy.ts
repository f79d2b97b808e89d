/**
 * A hand-written CiliumNetworkPolicy or CiliumClusterwideNetworkPolicy, placed
 * as written. It is an ApiObject rather than the generated class: the class
 * renders only the fields it knows, and a policy must never lose a rule
 * silently. The loader has checked the fields that decide where it applies.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { RawCiliumPolicy } from '../model/mesh';
import { MANAGED_BY_LABELS } from './metadata';

export interface RawPolicyProps {
  readonly policy: RawCiliumPolicy;
  /** The cluster being rendered. */
  readonly clusterName: string;
}

export class RawPolicy extends Construct {
  readonly object: ApiObject;

  constructor(scope: Construct, id: string, props: RawPolicyProps) {
    super(scope, id);
    const { policy, clusterName } = props;
    if (!policy.clusters.includes(clusterName)) {
      throw new Error(`raw policy ${policy.name} is not placed in cluster ${clusterName}`);
    }
    const { apiVersion, kind, metadata, ...body } = policy.manifest as { apiVersion: string; kind: string; metadata: Record<string, unknown> } & Record<string, unknown>;
    // Written last: a hand-written policy cannot claim another owner (the chart's labels would yield to it).
    const labels = { ...((metadata.labels as Record<string, string> | undefined) ?? {}), ...MANAGED_BY_LABELS };
    this.object = new ApiObject(this, 'Resource', {
      apiVersion,
      kind,
      metadata: { ...(structuredClone(metadata) as object), labels },
      ...(structuredClone(body) as object),
    });
  }
}
