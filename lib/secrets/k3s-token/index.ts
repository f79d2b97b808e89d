/**
 * The k3s join token of each cluster that needs one: created by `npm run mesh
 * -- token create`, kept in git SOPS-encrypted, decrypted only on the node.
 */
export * from './join-token';
