/**
 * Only regular files of at most 1 MiB are read: a named pipe (which would block
 * forever), an endless device (which would grow memory without end), a folder
 * and an oversized file are refused before anything is read. Each case runs in
 * a child process with a time limit, so a regression fails the test instead of
 * stalling or exhausting the test run.
 */
import { execFileSync, spawnSync } from 'child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { MAX_INPUT_FILE_BYTES } from '../../lib/fs/read-file';
import { ESBUILD_REGISTER, PROJECT_ROOT } from '../support/paths';
import { CHILD_PROCESS_HANG_MS } from '../support/hang-bound';

let scratch: string;
beforeAll(() => (scratch = mkdtempSync(join(tmpdir(), 'mesh-read-'))));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** readProjectFile(path) in a child: 'read N bytes' or the error's message; `ended` is false when the time limit killed it. */
function readInChild(path: string): { ended: boolean; output: string } {
  const script = `
    const { readProjectFile } = require(${JSON.stringify(join(PROJECT_ROOT, 'lib', 'fs', 'read-file'))});
    try { process.stdout.write('read ' + readProjectFile(process.argv[1]).length + ' bytes'); }
    catch (err) { process.stdout.write(err.message); }`;
  const run = spawnSync(process.execPath, ['-r', ESBUILD_REGISTER, '-e', script, path], { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: CHILD_PROCESS_HANG_MS });
  return { ended: run.signal === null && run.status === 0, output: run.stdout };
}

describe('reading an input file', () => {
  it('refuses a named pipe without waiting for a writer', () => {
    const pipe = join(scratch, 'pipe.yaml');
    execFileSync('mkfifo', [pipe]);
    expect(readInChild(pipe)).toEqual({ ended: true, output: expect.stringMatching(/pipe\.yaml cannot be read: it is a named pipe, not a regular file \(only regular files are read.*\)\. Fix: replace it/) });
  });

  it.each(['/dev/zero', '/dev/urandom'])('refuses the endless device %s without reading it', (device) => {
    expect(readInChild(device)).toEqual({ ended: true, output: expect.stringMatching(/cannot be read: it is a character device, not a regular file/) });
  });

  it('refuses a folder', () => {
    const folder = join(scratch, 'folder.yaml');
    mkdirSync(folder);
    expect(readInChild(folder)).toEqual({ ended: true, output: expect.stringMatching(/folder\.yaml cannot be read: it is a folder where a file is expected \(EISDIR\)/) });
  });

  it('reads a file of exactly 1 MiB and refuses one byte more, saying the limit', () => {
    const atLimit = join(scratch, 'at-limit.yaml');
    const over = join(scratch, 'over.yaml');
    writeFileSync(atLimit, Buffer.alloc(MAX_INPUT_FILE_BYTES, 0x20));
    writeFileSync(over, Buffer.alloc(MAX_INPUT_FILE_BYTES + 1, 0x20));
    expect(readInChild(atLimit)).toEqual({ ended: true, output: `read ${MAX_INPUT_FILE_BYTES} bytes` });
    expect(readInChild(over)).toEqual({ ended: true, output: expect.stringMatching(/over\.yaml cannot be read: it is larger than 1 MiB \(1048577 bytes\), the limit/) });
  });
});
