/**
 * The one mesh CA: created and rotated by `npm run mesh -- ca …`, kept in git as a
 * SOPS-encrypted Secret plus its public certificate, copied verbatim by synth.
 */
export * from './certificate';
export * from './ca-secret';
export * from './ca-files';
export { REWRITE_CA_FIX } from './errors';
export * from './ca-file-proof';
