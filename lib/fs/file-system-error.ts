/**
 * The one error every file-system failure becomes: the path, what is wrong with
 * it and what to do, printed as one line (never a stack trace). Reads collect it
 * as an inventory Problem; writes throw it and the entry points (npm run synth,
 * every `npm run mesh` command) print it and exit 1.
 */
import { relative } from 'path';
import { formatProblem, Problem } from '../report/problems';

/** What the program was doing with the path, as the message says it. */
export type FileAction = 'read' | 'write' | 'create' | 'list' | 'replace' | 'remove' | 'lock';

export class FileSystemError extends Error {
  constructor(
    /** Absolute path of the file or folder concerned. */
    readonly path: string,
    /** What is wrong, as a sentence fragment about the path. */
    readonly problem: string,
    /** What to do about it. */
    readonly fix: string,
    /** The errno code (ENOSPC, EISDIR, …) when the operating system reported one. */
    readonly code?: string,
  ) {
    super(`${path} ${problem}. Fix: ${fix}`);
    this.name = 'FileSystemError';
  }

  /** The error as an inventory Problem, its path relative to `root`. */
  toProblem(root: string): Problem {
    return { severity: 'error', file: displayPath(root, this.path), field: '', message: this.problem, fix: this.fix };
  }

  /** One line: `error: <path> <problem>. Fix: <fix>`. */
  format(root: string): string {
    return formatProblem(this.toProblem(root));
  }
}

/** An error thrown by Node's fs (it has an errno code such as ENOSPC); duck-typed, as it may come from another realm. */
export function isErrnoError(err: unknown): err is NodeJS.ErrnoException & { code: string } {
  const code = typeof err === 'object' && err !== null ? (err as NodeJS.ErrnoException).code : undefined;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code);
}

const VERB: Record<FileAction, string> = {
  read: 'cannot be read',
  write: 'cannot be written',
  create: 'cannot be created',
  list: 'cannot be listed',
  replace: 'cannot be replaced',
  remove: 'cannot be removed',
  lock: 'cannot be locked',
};

/**
 * What an errno code means for a user and what they can do. `action` decides
 * the verb ("cannot be written: the disk is full").
 */
function explain(code: string, action: FileAction): { reason: string; fix: string } {
  const access = action === 'read' || action === 'list' ? 'read' : 'write';
  switch (code) {
    case 'ENOSPC':
      return { reason: 'the disk is full', fix: 'free space on that disk, then run again' };
    case 'EDQUOT':
      return { reason: 'your disk quota is used up', fix: 'free space within your quota on that disk, then run again' };
    case 'EROFS':
      return { reason: 'the file system is read-only', fix: 'run it in a writable copy of the project (or remount the file system read-write)' };
    case 'EACCES':
    case 'EPERM':
      return { reason: 'permission denied', fix: `give your user ${access} access to it and to the folder that holds it (ls -ld shows owner and mode)` };
    case 'EISDIR':
      return { reason: 'it is a folder where a file is expected', fix: 'move the folder away; a file belongs there' };
    case 'ENOTDIR':
      return { reason: 'a part of the path is a file where a folder is expected', fix: 'move that file away; a folder belongs there' };
    case 'ENOENT':
      return { reason: 'it does not exist', fix: 'check the path, or create it' };
    case 'EEXIST':
      return { reason: 'it already exists', fix: 'move it away, or choose another name' };
    case 'ENOTEMPTY':
      return { reason: 'the folder is not empty', fix: 'move the folder away' };
    case 'ELOOP':
      return { reason: 'it is a symbolic link (or a loop of them) where a regular file is expected', fix: 'replace the link with the file itself' };
    case 'ENAMETOOLONG':
      return { reason: 'the path is too long', fix: 'move the project to a shorter path' };
    case 'EMFILE':
    case 'ENFILE':
      return { reason: 'too many files are open', fix: 'close other programs or raise the limit (ulimit -n), then run again' };
    case 'EBUSY':
    case 'ETXTBSY':
      return { reason: 'it is in use by another program', fix: 'close the program that uses it, then run again' };
    case 'EIO':
      return { reason: 'the disk reported an input/output error', fix: 'check the disk (dmesg) and run again' };
    case 'EXDEV':
      return { reason: 'it is on another file system than the folder beside it', fix: 'keep the project (and dist/) on one file system' };
    default:
      return { reason: 'the system reported an error', fix: 'check the path and its disk, then run again' };
  }
}

/**
 * The FileSystemError for an error fs threw while doing `action` on `path`;
 * `fix` replaces the generic fix where the caller knows better. Anything that
 * is not an fs error is returned as it is.
 */
export function fileSystemError(err: unknown, action: FileAction, path: string, fix?: string): unknown {
  if (err instanceof FileSystemError || !isErrnoError(err)) return err;
  const { reason, fix: generic } = explain(err.code, action);
  return new FileSystemError(path, `${VERB[action]}: ${reason} (${err.code})`, fix ?? generic, err.code);
}

/** Runs one fs operation; an fs error becomes a FileSystemError naming `path`. */
export function fsCall<T>(action: FileAction, path: string, operation: () => T, fix?: string): T {
  try {
    return operation();
  } catch (err) {
    throw fileSystemError(err, action, path, fix);
  }
}

/**
 * For the entry points: any fs error that reached them (wrapped or not) as one
 * line, or undefined for an error that is not about the file system.
 */
export function formatFileSystemFailure(err: unknown, root: string): string | undefined {
  if (err instanceof FileSystemError) return err.format(root);
  if (isErrnoError(err) && typeof err.path === 'string') {
    return (fileSystemError(err, actionOf(err.syscall), err.path) as FileSystemError).format(root);
  }
  return undefined;
}

/** What a bare fs error's system call was doing, for the verb of its message. */
function actionOf(syscall: string | undefined): FileAction {
  if (syscall === 'scandir' || syscall === 'opendir') return 'list';
  if (syscall === 'unlink' || syscall === 'rmdir' || syscall === 'rm') return 'remove';
  if (syscall === 'rename') return 'replace';
  if (syscall === 'mkdir' || syscall === 'mkdtemp') return 'create';
  if (syscall === 'open' || syscall === 'read' || syscall === 'stat' || syscall === 'lstat' || syscall === 'fstat') return 'read';
  return 'write';
}

/** `path` relative to `root` when inside it, else absolute. */
export function displayPath(root: string, path: string): string {
  const rel = relative(root, path);
  return rel === '' ? '.' : rel.startsWith('..') ? path : rel;
}
