/**
 * Credentials for a private GitOps repository: checked, SOPS-encrypted and
 * decrypted by `npm run mesh -- repo …`, read without a key by the loader.
 */
export * from './material';
export * from './credentials-file';
