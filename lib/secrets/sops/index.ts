/**
 * SOPS (getsops/sops) YAML files with age recipients: write, read (with MAC check) and rekey.
 * Compatible with files made by the sops CLI 3.x; see the module files for the format details.
 */
export { decryptYaml, encryptYaml, rekey, DEFAULT_ENCRYPTED_REGEX } from './sops-file';
export type { DecryptYamlOptions, EncryptYamlOptions, RekeyOptions } from './sops-file';
export { identitiesFromEnv, parseAgeIdentities, recipientOfIdentity } from './age-keys';
export type { RandomBytes } from './aes-gcm-value';
export { normalRecipients, sameRecipients } from './recipients';
export { SopsError } from './errors';
export type { SopsErrorCode } from './errors';
export { isSopsEncrypted, outlineSopsFile, ENCRYPTED_VALUE } from './inspect';
export type { SopsFileOutline } from './inspect';
export { proveCiphertext } from './ciphertext-proof';
export type { CiphertextIssue, CiphertextProofOptions } from './ciphertext-proof';
