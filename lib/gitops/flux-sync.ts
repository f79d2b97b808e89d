/**
 * Flux entry point of one cluster (dist/<cluster>/flux/flux-sync.yaml): a
 * GitRepository for this repository and one Kustomization per stage folder of
 * dist/<cluster>/, chained with dependsOn so the CA Secret is applied before
 * Cilium, Cilium before the mesh objects, and the mesh before services and
 * policies. Applied once by the hand-over script; a last Kustomization keeps
 * the entry point itself in sync with git afterwards.
 */
import { Construct } from 'constructs';
import { GitRepository } from '../../imports/source.toolkit.fluxcd.io';
import {
  Kustomization,
  KustomizationSpecDecryptionProvider,
  KustomizationSpecDeletionPolicy,
  KustomizationSpecHealthChecks,
  KustomizationSpecSourceRefKind,
} from '../../imports/kustomize.toolkit.fluxcd.io';
import { CILIUM_STAGE, VERIFY_STAGE } from '../output/stages';
import { OUTPUT_FOLDERS } from '../output/files';
import { FLUX_NAMESPACE, GIT_CREDENTIALS_SECRET } from '../model/git-credentials';

export { FLUX_NAMESPACE } from '../model/git-credentials';
/** Name of the GitRepository and prefix of the Kustomizations. */
export const FLUX_SOURCE_NAME = 'cilium-mesh';
/** Secret (in flux-system) with the cluster's age key under `age.agekey`. */
export const SOPS_AGE_SECRET = 'sops-age';

export interface FluxStage {
  /** Stage folder under dist/<cluster>/. */
  readonly folder: string;
  /** Whether the folder holds SOPS-encrypted files (the stage then decrypts with the age key). */
  readonly sops: boolean;
}

export interface FluxSyncProps {
  readonly clusterName: string;
  readonly repository: { readonly url: string; readonly branch: string; readonly path: string };
  /** Reconcile interval of the Kustomizations. */
  readonly interval: string;
  /** Stage folders of dist/<cluster>/ that exist, in apply order. */
  readonly stages: readonly FluxStage[];
  /** Namespace Cilium runs in: the health checks look there. */
  readonly ciliumNamespace: string;
  /**
   * Whether the repository needs credentials: the GitRepository then names Secret
   * cilium-mesh-git in flux-system, which the hand-over creates. @default false
   */
  readonly credentials?: boolean;
}

/** Flux Kustomization name of a stage folder. */
export function fluxKustomizationName(folder: string): string {
  return `${FLUX_SOURCE_NAME}-${folder}`;
}

/** `path` of a folder of dist/<cluster>/ as Flux reads it from the repository root. */
export function repositoryPath(repositoryDistPath: string, clusterName: string, folder?: string): string {
  return `./${[repositoryDistPath, clusterName, folder].filter((p) => p !== undefined).join('/')}`;
}

/**
 * `.sourceignore` lines that keep only dist/<cluster>/ in the artifact: with
 * hundreds of clusters the rest of the repository is large and irrelevant here.
 * A gitignore pattern cannot re-include a file below an excluded folder, so every
 * level of the path is excluded and its one wanted child re-included.
 */
export function ignoreAllBut(repositoryDistPath: string, clusterName: string): string {
  const parts = [...repositoryDistPath.split('/').filter((p) => p !== ''), clusterName];
  const lines = ['# only this cluster\'s folder', '/*'];
  let prefix = '';
  parts.forEach((part, i) => {
    lines.push(`!${prefix}/${part}/`);
    prefix = `${prefix}/${part}`;
    if (i < parts.length - 1) lines.push(`${prefix}/*`);
  });
  return `${lines.join('\n')}\n`;
}

/** The workloads the Cilium chart runs in a mesh: HelmChart has no Ready condition, so Flux checks these instead. */
export function ciliumHealthChecks(namespace: string): KustomizationSpecHealthChecks[] {
  return [
    { apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'cilium', namespace },
    { apiVersion: 'apps/v1', kind: 'Deployment', name: 'cilium-operator', namespace },
    { apiVersion: 'apps/v1', kind: 'Deployment', name: 'clustermesh-apiserver', namespace },
  ];
}

export class FluxSync extends Construct {
  readonly gitRepository: GitRepository;
  readonly kustomizations: Kustomization[] = [];

  constructor(scope: Construct, id: string, props: FluxSyncProps) {
    super(scope, id);
    if (props.stages.length === 0) throw new Error(`cluster ${props.clusterName} has no stage folder to sync`);
    const folders = props.stages.map((s) => s.folder);
    if (new Set(folders).size !== folders.length) throw new Error(`stage folders must be distinct, got ${folders.join(', ')}`);
    if (props.repository.url === '') throw new Error('the repository URL is empty');
    const sourceRef = { kind: KustomizationSpecSourceRefKind.GIT_REPOSITORY, name: FLUX_SOURCE_NAME };
    this.gitRepository = new GitRepository(this, 'source', {
      metadata: { name: FLUX_SOURCE_NAME, namespace: FLUX_NAMESPACE },
      spec: {
        url: props.repository.url,
        ref: { branch: props.repository.branch },
        interval: '1m',
        ...(props.credentials ? { secretRef: { name: GIT_CREDENTIALS_SECRET } } : {}),
        ignore: ignoreAllBut(props.repository.path, props.clusterName),
      },
    });

    let previous: string | undefined;
    for (const stage of props.stages) {
      const name = fluxKustomizationName(stage.folder);
      const cilium = stage.folder === CILIUM_STAGE.folder;
      const verify = stage.folder === VERIFY_STAGE.folder;
      this.kustomizations.push(
        new Kustomization(this, stage.folder, {
          metadata: { name, namespace: FLUX_NAMESPACE },
          spec: {
            sourceRef,
            path: repositoryPath(props.repository.path, props.clusterName, stage.folder),
            interval: props.interval,
            retryInterval: '1m',
            prune: true,
            // Deleting the sync objects (uninstalling Flux) must not take the CNI and the mesh down with them.
            deletionPolicy: KustomizationSpecDeletionPolicy.ORPHAN,
            ...(previous ? { dependsOn: [{ name: previous }] } : {}),
            ...(stage.sops ? { decryption: { provider: KustomizationSpecDecryptionProvider.SOPS, secretRef: { name: SOPS_AGE_SECRET } } } : {}),
            // `wait` would health-check the HelmChart, which never reports Ready; check what it installs instead.
            ...(cilium
              ? { wait: false, healthChecks: ciliumHealthChecks(props.ciliumNamespace), timeout: '15m' }
              : verify
                ? // The check Job runs for minutes and fails while a peer is down: report it, never wait on it.
                  { wait: false, timeout: '5m' }
                : { wait: true, timeout: '5m' }),
          },
        }),
      );
      previous = name;
    }

    // The entry point itself, so a change to it in git reaches the cluster; never pruned (pruning a
    // Kustomization with prune: true would delete everything it applied).
    this.kustomizations.push(
      new Kustomization(this, 'self', {
        metadata: { name: fluxKustomizationName(OUTPUT_FOLDERS.flux), namespace: FLUX_NAMESPACE },
        spec: {
          sourceRef,
          path: repositoryPath(props.repository.path, props.clusterName, OUTPUT_FOLDERS.flux),
          interval: props.interval,
          prune: false,
          deletionPolicy: KustomizationSpecDeletionPolicy.ORPHAN,
        },
      }),
    );
  }
}
