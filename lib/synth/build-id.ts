/**
 * The id of the build that renders: a hash of the bundles that hold every line
 * of the renderer. Hashing them (5 MiB) was a twentieth of a synth with nothing
 * to render, so the id is remembered beside them with each bundle's size,
 * modification time and inode, and hashed again only when one of those changed
 * (a new build writes new files). Remembering is best effort: without a
 * writable folder the bundles are hashed every time.
 */
import { createHash } from 'crypto';
import { readFileSync, renameSync, statSync, writeFileSync } from 'fs';
import { dirname, join } from 'path';

const REMEMBERED = 'build-id.json';

export function buildIdOf(bundles: readonly string[]): string {
  const stamps = bundles.map((file) => {
    const stat = statSync(file);
    return [file, stat.size, stat.mtimeMs, stat.ino];
  });
  const record = join(dirname(bundles[0]), REMEMBERED);
  try {
    const known = JSON.parse(readFileSync(record, 'utf8')) as { stamps?: unknown; id?: unknown };
    if (typeof known.id === 'string' && JSON.stringify(known.stamps) === JSON.stringify(stamps)) return known.id;
  } catch {
    // Not remembered yet, or unreadable: hash.
  }
  const hash = createHash('sha256');
  for (const file of bundles) hash.update(readFileSync(file));
  const id = hash.digest('hex');
  try {
    const temporary = `${record}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify({ stamps, id }));
    renameSync(temporary, record);
  } catch {
    // A read-only installation: the next run hashes again.
  }
  return id;
}
