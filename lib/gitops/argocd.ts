/**
 * Argo CD entry point (dist/argocd/applicationset.yaml): one ApplicationSet
 * whose list generator makes one Application per cluster, each syncing that
 * cluster's folder to the cluster's API server. A small typed wrapper over
 * ApiObject: the generated Argo CD classes are 3 MB of TypeScript.
 */
import { ApiObject, ApiObjectMetadata } from 'cdk8s';
import { Construct } from 'constructs';
import { MANAGED_BY_LABELS } from '../constructs/metadata';

export const ARGOCD_API_VERSION = 'argoproj.io/v1alpha1';

export interface ApplicationSource {
  readonly repoURL: string;
  readonly targetRevision: string;
  readonly path: string;
}

export interface ApplicationDestination {
  readonly server: string;
  readonly namespace?: string;
}

export interface SyncPolicy {
  readonly automated?: { readonly prune?: boolean; readonly selfHeal?: boolean; readonly allowEmpty?: boolean };
  readonly syncOptions?: readonly string[];
  readonly retry?: { readonly limit?: number; readonly backoff?: { readonly duration?: string; readonly factor?: number; readonly maxDuration?: string } };
}

/** The Application spec as an ApplicationSet template carries it (fields used here). */
export interface ApplicationSpec {
  readonly project: string;
  readonly source: ApplicationSource;
  readonly destination: ApplicationDestination;
  readonly syncPolicy?: SyncPolicy;
}

export interface ApplicationSetSpec {
  readonly goTemplate?: boolean;
  readonly goTemplateOptions?: readonly string[];
  readonly generators: readonly { readonly list: { readonly elements: readonly Readonly<Record<string, string>>[] } }[];
  readonly template: {
    readonly metadata: { readonly name: string; readonly labels?: Readonly<Record<string, string>>; readonly annotations?: Readonly<Record<string, string>> };
    readonly spec: ApplicationSpec;
  };
  readonly syncPolicy?: { readonly preserveResourcesOnDeletion?: boolean };
}

export interface ApplicationSetProps {
  readonly metadata: ApiObjectMetadata;
  readonly spec: ApplicationSetSpec;
}

/** argoproj.io/v1alpha1 ApplicationSet. */
export class ApplicationSet extends ApiObject {
  static readonly GVK = { apiVersion: ARGOCD_API_VERSION, kind: 'ApplicationSet' };

  constructor(scope: Construct, id: string, props: ApplicationSetProps) {
    super(scope, id, { ...ApplicationSet.GVK, metadata: props.metadata, spec: props.spec });
  }
}

export interface ArgoCdCluster {
  readonly name: string;
  /** API server URL Argo CD deploys to (Cluster.argocdServer). */
  readonly server: string;
  /** Folder Argo CD syncs, relative to the repository root. */
  readonly path: string;
}

export interface ArgoCdApplicationSetProps {
  readonly meshName: string;
  /** Namespace of Argo CD. */
  readonly namespace: string;
  readonly project: string;
  readonly repository: { readonly url: string; readonly branch: string };
  readonly clusters: readonly ArgoCdCluster[];
  /** Default namespace of the Applications (the Cilium namespace); every object names its own. */
  readonly destinationNamespace: string;
}

/** Sync options of every Application. */
export const ARGOCD_SYNC_OPTIONS: readonly string[] = [
  // Patches of chart-owned workloads are partial objects: they apply only server-side. Server-side
  // apply also keeps the large peer Secrets free of the last-applied annotation (256 KiB limit).
  'ServerSideApply=true',
  // CiliumNetworkPolicies are applied in the same sync that installs Cilium and its CRDs.
  'SkipDryRunOnMissingResource=true',
];

export class ArgoCdApplicationSet extends Construct {
  readonly applicationSet: ApplicationSet;

  constructor(scope: Construct, id: string, props: ArgoCdApplicationSetProps) {
    super(scope, id);
    this.applicationSet = new ApplicationSet(this, 'Resource', {
      metadata: { name: `cilium-mesh-${props.meshName}`, namespace: props.namespace },
      spec: {
        goTemplate: true,
        goTemplateOptions: ['missingkey=error'],
        generators: [{ list: { elements: props.clusters.map((c) => ({ cluster: c.name, server: c.server, path: c.path })) } }],
        template: {
          // The Applications it generates are content, not objects of this chart: they carry the owner themselves.
          metadata: { name: 'cilium-mesh-{{.cluster}}', labels: { ...MANAGED_BY_LABELS, 'cilium-mesh/cluster': '{{.cluster}}' } },
          spec: {
            project: props.project,
            source: { repoURL: props.repository.url, targetRevision: props.repository.branch, path: '{{.path}}' },
            destination: { server: '{{.server}}', namespace: props.destinationNamespace },
            syncPolicy: {
              automated: { prune: true, selfHeal: true },
              syncOptions: ARGOCD_SYNC_OPTIONS,
              // Stages that wait for Cilium (the mesh patches, the policies) succeed on a later try.
              retry: { limit: 10, backoff: { duration: '30s', factor: 2, maxDuration: '10m' } },
            },
          },
        },
        // Removing a cluster from the inventory (or the ApplicationSet) must not uninstall its CNI.
        syncPolicy: { preserveResourcesOnDeletion: true },
      },
    });
  }
}

/** The KSOPS generator config (a kustomize exec KRM function) that decrypts `files`. */
export function ksopsGenerator(name: string, files: readonly string[]): Record<string, unknown> {
  return {
    apiVersion: 'viaduct.ai/v1',
    kind: 'ksops',
    metadata: { name, annotations: { 'config.kubernetes.io/function': 'exec:\n  path: ksops\n' } },
    files: [...files],
  };
}
