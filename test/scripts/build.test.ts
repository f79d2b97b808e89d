/**
 * `npm run build` (scripts/build.js) skips when nothing it read has changed and builds when anything
 * did, however the change came: an edit, or a checkout that gives a file an older time. A copy that
 * keeps modification times only to the millisecond (cp -p, Node's cpSync) is still up to date. Runs on
 * a copy of the sources and bundles, never on the project's own.
 */
import { execFileSync } from 'child_process';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { PROJECT_ROOT } from '../support/paths';

/** What the build reads, and the bundles it wrote. */
const COPIED = ['lib', 'imports', 'schema', 'main.ts', 'bench', 'scripts', 'tsconfig.json', 'package.json', 'package-lock.json', '.build'];

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'mesh-build-'));
  const types = join(PROJECT_ROOT, '.build', 'types');
  for (const name of COPIED) cpSync(join(PROJECT_ROOT, name), join(root, name), { recursive: true, preserveTimestamps: true, filter: (source) => source !== types });
  symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(root, 'node_modules'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Runs the copy's build; whether it built (its stamp is written anew at every build). */
function built(): boolean {
  const stamp = () => readFileSync(join(root, '.build', 'inputs.json'), 'utf8');
  const before = stamp();
  execFileSync(process.execPath, [join(root, 'scripts', 'build.js')], { cwd: root, stdio: 'pipe' });
  return stamp() !== before;
}

describe('npm run build', () => {
  it('skips in a copy whose modification times are kept to the millisecond only', () => {
    expect(built()).toBe(false);
  });

  it('builds when a source gets an older time with the same bytes (a checkout), then skips', () => {
    const source = join(root, 'lib', 'model', 'mesh.ts');
    const { atime, mtimeMs } = statSync(source);
    utimesSync(source, atime, new Date(mtimeMs - 3_600_000));
    expect(built()).toBe(true);
    expect(built()).toBe(false);
  });

  it('builds when a source is edited, and the bundle holds the edit', () => {
    appendFileSync(join(root, 'lib', 'index.ts'), "\nexport const BUILD_TEST_MARKER = 'edited';\n");
    expect(built()).toBe(true);
    expect(readFileSync(join(root, '.build', 'lib', 'index.js'), 'utf8')).toContain('BUILD_TEST_MARKER');
  });
});
