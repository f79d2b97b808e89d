/**
 * age recipients compared the way they name keys: case and surrounding spaces
 * do not matter (bech32), nor order or repetition.
 */
export function normalRecipients(recipients: readonly string[]): string[] {
  return [...new Set(recipients.map((r) => r.trim().toLowerCase()))].sort();
}

/** Whether two lists name the same recipients. */
export function sameRecipients(a: readonly string[], b: readonly string[]): boolean {
  return normalRecipients(a).join(',') === normalRecipients(b).join(',');
}
