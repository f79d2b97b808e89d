/**
 * A copy of the project in a temporary folder, for running `npm run synth`
 * (scripts/synth.js) and the bundled CLI as a user does; and a snapshot of a
 * folder to prove that a failed run changed nothing and left nothing behind.
 */
import { spawnSync } from 'child_process';
import { cpSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { EXAMPLE_MESH_DIR, PROJECT_ROOT } from './paths';
import { CHILD_PROCESS_HANG_MS } from './hang-bound';

/** Sources are linked, what synth reads or writes is copied. */
const LINKED = ['node_modules', 'lib', 'imports', 'schema', 'main.ts', 'bench', 'tsconfig.json', 'package.json', 'package-lock.json'];
const COPIED = ['cdk8s.yaml'];
/**
 * scripts/ is a folder of its own (synth.js finds the project from its own path) whose files are hard
 * links to the project's: the same bytes and modification times, so the build's stamp, which
 * records scripts/build.js, holds in the copy. No test writes to them (a write would reach the project's).
 */
const SCRIPTS = 'scripts';
/** The bundles `npm run build` wrote (without the library's declarations). */
const BUILD = '.build';
/** The mesh is the example fixture's, never the project's own clusters/. */
const MESH = ['clusters', 'secrets'];

export interface CopyOptions {
  /**
   * Whether the copy starts with the project's bundles, which its first synth then finds up to date.
   * Without them that synth builds them first, as on a fresh clone.
   * @default true
   */
  readonly built?: boolean;
}

export function copyProject(options: CopyOptions = {}): { root: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'mesh-project-'));
  for (const name of LINKED) symlinkSync(join(PROJECT_ROOT, name), join(root, name));
  for (const name of COPIED) cpSync(join(PROJECT_ROOT, name), join(root, name), { recursive: true });
  mkdirSync(join(root, SCRIPTS));
  for (const name of readdirSync(join(PROJECT_ROOT, SCRIPTS))) linkOrCopy(join(PROJECT_ROOT, SCRIPTS, name), join(root, SCRIPTS, name));
  for (const name of MESH) cpSync(join(EXAMPLE_MESH_DIR, name), join(root, name), { recursive: true });
  if (options.built ?? true) {
    const types = join(PROJECT_ROOT, BUILD, 'types');
    cpSync(join(PROJECT_ROOT, BUILD), join(root, BUILD), { recursive: true, filter: (source) => source !== types });
  }
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/**
 * A hard link, or where the temporary folder is on another file system (a tmpfs) a copy with the
 * same modification time to the millisecond, which is what the build's stamp compares.
 */
function linkOrCopy(source: string, target: string): void {
  try {
    linkSync(source, target);
  } catch {
    cpSync(source, target, { preserveTimestamps: true });
  }
}

export interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `npm run synth` in `root` (without npm's own start-up), bounded so a hang fails the test instead of stalling it. */
export function runSynth(root: string, env: Record<string, string> = {}, timeoutMs = CHILD_PROCESS_HANG_MS): Run {
  const run = spawnSync(process.execPath, [join(root, 'scripts', 'synth.js')], { cwd: root, encoding: 'utf8', env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false', ...env }, timeout: timeoutMs });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** `npm run mesh -- <args>` with the bundle from `npm run build`, in `root`. */
export function runMesh(root: string, args: readonly string[], env: Record<string, string> = {}, timeoutMs = CHILD_PROCESS_HANG_MS): Run {
  const run = spawnSync(process.execPath, [join(PROJECT_ROOT, '.build', 'mesh-cli.js'), ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, ...env }, timeout: timeoutMs });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

export function expectNoStackTrace(output: string): void {
  expect(output).not.toMatch(/^\s+at .+/m);
  expect(output).not.toMatch(/node:internal|Error: E[A-Z]+:/);
}

/** Every entry below `dir` (links not followed): kind, bytes, mtime. */
export function snapshot(dir: string, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    // Build output and cdk8s's scratch folder are its own business (git-ignored).
    if (prefix === '' && (name === '.build' || name === '.cdk8s.out')) continue;
    const path = join(dir, name);
    const key = `${prefix}${name}`;
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) out[key] = `link ${readlinkSync(path)}`;
    else if (stat.isDirectory()) {
      out[key] = 'dir';
      Object.assign(out, snapshot(path, `${key}/`));
    } else if (stat.isFile()) out[key] = `file ${stat.mtimeMs} ${readFileSync(path).toString('base64')}`;
    else out[key] = 'other';
  }
  return out;
}
