/**
 * One writer at a time. Another process holds the lock for real (a child that
 * took it and waits on its stdin, so it lives exactly as long as the test
 * wants); synth, check and the commands that write the inventory then wait
 * for it or say which command and pid hold it. A lock whose process was killed
 * is taken over. Nothing here depends on timing: waits are ended by events.
 */
import { ChildProcess, spawn } from 'child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { acquireProjectLock, lockPathFor } from '../../lib/fs/project-lock';
import { FileSystemError } from '../../lib/fs/file-system-error';
import { synthMesh } from '../../lib/synth/synth-mesh';
import { mesh } from '../secrets/mesh-ca/support';
import { exampleInventory, tempProject } from '../support/inventory-fixture';
import { ESBUILD_REGISTER, PROJECT_ROOT } from '../support/paths';
import { snapshot } from '../support/project-copy';

let project: { root: string; cleanup: () => void };
let holder: ChildProcess | undefined;
beforeEach(() => (project = tempProject(exampleInventory())));
afterEach(async () => {
  if (holder && holder.exitCode === null && holder.signalCode === null) {
    holder.kill('SIGKILL');
    await new Promise((resolve) => holder!.once('close', resolve));
  }
  holder = undefined;
  project.cleanup();
});

const dist = () => join(project.root, 'dist');

/** A child process that takes the lock as `command`, prints 'held', and releases it when its stdin ends. */
async function holdLock(command: string): Promise<ChildProcess> {
  const script = `
    const { acquireProjectLock } = require(${JSON.stringify(join(PROJECT_ROOT, 'lib', 'fs', 'project-lock'))});
    const lock = acquireProjectLock(process.argv[1], { command: ${JSON.stringify(command)} });
    process.stdout.write('held\\n');
    process.stdin.on('data', () => {}).on('end', () => { lock.release(); process.stdout.write('released\\n'); });`;
  const child = spawn(process.execPath, ['-r', ESBUILD_REGISTER, '-e', script, dist()], { cwd: PROJECT_ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  await untilOutput(child, 'held');
  return child;
}

function untilOutput(child: ChildProcess, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    child.stdout!.on('data', (chunk) => {
      seen += chunk;
      if (seen.includes(text)) resolve();
    });
    child.once('exit', (code) => (seen.includes(text) ? resolve() : reject(new Error(`the lock holder exited (${code}) before printing '${text}'`))));
  });
}

function busyError(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    if (err instanceof FileSystemError) return err.format(project.root);
    throw err;
  }
  throw new Error('expected the run to find the lock held');
}

describe('the project lock', () => {
  it('makes a second synth say which command and pid hold dist/, and change nothing', async () => {
    holder = await holdLock('synth');
    const before = snapshot(project.root);
    process.env.MESH_LOCK_WAIT_SECONDS = '0';
    try {
      expect(busyError(() => synthMesh({ root: project.root }))).toBe(
        `error: dist is being written by a synth (pid ${holder.pid}), which still runs. Fix: wait for it to finish, then run again; if no such process runs any more, delete .dist.lock beside it`,
      );
    } finally {
      delete process.env.MESH_LOCK_WAIT_SECONDS;
    }
    expect(snapshot(project.root)).toEqual(before);
  });

  it('makes check and add-cluster wait for it, or say who holds it', async () => {
    holder = await holdLock('ca rotate');
    const env = { MESH_LOCK_WAIT_SECONDS: '0' };
    const before = snapshot(project.root);
    for (const argv of [['check'], ['add-cluster', 'k3scl4', '--server', '172.17.11.14'], ['remove-cluster', 'k3scl3']]) {
      const run = await mesh(project.root, argv, env);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(new RegExp(`^error: dist is being written by 'ca rotate' \\(pid ${holder.pid}\\), which still runs\\. Fix: wait for it`, 'm'));
    }
    expect(snapshot(project.root)).toEqual(before);
  });

  it('lets a waiting synth go on once the holder is done', async () => {
    holder = await holdLock('synth');
    const child = spawn(process.execPath, [join(PROJECT_ROOT, '.build', 'main.js')], { cwd: project.root, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    const released = new Promise<void>((resolve) =>
      child.stderr!.on('data', (chunk) => {
        stderr += chunk;
        // It says it waits: now the holder lets go.
        if (stderr.includes(`waiting for a synth (pid ${holder!.pid}) to finish with dist/`)) {
          holder!.stdin!.end();
          resolve();
        }
      }),
    );
    const code = await new Promise((resolve) => child.once('close', resolve));
    await released;
    expect(stderr).toMatch(/^dist: 3 clusters, \d+ files/m);
    expect(code).toBe(0);
    expect(existsSync(lockPathFor(dist()))).toBe(false);
  });

  it('takes over a lock whose process is gone, and leaves no lock behind', async () => {
    holder = await holdLock('synth');
    holder.kill('SIGKILL');
    await new Promise((resolve) => holder!.once('close', resolve));
    expect(existsSync(lockPathFor(dist()))).toBe(true);
    const result = synthMesh({ root: project.root });
    expect(result.ok).toBe(true);
    expect(readdirSync(project.root).filter((n) => n.startsWith('.dist'))).toEqual([]);
  });

  it('takes over a lock file it cannot read as a holder (empty, or written by hand)', () => {
    for (const text of ['', 'not json', '{"pid": "x"}']) {
      writeFileSync(lockPathFor(dist()), text);
      expect(synthMesh({ root: project.root }).ok).toBe(true);
      expect(existsSync(lockPathFor(dist()))).toBe(false);
    }
  });

  it('is re-entrant within a process and shared with a child through MESH_LOCK_TOKEN', () => {
    const outer = acquireProjectLock(dist(), { command: 'synth' });
    try {
      expect(synthMesh({ root: project.root }).ok).toBe(true);
      expect(JSON.parse(readFileSync(lockPathFor(dist()), 'utf8'))).toMatchObject({ pid: process.pid, command: 'synth' });
      const child = require('child_process').spawnSync(process.execPath, [join(PROJECT_ROOT, '.build', 'main.js')], {
        cwd: project.root,
        encoding: 'utf8',
        env: { ...process.env, MESH_LOCK_TOKEN: outer.token, MESH_LOCK_WAIT_SECONDS: '0' },
      });
      expect(child.stderr).toMatch(/^dist: 3 clusters/m);
      expect(child.status).toBe(0);
    } finally {
      outer.release();
    }
    expect(existsSync(lockPathFor(dist()))).toBe(false);
  });
});
