/**
 * The credentials file (secrets/git-credentials.sops.yaml): the Secret Flux's
 * GitRepository reads, SOPS-encrypted to the mesh's age recipients with the
 * rules of the CA file (`data` and `stringData` encrypted; name, namespace and
 * the URL annotation readable and covered by the MAC). Written by `repo
 * credentials`, decrypted only where the key is (`repo secret`), never copied
 * into dist/.
 */
import { MANAGED_BY_LABELS } from '../../model/ownership';
import {
  FLUX_NAMESPACE,
  GIT_CREDENTIAL_KEYS,
  GIT_CREDENTIALS_SECRET,
  GIT_CREDENTIALS_URL_ANNOTATION,
  GitAuth,
  GitCredentialsOutline,
} from '../../model/git-credentials';
import { describeKeyMaterial } from '../../report/redact';
import { CiphertextIssue, decryptYaml, encryptYaml, outlineSopsFile, proveCiphertext } from '../sops';
import { GitCredentialMaterial } from './material';

/** A problem of the credentials file, phrased for the user. */
export interface CredentialsFileIssue {
  readonly field: string;
  readonly line?: number;
  readonly message: string;
  readonly fix: string;
}

export const REWRITE_CREDENTIALS_FIX = "write it again with 'npm run mesh -- repo credentials', or restore it from version control";

/** The Flux Secret, in clear: only ever passed to the encryption or printed by `repo secret`. */
export function fluxCredentialsSecret(url: string, material: GitCredentialMaterial): Record<string, unknown> {
  const stringData: Record<string, string> =
    material.auth === 'ssh'
      ? { identity: withFinalNewline(material.identity), known_hosts: withFinalNewline(material.knownHosts) }
      : { username: material.username, password: material.password };
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: GIT_CREDENTIALS_SECRET, namespace: FLUX_NAMESPACE, labels: { ...MANAGED_BY_LABELS }, annotations: { [GIT_CREDENTIALS_URL_ANNOTATION]: url } },
    type: 'Opaque',
    stringData,
  };
}

/**
 * The Argo CD repository Secret for the same credentials (Argo CD docs,
 * operator-manual/declarative-setup, "Repositories": label
 * `argocd.argoproj.io/secret-type: repository`, `type: git`, `url`, and
 * `sshPrivateKey` or `username`/`password`). Argo CD takes SSH host keys from
 * its ConfigMap argocd-ssh-known-hosts-cm, not from this Secret.
 */
export function argoCdRepositorySecret(url: string, material: GitCredentialMaterial, namespace: string): Record<string, unknown> {
  const auth = material.auth === 'ssh' ? { sshPrivateKey: withFinalNewline(material.identity) } : { username: material.username, password: material.password };
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: GIT_CREDENTIALS_SECRET, namespace, labels: { ...MANAGED_BY_LABELS, 'argocd.argoproj.io/secret-type': 'repository' } },
    type: 'Opaque',
    stringData: { type: 'git', url, ...auth },
  };
}

export async function encryptCredentials(url: string, material: GitCredentialMaterial, recipients: readonly string[]): Promise<string> {
  return encryptYaml(fluxCredentialsSecret(url, material), { recipients });
}

const isSecretPayload = (path: readonly string[]) => path[0] === 'data' || path[0] === 'stringData';

/**
 * What the file says without its key, and every reason it may not be used:
 * not proven ciphertext, not the Secret this product writes, data keys of
 * neither kind. Throws SopsError for text that is not a SOPS file.
 */
