/**
 * Every fs failure becomes one line naming the path, what is wrong and the fix,
 * whatever the errno; the path is relative to the project where it is inside.
 */
import { formatFileSystemFailure, FileSystemError, fsCall } from '../../lib/fs/file-system-error';

function errno(code: string, syscall: string, path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${syscall} '${path}'`), { code, syscall, path });
}

describe('fs errors as one line', () => {
  it.each([
    ['ENOSPC', 'write', /^error: dist cannot be written: the disk is full \(ENOSPC\)\. Fix: free space on that disk, then run again$/],
    ['EROFS', 'mkdir', /^error: dist cannot be created: the file system is read-only \(EROFS\)\. Fix: run it in a writable copy/],
    ['EACCES', 'open', /^error: dist cannot be read: permission denied \(EACCES\)\. Fix: give your user read access/],
    ['EISDIR', 'read', /^error: dist cannot be read: it is a folder where a file is expected \(EISDIR\)\. Fix: move the folder away/],
    ['ENOTDIR', 'scandir', /^error: dist cannot be listed: a part of the path is a file where a folder is expected \(ENOTDIR\)\. Fix: move that file away/],
    ['EWHATEVER', 'rename', /^error: dist cannot be replaced: the system reported an error \(EWHATEVER\)\. Fix: check the path/],
  ])('%s from %s', (code, syscall, line) => {
    const text = formatFileSystemFailure(errno(code, syscall, '/project/dist'), '/project');
    expect(text).toMatch(line);
    expect(text).not.toContain('\n');
  });

  it('names the path the program was working on, with the caller\'s fix where it knows better', () => {
    let caught: unknown;
    try {
      fsCall('write', '/project/secrets/x.crt', () => {
        throw errno('ENOSPC', 'write', '/project/secrets/.x.crt.tmp');
      }, 'free space, then run ca rotate again');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(FileSystemError);
    expect((caught as FileSystemError).format('/project')).toBe('error: secrets/x.crt cannot be written: the disk is full (ENOSPC). Fix: free space, then run ca rotate again');
  });

  it('keeps a path outside the project absolute, and leaves errors that are not about files alone', () => {
    expect(formatFileSystemFailure(errno('EACCES', 'open', '/elsewhere/f'), '/project')).toMatch(/^error: \/elsewhere\/f cannot be read/);
    expect(formatFileSystemFailure(new TypeError('x is undefined'), '/project')).toBeUndefined();
  });
});
