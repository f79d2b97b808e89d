/**
 * Reading a folder as a revision has it: from a project that sits in a sub-folder
 * of its repository, without touching the working tree, and with clear errors.
 */
import { execFileSync } from 'child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { GitRevisionError, hasCommits, readRevisionFolder } from '../../lib/fs/git-revision';

describe('readRevisionFolder', () => {
  let repo: string;
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', ...args], { cwd: repo, encoding: 'utf8' });
  beforeAll(() => {
    repo = mkdtempSync(join(tmpdir(), 'mesh-git-'));
    git('init', '-q');
    mkdirSync(join(repo, 'infra', 'mesh', 'dist', 'a', 'b'), { recursive: true });
    writeFileSync(join(repo, 'infra', 'mesh', 'dist', 'a', 'b', 'one.yaml'), 'kind: One\n');
    writeFileSync(join(repo, 'infra', 'mesh', 'dist', 'two.md'), 'two\n\n');
    writeFileSync(join(repo, 'dist-elsewhere'), 'not this\n');
    git('add', '-A');
    git('commit', '-q', '-m', 'one');
    // The working tree differs from the commit: the commit is what is read.
    writeFileSync(join(repo, 'infra', 'mesh', 'dist', 'two.md'), 'changed\n');
  });
  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  it('reads the committed files under the folder, relative to it, from a project in a sub-folder', () => {
    const read = readRevisionFolder(join(repo, 'infra', 'mesh'), 'HEAD', 'dist');
    expect(read.commit).toBe(git('rev-parse', 'HEAD').trim());
    expect([...read.files]).toEqual([
      ['a/b/one.yaml', 'kind: One\n'],
      ['two.md', 'two\n\n'],
    ]);
    expect([...readRevisionFolder(join(repo, 'infra', 'mesh'), 'HEAD', 'dist', (p) => p.endsWith('.yaml')).files.keys()]).toEqual(['a/b/one.yaml']);
    expect(readRevisionFolder(join(repo, 'infra', 'mesh'), 'HEAD', 'nothing-here').files.size).toBe(0);
  });

  it('names an unknown revision and a folder outside git, with the fix', () => {
    expect(() => readRevisionFolder(repo, 'no-such-ref', 'dist')).toThrow(new GitRevisionError("git knows no commit 'no-such-ref'", "give a branch, tag or commit that exists here (fetch it first, e.g. 'git fetch origin main')"));
    expect(() => readRevisionFolder(repo, '--output=x', 'dist')).toThrow(GitRevisionError);
    const outside = mkdtempSync(join(tmpdir(), 'mesh-nogit-'));
    try {
      expect(hasCommits(outside)).toBe(false);
      expect(() => readRevisionFolder(outside, 'HEAD', 'dist')).toThrow(/not in a git repository/);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
    expect(hasCommits(repo)).toBe(true);
  });
});