export function checkCredentialsFile(text: string): { outline: GitCredentialsOutline; issues: CredentialsFileIssue[] } {
  const issues: CredentialsFileIssue[] = proveCiphertext(text, { mustEncrypt: isSecretPayload }).map(phrase);
  const sops = outlineSopsFile(text);
  const data = sops.data as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown; annotations?: Record<string, unknown> }; stringData?: unknown; data?: unknown };
  if (data.kind !== 'Secret' || data.metadata?.name !== GIT_CREDENTIALS_SECRET || data.metadata?.namespace !== FLUX_NAMESPACE) {
    issues.push({ field: 'metadata', message: `is not Secret ${GIT_CREDENTIALS_SECRET} in ${FLUX_NAMESPACE}, the Secret the Flux GitRepository names`, fix: REWRITE_CREDENTIALS_FIX });
  }
  const url = data.metadata?.annotations?.[GIT_CREDENTIALS_URL_ANNOTATION];
  if (typeof url !== 'string') issues.push({ field: `metadata.annotations.${GIT_CREDENTIALS_URL_ANNOTATION}`, message: 'does not say which repository URL the credentials are for', fix: REWRITE_CREDENTIALS_FIX });
  const keys = [...Object.keys(asRecord(data.stringData)), ...Object.keys(asRecord(data.data))].sort();
  const auth = (Object.keys(GIT_CREDENTIAL_KEYS) as GitAuth[]).find((a) => [...GIT_CREDENTIAL_KEYS[a]].sort().join() === keys.join());
  if (!auth) {
    issues.push({ field: 'stringData', message: `holds ${keys.join(', ') || 'nothing'}, neither an SSH key with known_hosts (identity, known_hosts) nor a user name with token (username, password)`, fix: REWRITE_CREDENTIALS_FIX });
  }
  return { outline: { url: typeof url === 'string' ? url : undefined, auth, recipients: sops.recipients }, issues };
}

/** Decrypts the file (MAC checked) into the URL and credentials it holds. Throws SopsError. */
export async function decryptCredentials(text: string, identities: readonly string[]): Promise<{ url: string; material: GitCredentialMaterial }> {
  const plain = (await decryptYaml(text, { identities })) as { metadata?: { annotations?: Record<string, string> }; stringData?: Record<string, string>; data?: Record<string, string> };
  const values: Record<string, string> = { ...decodeData(plain.data), ...(plain.stringData ?? {}) };
  const url = plain.metadata?.annotations?.[GIT_CREDENTIALS_URL_ANNOTATION] ?? '';
  if ('identity' in values) return { url, material: { auth: 'ssh', identity: values.identity, knownHosts: values.known_hosts ?? '' } };
  return { url, material: { auth: 'https', username: values.username ?? '', password: values.password ?? '' } };
}

function decodeData(data: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
}

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function withFinalNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}

function phrase(issue: CiphertextIssue): CredentialsFileIssue {
  switch (issue.kind) {
    case 'mac-missing':
    case 'mac-damaged':
      return { field: issue.field, message: issue.kind === 'mac-missing' ? 'has no sops MAC, so nobody can tell whether it was changed' : 'has a damaged sops MAC (is the file truncated?)', fix: REWRITE_CREDENTIALS_FIX };
    case 'mac-partial':
      return { field: issue.field, message: 'sets mac_only_encrypted, so its MAC does not cover the readable fields (the URL, name, namespace)', fix: REWRITE_CREDENTIALS_FIX };
    case 'stray-ciphertext':
      return { field: issue.field, line: issue.line, message: `holds ${issue.field} encrypted, but the file's encryption rules leave it readable: the file was edited without sops`, fix: REWRITE_CREDENTIALS_FIX };
    case 'clear-value':
      return {
        field: issue.field,
        line: issue.line,
        message: `holds ${issue.field} in clear text${issue.keyMaterial ? `, ${describeKeyMaterial(issue.keyMaterial)}` : ''}: the credentials are readable by anyone with the repository`,
        fix: `revoke those credentials at the Git host, then ${REWRITE_CREDENTIALS_FIX.replace(', or restore it from version control', '')} with new ones`,
      };
    case 'key-material':
      return {
        field: issue.field,
        line: issue.line,
        message: `has ${describeKeyMaterial(issue.keyMaterial)} in clear ${issue.inComment ? 'in a comment' : 'in a readable field'} at line ${issue.line}`,
        fix: 'delete it from the file; if the file was ever committed or shared, revoke that key at the Git host and write new credentials',
      };
  }
}
