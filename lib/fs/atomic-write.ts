/**
 * Writing the project's files so that a failure or a kill at any instant
 * leaves them all old or all new, and nothing that git would pick up.
 *
 * - Each file is first written to a temporary file beside it,
 *   `.<name>.<pid>.mesh-tmp` (git-ignored by `*.mesh-tmp`), then renamed over
 *   it. A failure (a full disk) removes the temporary files; those of a killed
 *   run are removed by the next write into that folder.
 * - Several files (the CA and its certificate) are switched by one pointer:
 *   once every temporary file is complete, a journal naming them is renamed
 *   into place (`.mesh-write.journal` at the project root, git-ignored). That
 *   rename is the commit: before it, nothing has changed; after it, the renames
 *   that follow are finished by the next run (finishInterruptedWrites) if this
 *   one is killed half-way.
 */
import { closeSync, existsSync, fsyncSync, linkSync, lstatSync, mkdirSync, openSync, readdirSync, renameSync, unlinkSync, writeSync } from 'fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'path';
import { removeQuietly } from './clean-up';
import { fileSystemError, FileSystemError, fsCall, isErrnoError } from './file-system-error';
import { readProjectFile } from './read-file';

export interface FileToWrite {
  /** Absolute path. */
  readonly path: string;
  readonly content: string;
  readonly mode?: number;
}

/** The journal of a multi-file write, at the project root. */
export const WRITE_JOURNAL = '.mesh-write.journal';
const TEMPORARY_SUFFIX = '.mesh-tmp';

/** Writes `files` (inside `root`) all or nothing. */
export function writeFilesAtomically(root: string, files: readonly FileToWrite[]): void {
  const staged: { temporary: string; path: string }[] = [];
  const journal = join(root, WRITE_JOURNAL);
  const journalTemporary = temporaryFor(journal);
  let committed = false;
  try {
    for (const file of files) {
      fsCall('create', dirname(file.path), () => mkdirSync(dirname(file.path), { recursive: true }));
      removeStaleTemporaries(dirname(file.path));
      refuseNonFile(file.path);
      const temporary = temporaryFor(file.path);
      staged.push({ temporary, path: file.path });
      writeDurably(temporary, file.content, file.mode ?? 0o644, file.path);
    }
    if (staged.length > 1) {
      const entries = staged.map((s) => ({ temporary: relative(root, s.temporary), target: relative(root, s.path) }));
      writeDurably(journalTemporary, `${JSON.stringify({ files: entries })}\n`, 0o644, staged[0].path);
      fsCall('write', staged[0].path, () => renameSync(journalTemporary, journal));
      committed = true;
    }
    for (const s of staged) fsCall('replace', s.path, () => renameSync(s.temporary, s.path));
    if (staged.length > 1) fsCall('remove', journal, () => unlinkSync(journal));
    committed = true;
  } finally {
    // Before the commit nothing may stay; after it, what is left is the next run's to finish.
    if (!committed) for (const s of [...staged, { temporary: journalTemporary }]) removeQuietly(s.temporary);
  }
}

/** Writes a file that must not exist yet, whole: a reader never sees half of it, and an existing file is never replaced. */
export function writeNewFileAtomically(path: string, content: string): void {
  removeStaleTemporaries(dirname(path));
  const temporary = temporaryFor(path);
  try {
    writeDurably(temporary, content, 0o644, path);
    fsCall('write', path, () => linkSync(temporary, path)); // EEXIST if the file appeared meanwhile
  } finally {
    removeQuietly(temporary);
  }
}

/**
 * Finishes a multi-file write that was killed after its commit: renames the
 * temporary files the journal names that are still there, then removes the
 * journal. Does nothing when there is no journal. Run holding the project lock.
 */
export function finishInterruptedWrites(root: string): void {
  const journal = join(root, WRITE_JOURNAL);
  if (!existsSync(journal)) return;
  for (const { temporary, target } of readJournal(root, journal)) {
    if (exists(temporary)) fsCall('replace', target, () => renameSync(temporary, target));
  }
  fsCall('remove', journal, () => unlinkSync(journal));
}

/** Whether a multi-file write waits to be finished. */
export function hasInterruptedWrites(root: string): boolean {
  return existsSync(join(root, WRITE_JOURNAL));
}

function readJournal(root: string, journal: string): { temporary: string; target: string }[] {
  const invalid = () =>
    new FileSystemError(journal, 'is not a journal this tool wrote, so the write it names cannot be finished', "delete it, then check the CA files with 'npm run mesh -- ca show'");
  let entries: unknown;
  try {
    entries = (JSON.parse(readProjectFile(journal).toString('utf8')) as { files?: unknown }).files;
  } catch (err) {
    if (err instanceof FileSystemError) throw err;
    throw invalid();
  }
  if (!Array.isArray(entries)) throw invalid();
  return entries.map((entry: { temporary?: unknown; target?: unknown }) => {
    const { temporary, target } = entry ?? {};
    // Only renames this tool makes: a temporary file beside its target, both inside the project.
    if (typeof temporary !== 'string' || typeof target !== 'string' || isAbsolute(target) || target.split(/[\\/]/).includes('..')) throw invalid();
    const absoluteTarget = resolve(root, target);
    if (resolve(root, temporary) !== join(dirname(absoluteTarget), basename(temporary)) || !isTemporaryOf(basename(temporary), basename(target))) throw invalid();
    return { temporary: resolve(root, temporary), target: absoluteTarget };
  });
}

/** A folder (or pipe, …) where a file is to go fails the write before its commit, not after. */
function refuseNonFile(path: string): void {
  let stat;
  try {
    stat = lstatSync(path);
  } catch {
    return;
  }
  if (stat.isDirectory()) throw fileSystemError({ code: 'EISDIR' }, 'write', path);
  if (!stat.isFile() && !stat.isSymbolicLink()) {
    throw new FileSystemError(path, 'cannot be written: it is not a regular file', 'move it away; a regular file belongs there');
  }
}

function temporaryFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}${TEMPORARY_SUFFIX}`);
}

function isTemporaryOf(name: string, target: string): boolean {
  return name.startsWith(`.${target}.`) && new RegExp(`^\\.\\d+\\${TEMPORARY_SUFFIX}$`).test(name.slice(target.length + 1));
}

/** Writes a new file and flushes it to the disk, so that a rename after it never exposes an empty file. */
function writeDurably(path: string, content: string, mode: number, reportAs: string): void {
  const fd = fsCall('write', reportAs, () => openSync(path, 'wx', mode));
  try {
    const bytes = Buffer.from(content);
    for (let offset = 0; offset < bytes.length; ) offset += fsCall('write', reportAs, () => writeSync(fd, bytes, offset, bytes.length - offset));
    fsCall('write', reportAs, () => fsyncSync(fd));
  } finally {
    closeSync(fd);
  }
}

/**
 * Temporary files of killed runs in `folder`: `.<name>.<pid>.mesh-tmp` whose
 * pid is not running. A pending journal is finished before any write, so none
 * of them is still needed.
 */
function removeStaleTemporaries(folder: string): void {
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(new RegExp(`^\\..+\\.(\\d+)\\${TEMPORARY_SUFFIX}$`).exec(name)?.[1]);
    if (pid > 0 && pid !== process.pid && !isRunning(pid)) removeQuietly(join(folder, name));
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return isErrnoError(err) && err.code === 'EPERM';
  }
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
