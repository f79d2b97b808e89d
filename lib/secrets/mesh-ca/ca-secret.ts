/**
 * The mesh CA as a Kubernetes Secret: `cilium-mesh-ca` in Cilium's namespace,
 * key `values.yaml` holding the Helm values the HelmChart's valuesSecrets feeds
 * to the Cilium chart (`tls.ca.cert` and `tls.ca.key`, base64 PEM, which the
 * chart passes to sprig's buildCustomCert). The Secret only ever exists in git
 * as a SOPS file encrypted to age recipients (encrypted_regex ^(data|stringData)$:
 * name, namespace and labels stay readable for review).
 */
import { parse } from 'yaml';
import { decryptYaml, encryptYaml, outlineSopsFile, SopsError } from '../sops';
import { MESH_CA_VALUES_KEY, MESH_CA_VALUES_SECRET } from '../../cilium/helm-values';
import { KEEP_ANNOTATIONS, MANAGED_BY_LABELS } from '../../model/ownership';
import { toYaml } from '../../output/yaml';
import { CaCertificateFacts, inspectCertificate, keyMatchesCertificate, MeshCaMaterial } from './certificate';
import { caFileExposures } from './ca-file-proof';
import { MeshCaError, REWRITE_CA_FIX } from './errors';

/** Secret name and key the HelmChart's valuesSecrets reads (see lib/cilium/helm-values.ts). */
export const CA_SECRET_NAME = MESH_CA_VALUES_SECRET;
export const CA_VALUES_KEY = MESH_CA_VALUES_KEY;
/** Readable (and MAC-covered) annotation with the certificate's fingerprint, so the clear certificate beside the file can be matched without a key. */
export const CA_FINGERPRINT_ANNOTATION = 'k3s-cilium-mesh.io/ca-fingerprint-sha256';


export { MeshCaError } from './errors';

/** The Helm values text: `tls: {ca: {cert, key}}` with base64 PEM, as the chart's `tls.ca` expects. */
export function caValuesText(material: MeshCaMaterial): string {
  const b64 = (pem: string) => Buffer.from(pem, 'utf8').toString('base64');
  return `tls:\n  ca:\n    cert: ${b64(material.certPem)}\n    key: ${b64(material.keyPem)}\n`;
}

/** The plain Secret object (only ever held in memory, or printed by `ca secret` for the bootstrap step). */
export function caSecretObject(namespace: string, material: MeshCaMaterial): Record<string, unknown> {
  const facts = inspectCertificate(material.certPem);
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: CA_SECRET_NAME,
      namespace,
      labels: { ...MANAGED_BY_LABELS },
      // Never pruned nor deleted with its Application: the next helm run would make a CA of its own.
      annotations: { [CA_FINGERPRINT_ANNOTATION]: facts.fingerprintSha256, ...KEEP_ANNOTATIONS },
    },
    type: 'Opaque',
    stringData: { [CA_VALUES_KEY]: caValuesText(material) },
  };
}

/** The Secret as YAML text, for `ca secret`: written as the manifests are. */
export function caSecretYaml(secret: Record<string, unknown>): string {
  return toYaml(secret);
}

/** Encrypts the CA Secret to the recipients, as a SOPS YAML file. */
export async function encryptCaSecret(namespace: string, material: MeshCaMaterial, recipients: readonly string[]): Promise<string> {
  return encryptYaml(caSecretObject(namespace, material), { recipients });
}

