/**
 * Reading the project's own input files (the inventory, the mesh CA files).
 * Only a regular file of at most MAX_INPUT_FILE_BYTES is read: a named pipe
 * would block the run forever and a device such as /dev/zero never ends, so
 * each is refused before anything is read. The file is opened non-blocking
 * (opening a pipe without a writer would block) and checked with fstat on the
 * open descriptor, so what is checked is what is read. A failure is a
 * FileSystemError naming the path.
 */
import { closeSync, constants, fstatSync, openSync, readSync, Stats } from 'fs';
import { fileSystemError, FileSystemError, fsCall } from './file-system-error';

/** 1 MiB: the largest inventory or CA file of a 511-cluster mesh is a small fraction of it. */
export const MAX_INPUT_FILE_BYTES = 1024 * 1024;

export interface ReadOptions {
  /** Refuse a symbolic link instead of following it (O_NOFOLLOW). @default false */
  readonly noSymlink?: boolean;
  /** What to do when the path is a symbolic link and noSymlink is set. */
  readonly symlinkFix?: string;
}

export function readProjectFile(path: string, options: ReadOptions = {}): Buffer {
  const flags = constants.O_RDONLY | constants.O_NONBLOCK | (options.noSymlink ? constants.O_NOFOLLOW : 0);
  const fd = fsCall('read', path, () => openSync(path, flags), options.noSymlink ? options.symlinkFix : undefined);
  try {
    const stat = fsCall('read', path, () => fstatSync(fd));
    if (stat.isDirectory()) throw fileSystemError({ code: 'EISDIR' }, 'read', path);
    if (!stat.isFile()) {
      throw new FileSystemError(
        path,
        `cannot be read: it is ${describeKind(stat)}, not a regular file (only regular files are read: a pipe or a device may block or never end)`,
        'replace it with the regular file that belongs there',
      );
    }
    if (stat.size > MAX_INPUT_FILE_BYTES) throw tooLarge(path, stat.size);
    return readAll(fd, path, stat.size);
  } finally {
    closeSync(fd);
  }
}

/** Reads to the end, never past the limit: the file may grow while it is read. */
function readAll(fd: number, path: string, expected: number): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  // One byte more than fstat said, to see the end in one read; then 64 KiB at a time.
  let size = expected + 1;
  for (;; size = 64 * 1024) {
    const chunk = Buffer.allocUnsafe(size);
    const read = fsCall('read', path, () => readSync(fd, chunk, 0, chunk.length, null));
    if (read === 0) break;
    chunks.push(chunk.subarray(0, read));
    total += read;
    if (total > MAX_INPUT_FILE_BYTES) throw tooLarge(path, total);
  }
  return Buffer.concat(chunks, total);
}

function tooLarge(path: string, size: number): FileSystemError {
  return new FileSystemError(
    path,
    `cannot be read: it is larger than ${MAX_INPUT_FILE_BYTES / 1024 / 1024} MiB (${size} bytes), the limit for the project's input files`,
    'check that it is the right file: inventory and CA files are a few kilobytes',
  );
}

function describeKind(stat: Stats): string {
  if (stat.isFIFO()) return 'a named pipe';
  if (stat.isSocket()) return 'a socket';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  return 'not a file';
}
