/**
 * Removes key material from text shown to people: a message may quote what the
 * user wrote, and what they wrote may be a secret pasted in the wrong place
 * (an age identity among the recipients, a private key in a comment).
 */

/** age identities, classic and post-quantum (bech32, so letters and digits only). */
const AGE_IDENTITY = /AGE-SECRET-KEY-(PQ-)?1[0-9A-Za-z]{20,}/g;
/** PEM private keys of any type, up to their end line or, when cut off, to the end of the text. */
const PEM_PRIVATE_KEY = /-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY-----[\s\S]*?(-----END ([A-Z0-9]+ )*PRIVATE KEY-----|$)/g;

export const REDACTED_IDENTITY = '<age identity, redacted>';
export const REDACTED_PRIVATE_KEY = '<private key, redacted>';

export function redactSecrets(text: string): string {
  return text.replace(PEM_PRIVATE_KEY, REDACTED_PRIVATE_KEY).replace(AGE_IDENTITY, REDACTED_IDENTITY);
}
