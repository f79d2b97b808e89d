/**
 * `npm run build` (scripts/build.js) skips when nothing it read has changed and builds when anything
 * did, however the change came: an edit, or a checkout that gives a file an older time. A copy that
 * keeps modification times only to the millisecond (cp -p, Node's cpSync) is still up to date, and so
 * is a copy of a project whose packages live outside it (linked or hoisted). Runs on copies of the
 * sources and bundles, never on the project's own.
 */
import { execFileSync } from 'child_process';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, utimesSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { PROJECT_ROOT } from '../support/paths';

/** What the build reads, and the bundles it wrote. */
const COPIED = ['lib', 'imports', 'schema', 'main.ts', 'bench', 'scripts', 'tsconfig.json', 'package.json', 'package-lock.json', '.build'];

const copies: string[] = [];
afterAll(() => copies.forEach((copy) => rmSync(copy, { recursive: true, force: true })));

/**
 * A copy of `from` with its modification times, one folder deeper when `nested` (so that a path
 * relative to it leads elsewhere); its node_modules is a link to the project's packages.
 */
function copyOf(from: string, nested = false): string {
  const scratch = mkdtempSync(join(tmpdir(), 'mesh-build-'));
  copies.push(scratch);
  const root = nested ? join(scratch, 'nested') : scratch;
  const types = join(from, '.build', 'types');
  for (const name of COPIED) cpSync(join(from, name), join(root, name), { recursive: true, preserveTimestamps: true, filter: (source) => source !== types });
  symlinkSync(realpathSync(join(PROJECT_ROOT, 'node_modules')), join(root, 'node_modules'));
  return root;
}

/** Runs the build in `root`; whether it built (its stamp is written anew at every build). */
function built(root: string): boolean {
  const stamp = () => readFileSync(join(root, '.build', 'inputs.json'), 'utf8');
  const before = stamp();
  execFileSync(process.execPath, [join(root, 'scripts', 'build.js')], { cwd: root, stdio: 'pipe' });
  return stamp() !== before;
}

describe('npm run build', () => {
  let root: string;
  beforeAll(() => (root = copyOf(PROJECT_ROOT)));

  it('skips in a copy whose modification times are kept to the millisecond only', () => {
    expect(built(root)).toBe(false);
  });

  it('builds when a source gets an older time with the same bytes (a checkout), then skips', () => {
    const source = join(root, 'lib', 'model', 'mesh.ts');
    const { atime, mtimeMs } = statSync(source);
    utimesSync(source, atime, new Date(mtimeMs - 3_600_000));
    expect(built(root)).toBe(true);
    expect(built(root)).toBe(false);
  });

  it('skips in a copy of a project whose packages live outside it', () => {
    // The copy built above with its packages behind a link: its stamp names them outside it.
    expect(Object.keys(JSON.parse(readFileSync(join(root, '.build', 'inputs.json'), 'utf8')).inputs).some((input) => input.includes('node_modules/'))).toBe(true);
    expect(built(copyOf(root, true))).toBe(false);
  });

  it('builds when a source is edited, and the bundle holds the edit', () => {
    appendFileSync(join(root, 'lib', 'index.ts'), "\nexport const BUILD_TEST_MARKER = 'edited';\n");
    expect(built(root)).toBe(true);
    expect(readFileSync(join(root, '.build', 'lib', 'index.js'), 'utf8')).toContain('BUILD_TEST_MARKER');
  });
});
