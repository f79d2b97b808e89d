/**
 * What the clusters need to clone a private repository: an SSH key with the
 * server's host keys for an ssh:// URL, a user name and token for https://.
 * The credentials live in one SOPS-encrypted file, a Secret in the format
 * Flux's GitRepository reads (source-controller docs/spec/v1/gitrepositories.md,
 * "SSH authentication": `identity` and `known_hosts`; "Basic access
 * authentication": `username` and `password`); the Argo CD repository Secret is
 * made from it when it is decrypted.
 */

/** How a repository URL authenticates: its scheme decides (the inventory takes https:// and ssh:// only). */
export type GitAuth = 'ssh' | 'https';

/** The committed credentials file, relative to the project root (beside the mesh CA). */
export const GIT_CREDENTIALS_FILE = 'secrets/git-credentials.sops.yaml';
/** Name of the credentials Secret, for Flux (beside its GitRepository) and Argo CD (in its namespace). */
export const GIT_CREDENTIALS_SECRET = 'cilium-mesh-git';
/** Namespace `flux install` puts Flux's controllers in, and where this product's Flux objects live. */
export const FLUX_NAMESPACE = 'flux-system';
/** Readable annotation of the credentials Secret: the URL it was written for (covered by the SOPS MAC). */
export const GIT_CREDENTIALS_URL_ANNOTATION = 'cilium-mesh.io/repository-url';

/** The data keys of the Flux Secret for each kind of authentication. */
export const GIT_CREDENTIAL_KEYS: Readonly<Record<GitAuth, readonly string[]>> = {
  ssh: ['identity', 'known_hosts'],
  https: ['username', 'password'],
};

/** The authentication a repository URL needs credentials for. */
export function gitAuthOf(url: string): GitAuth {
  return url.startsWith('ssh://') ? 'ssh' : 'https';
}

/** The host a known_hosts entry must name for a URL: `host`, or `[host]:port` off port 22 (OpenSSH sshd(8), SSH_KNOWN_HOSTS FILE FORMAT). */
export function knownHostsNameOf(url: string): string | undefined {
  const match = /^ssh:\/\/(?:[^@/]+@)?(\[[^\]]+\]|[^:/]+)(?::(\d+))?(?:\/|$)/.exec(url);
  if (!match) return undefined;
  const host = match[1].replace(/^\[|\]$/g, '').toLowerCase();
  return match[2] && match[2] !== '22' ? `[${host}]:${match[2]}` : host;
}

/** What can be read of the credentials file without its key. */
export interface GitCredentialsOutline {
  /** The URL the credentials were written for. */
  readonly url?: string;
  /** Which kind the data keys say, or undefined when they fit neither. */
  readonly auth?: GitAuth;
  readonly recipients: readonly string[];
}
