/**
 * Secret files committed beside the inventory: the ciphertext the output
 * carries byte for byte, and what the output must know of the others. They are
 * read by a step of their own after the inventory is parsed
 * (lib/secrets/committed-secrets.ts), so the mesh model holds settings only and
 * every renderer receives them explicitly.
 */
import type { GitAuth } from './git-credentials';

export interface CommittedSecrets {
  /** The mesh CA's SOPS file, its exact text; present with secrets.provider sops. */
  readonly meshCaText?: string;
  /**
   * Set when the GitOps repository's credentials are committed and fit the repository
   * (secrets/git-credentials.sops.yaml): the Flux GitRepository then names their Secret
   * and the hand-over creates it. Never in dist/: Flux could not fetch them from there.
   */
  readonly gitCredentials?: { readonly auth: GitAuth };
  /**
   * The k3s join token file of each cluster that has one (relative to the project root),
   * by cluster name: the bootstrap scripts decrypt it on the nodes; never in dist/.
   */
  readonly joinTokenFiles?: Readonly<Record<string, string>>;
  /**
   * The public certificates every cluster trusts (Cilium's `tls.caBundle`), PEM,
   * sorted by fingerprint: the current CA, plus the next one (rotation phase
   * trust-both) or the previous one (issue-new). Present with provider sops.
   */
  readonly trustBundlePem?: string;
  /** SHA-256 fingerprint of the CA that issues the certificates (the one in meshCaText). */
  readonly issuerFingerprintSha256?: string;
}
