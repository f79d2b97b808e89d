import { generateIdentity, identityToRecipient } from 'age-encryption';

export interface AgeTestKey {
  identity: string;
  recipient: string;
}

/** A fresh X25519 age key pair for one test. */
export async function newAgeKey(): Promise<AgeTestKey> {
  const identity = await generateIdentity();
  return { identity, recipient: await identityToRecipient(identity) };
}

/** Deterministic "randomness" for reproducible ciphertexts (never use outside tests). */
export function countingRandom(seed = 1): (size: number) => Uint8Array {
  let next = seed;
  return (size) => Uint8Array.from({ length: size }, () => next++ & 0xff);
}
