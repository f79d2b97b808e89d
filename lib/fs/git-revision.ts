/**
 * Reads a folder of the project as a git revision has it (`git ls-tree` and
 * `git cat-file --batch`), without touching the working tree or the index:
 * the rollout impact and the guard rails compare what is committed (what the
 * clusters' GitOps engines apply) with what the working tree's inventory renders.
 */
import { spawnSync } from 'child_process';

/** git is missing, the project is not in a repository, or the revision is unknown. */
export class GitRevisionError extends Error {
  constructor(
    readonly problem: string,
    readonly fix: string,
  ) {
    super(`${problem}. Fix: ${fix}`);
    this.name = 'GitRevisionError';
  }
}

export interface RevisionFolder {
  /** The revision as given, e.g. HEAD or origin/main. */
  readonly ref: string;
  /** The commit it names. */
  readonly commit: string;
  /** File contents by path relative to the folder (forward slashes); empty when the revision has no such folder. */
  readonly files: ReadonlyMap<string, string>;
}

function git(root: string, args: readonly string[], input?: string) {
  const run = spawnSync('git', [...args], { cwd: root, input, maxBuffer: 1024 * 1024 * 1024 });
  if (run.error) throw new GitRevisionError(`git could not be run (${(run.error as NodeJS.ErrnoException).code ?? run.error.message})`, 'install git and put it on PATH');
  return { status: run.status, stdout: run.stdout, stderr: run.stderr.toString('utf8').trim() };
}

/** Whether `root` is inside a git work tree with at least one commit. */
export function hasCommits(root: string): boolean {
  try {
    return git(root, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']).status === 0;
  } catch {
    return false;
  }
}

/** The files under `folder` (relative to `root`) at revision `ref`; with `only`, those of its paths (relative to the folder) only. */
export function readRevisionFolder(root: string, ref: string, folder: string, only?: (path: string) => boolean): RevisionFolder {
  const prefixRun = git(root, ['rev-parse', '--show-prefix']);
  if (prefixRun.status !== 0) throw new GitRevisionError(`the project is not in a git repository (${prefixRun.stderr})`, 'run it in a clone of the repository, or give no base revision');
  if (ref.startsWith('-')) throw new GitRevisionError(`'${ref}' is not a revision`, 'give a branch, tag or commit, e.g. HEAD or origin/main');
  const commitRun = git(root, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  if (commitRun.status !== 0) throw new GitRevisionError(`git knows no commit '${ref}'`, "give a branch, tag or commit that exists here (fetch it first, e.g. 'git fetch origin main')");
  const commit = commitRun.stdout.toString('utf8').trim();
  const base = `${prefixRun.stdout.toString('utf8').trim()}${folder.replace(/\/+$/, '')}/`;
  const listRun = git(root, ['ls-tree', '-r', '-z', '--full-tree', commit, '--', base]);
  if (listRun.status !== 0) throw new GitRevisionError(`git ls-tree failed: ${listRun.stderr}`, 'check the repository with git fsck');
  // <mode> SP <type> SP <object> TAB <path> NUL; only blobs (links and submodules are not files GitOps applies).
  const entries = listRun.stdout
    .toString('utf8')
    .split('\0')
    .filter((line) => line !== '')
    .map((line) => {
      const tab = line.indexOf('\t');
      const [, type, oid] = line.slice(0, tab).split(' ');
      return { type, oid, path: line.slice(tab + 1) };
    })
    .filter((e) => e.type === 'blob' && (only === undefined || only(e.path.slice(base.length))));
  const files = new Map<string, string>();
  if (entries.length === 0) return { ref, commit, files };
  const catRun = git(root, ['cat-file', '--batch'], entries.map((e) => `${e.oid}\n`).join(''));
  if (catRun.status !== 0) throw new GitRevisionError(`git cat-file failed: ${catRun.stderr}`, 'check the repository with git fsck');
  const out = catRun.stdout;
  let at = 0;
  for (const entry of entries) {
    const headerEnd = out.indexOf(0x0a, at);
    const size = Number(out.subarray(at, headerEnd).toString('utf8').split(' ')[2]);
    files.set(entry.path.slice(base.length), out.subarray(headerEnd + 1, headerEnd + 1 + size).toString('utf8'));
    at = headerEnd + 1 + size + 1;
  }
  return { ref, commit, files };
}
