/**
 * Paths the inventory names (secrets.caFile and the certificate beside it) must
 * stay inside the project and outside the output folders: a file outside is
 * not the repository's to read or write, and a file in dist/ is deleted by the
 * next synth. Checked by name and again after following symbolic links, so a
 * link cannot lead out of the project either.
 */
import { realpathSync } from 'fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'path';

/** What is wrong with a path the inventory names; undefined when it may be used. */
export function projectPathProblem(root: string, path: string, outputDirs: readonly string[]): string | undefined {
  const absolute = resolve(root, path);
  if (isAbsolute(path) || !isInside(root, absolute)) return `'${path}' is outside the project`;
  const output = outputDirs.find((dir) => isInside(dir, absolute));
  if (output) return `'${path}' is inside ${relative(root, output) || '.'}/, which every synth replaces`;

  const real = realPathOf(absolute);
  const realRoot = realPathOf(resolve(root));
  if (!isInside(realRoot, real)) return `'${path}' leads outside the project through a symbolic link (to ${real})`;
  const realOutput = outputDirs.find((dir) => isInside(realPathOf(dir), real));
  if (realOutput) return `'${path}' leads into ${relative(root, realOutput) || '.'}/ through a symbolic link, and every synth replaces that folder`;
  return undefined;
}

function isInside(folder: string, path: string): boolean {
  const rel = relative(folder, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** The real path of `path`, or of its nearest existing ancestor with the rest appended (the file may not exist yet). */
function realPathOf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    const parent = dirname(path);
    return parent === path ? path : join(realPathOf(parent), basename(path));
  }
}