/** What the CA file shows without a key: enough for synth to check it and copy it. */
export interface CaFileOutline {
  readonly namespace: string;
  readonly recipients: readonly string[];
  /** From the fingerprint annotation; undefined when the file has none (written by hand with sops). */
  readonly fingerprintSha256?: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The values.yaml value of a Secret object, from stringData or (base64) data. */
function valuesEntry(secret: Record<string, unknown>): { where: string; value: unknown } | undefined {
  const stringData = secret.stringData;
  if (isRecord(stringData) && CA_VALUES_KEY in stringData) return { where: `stringData.${CA_VALUES_KEY}`, value: stringData[CA_VALUES_KEY] };
  const data = secret.data;
  if (isRecord(data) && CA_VALUES_KEY in data) return { where: `data.${CA_VALUES_KEY}`, value: data[CA_VALUES_KEY] };
  return undefined;
}

const REWRITE = REWRITE_CA_FIX;

/** Checks the Secret's readable shape: kind, name, the values key. */
function checkSecretShape(secret: Record<string, unknown>): void {
  if (secret.apiVersion !== 'v1' || secret.kind !== 'Secret') {
    throw new MeshCaError(`holds ${String(secret.apiVersion)} ${String(secret.kind)}, not a v1 Secret`, REWRITE, 'kind');
  }
  const metadata = isRecord(secret.metadata) ? secret.metadata : {};
  if (metadata.name !== CA_SECRET_NAME) {
    throw new MeshCaError(`names the Secret ${JSON.stringify(metadata.name)}; the HelmChart reads '${CA_SECRET_NAME}'`, REWRITE, 'metadata.name');
  }
  if (typeof metadata.namespace !== 'string' || metadata.namespace === '') {
    throw new MeshCaError('has no metadata.namespace', REWRITE, 'metadata.namespace');
  }
  if (!valuesEntry(secret)) {
    throw new MeshCaError(`has no '${CA_VALUES_KEY}' key under stringData or data`, REWRITE, 'stringData');
  }
}

/**
 * Reads the CA file's readable parts and checks them without decrypting: a SOPS
 * file encrypted to someone, a v1 Secret `cilium-mesh-ca`, proven ciphertext
 * (see ca-file-proof.ts). Every problem is returned; `outline` is set when the
 * file's readable structure could be read. Throws SopsError only for a file
 * that is not SOPS at all (e.g. truncated).
 */
export function checkCaFile(text: string): { outline?: CaFileOutline; errors: MeshCaError[] } {
  const sops = outlineSopsFile(text);
  const errors = caFileExposures(text);
  if (sops.recipients.length === 0) {
    errors.push(new MeshCaError('is not encrypted to any age recipient (sops.age is empty), so Flux cannot decrypt it', REWRITE, 'sops.age'));
  }
  try {
    checkSecretShape(sops.data);
  } catch (err) {
    if (!(err instanceof MeshCaError)) throw err;
    return { errors: [...errors, err] };
  }
  const metadata = sops.data.metadata as Record<string, unknown>;
  const annotations = isRecord(metadata.annotations) ? metadata.annotations : {};
  const fingerprint = annotations[CA_FINGERPRINT_ANNOTATION];
  return {
    outline: { namespace: metadata.namespace as string, recipients: sops.recipients, fingerprintSha256: typeof fingerprint === 'string' ? fingerprint : undefined },
    errors,
  };
}

/** checkCaFile for callers that stop at the first problem: throws it (MeshCaError, or SopsError for a file that is not SOPS). */
export function outlineCaFile(text: string): CaFileOutline {
  const { outline, errors } = checkCaFile(text);
  if (errors.length > 0) throw errors[0];
  return outline!;
}

/** The decrypted CA: the Secret and the material inside it, checked to belong together. */
export interface DecryptedCa {
  readonly secret: Record<string, unknown>;
  readonly namespace: string;
  readonly material: MeshCaMaterial;
  readonly certificate: CaCertificateFacts;
}

/** Reads the CA material out of a decrypted Secret object. */
export function caFromSecret(secret: Record<string, unknown>): DecryptedCa {
  checkSecretShape(secret);
  const entry = valuesEntry(secret)!;
  let text = String(entry.value);
  if (entry.where.startsWith('data.')) text = Buffer.from(text, 'base64').toString('utf8');
  let values: unknown;
  try {
    values = parse(text, { logLevel: 'error' });
  } catch (err) {
    throw new MeshCaError(`holds ${entry.where} that is not YAML (${(err as Error).message.split('\n')[0]})`, REWRITE, entry.where);
  }
  const ca = isRecord(values) && isRecord(values.tls) && isRecord(values.tls.ca) ? values.tls.ca : undefined;
  if (!ca || typeof ca.cert !== 'string' || typeof ca.key !== 'string') {
    throw new MeshCaError(`holds ${entry.where} without tls.ca.cert and tls.ca.key`, REWRITE, entry.where);
  }
  const certPem = Buffer.from(ca.cert, 'base64').toString('utf8');
  const keyPem = Buffer.from(ca.key, 'base64').toString('utf8');
  let certificate: CaCertificateFacts;
  try {
    certificate = inspectCertificate(certPem);
  } catch (err) {
    throw new MeshCaError(`holds a tls.ca.cert that ${(err as Error).message}`, REWRITE, entry.where);
  }
  if (!keyMatchesCertificate(certPem, keyPem)) {
    throw new MeshCaError('holds a tls.ca.key that does not belong to tls.ca.cert', REWRITE, entry.where);
  }
  const namespace = (secret.metadata as Record<string, unknown>).namespace as string;
  return { secret, namespace, material: { certPem, keyPem }, certificate };
}

/** Decrypts (verifying the MAC) and reads the CA file. Throws SopsError or MeshCaError. */
export async function decryptCaFile(text: string, identities: readonly string[]): Promise<DecryptedCa> {
  outlineCaFile(text);
  const secret = await decryptYaml(text, { identities });
  return caFromSecret(secret);
}

export { SopsError };
