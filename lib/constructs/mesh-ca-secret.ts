/**
 * The one mesh CA every cluster trusts, as Secret `cilium-mesh-ca` (key
 * `values.yaml`: `tls.ca.cert`/`tls.ca.key`, base64 PEM), the Secret the Cilium
 * HelmChart's valuesSecrets names.
 *
 * - provider sops: the file `ca init` wrote (secrets/cilium-mesh-ca.sops.yaml),
 *   copied byte for byte. Synth never decrypts or re-encrypts it, so the output is
 *   identical between runs; Flux decrypts it (Kustomization `decryption`), Argo CD
 *   through KSOPS. It is not a cdk8s object: see `sopsCaSecretText`.
 * - provider external-secrets: an ExternalSecret (external-secrets.io/v1) that
 *   reads `tls.crt` and `tls.key` from the store and writes the same Secret with a
 *   template; no key material in git at all.
 */
import { Construct } from 'constructs';
import {
  ExternalSecret,
  ExternalSecretSpecSecretStoreRefKind,
  ExternalSecretSpecTargetCreationPolicy,
  ExternalSecretSpecTargetDeletionPolicy,
  ExternalSecretSpecTargetTemplateEngineVersion,
} from '../../imports/external-secrets.io';
import { MESH_CA_VALUES_KEY, MESH_CA_VALUES_SECRET } from '../cilium/helm-values';
import { CommittedSecrets } from '../model/committed-secrets';
import { SecretsSettings } from '../model/mesh';
import { KEEP_ANNOTATIONS, MANAGED_BY_LABELS } from './metadata';

type ExternalSecretsSettings = Extract<SecretsSettings, { provider: 'external-secrets' }>;
type SopsSettings = Extract<SecretsSettings, { provider: 'sops' }>;

/**
 * The committed ciphertext, exactly as read from git (lib/secrets/committed-secrets.ts
 * reads it for every valid sops mesh); rendering without it is a programming error.
 */
export function sopsCaSecretText(settings: SopsSettings, committed: CommittedSecrets): string {
  if (committed.meshCaText === undefined) throw new Error(`no text of the CA file ${settings.caFile} was given to render; read it with readCommittedSecrets`);
  return committed.meshCaText;
}

/** The Helm values text, as a template over the store's properties (external-secrets template engine v2, sprig functions). */
export const EXTERNAL_SECRET_VALUES_TEMPLATE = 'tls:\n  ca:\n    cert: {{ .tlsCrt | b64enc }}\n    key: {{ .tlsKey | b64enc }}\n';

export interface MeshCaSecretProps {
  /** Cilium's namespace: the HelmChart reads the Secret from there. @default the namespace of the chart */
  readonly namespace?: string;
  readonly secrets: ExternalSecretsSettings;
}

/** ExternalSecret producing Secret `cilium-mesh-ca` from a store's `tls.crt` and `tls.key`. */
export class MeshCaSecret extends Construct {
  readonly externalSecret: ExternalSecret;

  constructor(scope: Construct, id: string, props: MeshCaSecretProps) {
    super(scope, id);
    const { storeRef, remoteKey, refreshInterval } = props.secrets;
    this.externalSecret = new ExternalSecret(this, 'Resource', {
      // Never pruned: the Secret it owns would go with it, and Cilium with the next helm run.
      metadata: { name: MESH_CA_VALUES_SECRET, namespace: props.namespace, annotations: { ...KEEP_ANNOTATIONS } },
      spec: {
        refreshInterval,
        secretStoreRef: {
          name: storeRef.name,
          kind: storeRef.kind === 'SecretStore' ? ExternalSecretSpecSecretStoreRefKind.SECRET_STORE : ExternalSecretSpecSecretStoreRefKind.CLUSTER_SECRET_STORE,
        },
        target: {
          name: MESH_CA_VALUES_SECRET,
          creationPolicy: ExternalSecretSpecTargetCreationPolicy.OWNER,
          deletionPolicy: ExternalSecretSpecTargetDeletionPolicy.RETAIN,
          template: {
            engineVersion: ExternalSecretSpecTargetTemplateEngineVersion.V2,
            type: 'Opaque',
            metadata: { labels: { ...MANAGED_BY_LABELS } },
            data: { [MESH_CA_VALUES_KEY]: EXTERNAL_SECRET_VALUES_TEMPLATE },
          },
        },
        data: [
          { secretKey: 'tlsCrt', remoteRef: { key: remoteKey, property: 'tls.crt' } },
          { secretKey: 'tlsKey', remoteRef: { key: remoteKey, property: 'tls.key' } },
        ],
      },
    });
  }
}
