/**
 * Clean-up after a failure: it must not hide the failure itself, so its own
 * errors are dropped (what it leaves is git-ignored and removed by the next run).
 */
import { rmSync } from 'fs';

export function removeQuietly(path: string): void {
  try {
    rmSync(path, { recursive: true, force: true });
  } catch {
    // the failure being reported matters more
  }
}
