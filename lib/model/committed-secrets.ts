/**
 * Secret files committed beside the inventory whose ciphertext the output
 * carries byte for byte. They are read by a step of their own after the
 * inventory is parsed (lib/secrets/committed-secrets.ts), so the mesh model
 * holds settings only and every renderer receives the ciphertext explicitly.
 */
export interface CommittedSecrets {
  /** The mesh CA's SOPS file, its exact text; present with secrets.provider sops. */
  readonly meshCaText?: string;
}
