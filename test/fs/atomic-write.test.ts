/**
 * The journal of a multi-file write: finished when it is valid, whatever part
 * of the renames was done; refused, with one line and nothing touched, when it
 * names anything but a temporary file of this tool beside its target.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { finishInterruptedWrites, WRITE_JOURNAL, writeFilesAtomically } from '../../lib/fs/atomic-write';
import { FileSystemError } from '../../lib/fs/file-system-error';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'mesh-journal-'));
  mkdirSync(join(root, 'secrets'));
  writeFileSync(join(root, 'secrets', 'a'), 'old a');
  writeFileSync(join(root, 'secrets', 'b'), 'old b');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const journal = (files: unknown) => writeFileSync(join(root, WRITE_JOURNAL), JSON.stringify({ files }));
const content = (name: string) => readFileSync(join(root, 'secrets', name), 'utf8');

describe('finishing an interrupted write', () => {
  it('renames what is left, whichever renames were done', () => {
    writeFileSync(join(root, 'secrets', 'a'), 'new a'); // the first rename was done
    writeFileSync(join(root, 'secrets', '.b.4242.mesh-tmp'), 'new b');
    journal([
      { temporary: 'secrets/.a.4242.mesh-tmp', target: 'secrets/a' },
      { temporary: 'secrets/.b.4242.mesh-tmp', target: 'secrets/b' },
    ]);
    finishInterruptedWrites(root);
    expect([content('a'), content('b')]).toEqual(['new a', 'new b']);
    expect(readdirSync(root).sort()).toEqual(['secrets']);
    expect(readdirSync(join(root, 'secrets')).sort()).toEqual(['a', 'b']);
  });

  it.each([
    ['a target outside the project', [{ temporary: '../.passwd.1.mesh-tmp', target: '../passwd' }]],
    ['an absolute target', [{ temporary: '/etc/.passwd.1.mesh-tmp', target: '/etc/passwd' }]],
    ['a temporary file that is not beside its target', [{ temporary: 'clusters/.a.1.mesh-tmp', target: 'secrets/a' }]],
    ['a source that is no temporary file of ours', [{ temporary: 'secrets/b', target: 'secrets/a' }]],
    ['no list of files', 'secrets/a'],
  ])('refuses a journal naming %s, and touches nothing', (_what, files) => {
    journal(files);
    let caught: unknown;
    try {
      finishInterruptedWrites(root);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(FileSystemError);
    expect((caught as FileSystemError).format(root)).toMatch(/^error: \.mesh-write\.journal is not a journal this tool wrote, .*\. Fix: delete it, then check the CA files/);
    expect([content('a'), content('b')]).toEqual(['old a', 'old b']);
  });

  it('a complete write leaves no journal and no temporary file', () => {
    writeFilesAtomically(root, [
      { path: join(root, 'secrets', 'a'), content: 'new a' },
      { path: join(root, 'secrets', 'b'), content: 'new b' },
    ]);
    expect([content('a'), content('b')]).toEqual(['new a', 'new b']);
    expect(readdirSync(root).sort()).toEqual(['secrets']);
    expect(readdirSync(join(root, 'secrets')).sort()).toEqual(['a', 'b']);
  });

  it('a folder where a file is to go fails the write before anything changes', () => {
    rmSync(join(root, 'secrets', 'b'));
    mkdirSync(join(root, 'secrets', 'b'));
    expect(() =>
      writeFilesAtomically(root, [
        { path: join(root, 'secrets', 'a'), content: 'new a' },
        { path: join(root, 'secrets', 'b'), content: 'new b' },
      ]),
    ).toThrow(/secrets\/b cannot be written: it is a folder/);
    expect(content('a')).toBe('old a');
    expect(readdirSync(join(root, 'secrets')).sort()).toEqual(['a', 'b']);
    expect(readdirSync(root).sort()).toEqual(['secrets']);
  });
});
