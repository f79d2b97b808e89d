/**
 * A copy of the project in a temporary folder, for running `npm run synth`
 * (scripts/synth.js) and the bundled CLI as a user does; and a snapshot of a
 * folder to prove that a failed run changed nothing and left nothing behind.
 */
import { spawnSync } from 'child_process';
import { cpSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { EXAMPLE_MESH_DIR, PROJECT_ROOT } from './paths';

/** Sources are linked, what synth reads or writes is copied (scripts/ too: synth.js finds the project from its own path). */
const LINKED = ['node_modules', 'lib', 'imports', 'schema', 'main.ts', 'bench', 'tsconfig.json', 'package.json', 'package-lock.json'];
const COPIED = ['scripts', 'cdk8s.yaml'];
/** The mesh is the example fixture's, never the project's own clusters/. */
const MESH = ['clusters', 'secrets'];

export function copyProject(): { root: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'mesh-project-'));
  for (const name of LINKED) symlinkSync(join(PROJECT_ROOT, name), join(root, name));
  for (const name of COPIED) cpSync(join(PROJECT_ROOT, name), join(root, name), { recursive: true });
  for (const name of MESH) cpSync(join(EXAMPLE_MESH_DIR, name), join(root, name), { recursive: true });
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

export interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `npm run synth` in `root` (without npm's own start-up), bounded so a hang fails the test instead of stalling it. */
export function runSynth(root: string, env: Record<string, string> = {}, timeoutMs = 120_000): Run {
  const run = spawnSync(process.execPath, [join(root, 'scripts', 'synth.js')], { cwd: root, encoding: 'utf8', env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false', ...env }, timeout: timeoutMs });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** `npm run mesh -- <args>` with the bundle from `npm run build`, in `root`. */
export function runMesh(root: string, args: readonly string[], env: Record<string, string> = {}, timeoutMs = 60_000): Run {
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
