/**
 * The demo material the example ships: an age recipient whose identity is
 * committed (test/fixtures/demo-age-identity.txt) and the CA encrypted to it.
 * Anyone can decrypt that CA, so a mesh that still uses either gets a warning.
 */

/** The demo age recipient (clusters/mesh.yaml of the example). */
export const DEMO_AGE_RECIPIENT = 'age1wu5ttwy9n73df5n94c6rlck92zpevvh3rvzpc8pj4dzz0ag2f9wqt7ey58';

/** SHA-256 fingerprint of the example's demo CA certificate (secrets/cilium-mesh-ca.crt of the example). */
export const DEMO_CA_FINGERPRINT_SHA256 = 'C3:C7:3D:4D:B6:F9:C7:7B:AD:7A:0C:09:AF:21:0B:27:4E:BE:34:BD:5F:3F:6B:36:32:CE:FF:45:58:A8:95:24';

function sameKey(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

/** What of the demo material a mesh uses, as a phrase; undefined when none. */
export function demoMaterialInUse(recipients: readonly string[], caFingerprints: readonly string[]): string | undefined {
  const parts = [
    ...(recipients.some((r) => sameKey(r, DEMO_AGE_RECIPIENT)) ? ['the demo age recipient (secrets.ageRecipients)'] : []),
    ...(caFingerprints.some((f) => sameKey(f, DEMO_CA_FINGERPRINT_SHA256)) ? ['the demo CA'] : []),
  ];
  return parts.length === 0 ? undefined : parts.join(' and ');
}
