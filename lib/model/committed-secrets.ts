/**
 * Secret files committed beside the inventory whose ciphertext the output
 * carries byte for byte. They are read by a step of their own after the
 * inventory is parsed (lib/secrets/committed-secrets.ts), so the mesh model
 * holds settings only and every renderer receives the ciphertext explicitly.
 */
export interface CommittedSecrets {
  /** The mesh CA's SOPS file, its exact text; present with secrets.provider sops. */
  readonly meshCaText?: string;
  /**
   * The public certificates every cluster trusts (Cilium's `tls.caBundle`), PEM,
   * sorted by fingerprint: the current CA, plus the next one (rotation phase
   * trust-both) or the previous one (issue-new). Present with provider sops.
   */
  readonly trustBundlePem?: string;
  /** SHA-256 fingerprint of the CA that issues the certificates (the one in meshCaText). */
  readonly issuerFingerprintSha256?: string;
}
