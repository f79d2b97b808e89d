/**
 * One writer at a time: synth, check and the mesh commands that write the
 * inventory take an exclusive lock file beside the output folder
 * (`.<name>.lock` beside dist/), holding the pid of its owner. A second run
 * waits for it (MESH_LOCK_WAIT_SECONDS, default 30) and then says which
 * command and pid hold it; a lock whose process is gone (killed) is taken over.
 *
 * The lock is created whole, in one step: the holder is written to a
 * temporary file that is then hard-linked to the lock name, which fails when
 * the name exists (link, like O_EXCL, is atomic). `npm run synth` takes it in
 * its first process and hands it to the cdk8s app it starts through
 * MESH_LOCK_TOKEN; within one process a lock is re-entrant.
 */
import { closeSync, constants, fstatSync, linkSync, lstatSync, openSync, readdirSync, readFileSync, readSync, renameSync, writeFileSync } from 'fs';
import { randomBytes } from 'crypto';
import { basename, dirname, join } from 'path';
import { removeQuietly } from './clean-up';
import { fileSystemError, FileSystemError, fsCall, isErrnoError } from './file-system-error';

/** Lets a child process (the cdk8s app) share the lock its parent took. */
export const LOCK_TOKEN_ENV = 'MESH_LOCK_TOKEN';
export const DEFAULT_LOCK_WAIT_SECONDS = 30;

export interface LockHolder {
  readonly pid: number;
  /** What holds it: 'synth', 'check', 'add-cluster', … */
  readonly command: string;
  readonly token: string;
  /** The process's start time (Linux /proc), so a reused pid is not taken for the holder. */
  readonly started?: string;
}

export interface ProjectLock {
  readonly path: string;
  readonly token: string;
  release(): void;
}

export interface LockOptions {
  readonly command: string;
  /** MESH_LOCK_TOKEN and MESH_LOCK_WAIT_SECONDS are read here. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Told once when another run holds the lock and this one starts waiting. */
  readonly onWait?: (holder: LockHolder, seconds: number) => void;
}

/** The lock file beside an output folder. */
export function lockPathFor(outDir: string): string {
  return join(dirname(outDir), `.${basename(outDir)}.lock`);
}

/** Locks held by this process: path -> holder and how many times it was taken. */
const held = new Map<string, { token: string; count: number }>();

export function acquireProjectLock(outDir: string, options: LockOptions): ProjectLock {
  const path = lockPathFor(outDir);
  const env = options.env ?? process.env;
  const mine = held.get(path);
  if (mine) {
    mine.count++;
    return { path, token: mine.token, release: () => releaseHeld(path) };
  }
  const waitSeconds = lockWaitSeconds(env);
  const deadline = Date.now() + waitSeconds * 1000;
  const me: LockHolder = { pid: process.pid, command: options.command, token: randomBytes(12).toString('hex'), started: startTimeOf(process.pid) };
  let told = false;
  removeStaleTemporaries(path);
  for (;;) {
    if (tryCreate(path, me, outDir)) {
      held.set(path, { token: me.token, count: 1 });
      return { path, token: me.token, release: () => releaseHeld(path) };
    }
    const current = readHolder(path);
    if (current === undefined) continue; // released meanwhile
    if (!isAlive(current.holder)) {
      takeOverStale(path, current.ino);
      continue;
    }
    if (current.holder.token === env[LOCK_TOKEN_ENV]) {
      // The parent process (npm run synth) holds it for this one.
      return { path, token: current.holder.token, release: () => undefined };
    }
    if (Date.now() >= deadline) throw busy(outDir, path, current.holder, waitSeconds);
    if (!told) options.onWait?.(current.holder, waitSeconds);
    told = true;
    sleep(100);
  }
}

/** Runs `work` holding the lock; released when it ends, however it ends. */
export async function withProjectLock<T>(outDir: string, options: LockOptions, work: () => T | Promise<T>): Promise<T> {
  const lock = acquireProjectLock(outDir, options);
  try {
    return await work();
  } finally {
    lock.release();
  }
}

/** withProjectLock for synchronous work. */
export function withProjectLockSync<T>(outDir: string, options: LockOptions, work: () => T): T {
  const lock = acquireProjectLock(outDir, options);
  try {
    return work();
  } finally {
    lock.release();
  }
}

/** Who holds a lock, for people: `a synth (pid 1234)`, `'add-cluster' (pid 99)`. */
export function describeHolder(holder: LockHolder): string {
  return `${holder.command === 'synth' ? 'a synth' : `'${holder.command}'`} (pid ${holder.pid})`;
}

/** An onWait that says so on `stream`, once. */
export function sayWaiting(stream: NodeJS.WritableStream, what: string): (holder: LockHolder, seconds: number) => void {
  return (holder, seconds) => stream.write(`waiting for ${describeHolder(holder)} to finish with ${what} (up to ${seconds} s)\n`);
}

function lockWaitSeconds(env: NodeJS.ProcessEnv): number {
  const text = env.MESH_LOCK_WAIT_SECONDS;
  const seconds = text === undefined ? NaN : Number(text);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : DEFAULT_LOCK_WAIT_SECONDS;
}

function busy(outDir: string, path: string, holder: LockHolder, waitSeconds: number): FileSystemError {
  return new FileSystemError(
    outDir,
    `is being written by ${describeHolder(holder)}, which still runs${waitSeconds > 0 ? ` after ${waitSeconds} s of waiting` : ''}`,
    `wait for it to finish, then run again; if no such process runs any more, delete ${basename(path)} beside it`,
  );
}

function temporaryFor(path: string, pid: number): string {
  return `${path}.${pid}.mesh-tmp`;
}

/** Creates the lock with its holder in one step; false when it exists. */
function tryCreate(path: string, me: LockHolder, outDir: string): boolean {
  const temporary = temporaryFor(path, me.pid);
  try {
    fsCall('lock', outDir, () => writeFileSync(temporary, `${JSON.stringify(me)}\n`, { flag: 'w' }));
    linkSync(temporary, path);
    return true;
  } catch (err) {
    if (isErrnoError(err) && err.code === 'EEXIST') return false;
    throw fileSystemError(err, 'lock', outDir);
  } finally {
    removeQuietly(temporary);
  }
}

/** The holder and the lock file's inode; undefined when there is no lock (any more). */
function readHolder(path: string): { holder: LockHolder; ino: number } | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    if (isErrnoError(err) && err.code === 'ENOENT') return undefined;
    throw fileSystemError(err, 'lock', path);
  }
  try {
    const stat = fstatSync(fd);
    const buffer = Buffer.alloc(Math.min(stat.size, 4096));
    const length = stat.isFile() ? readSync(fd, buffer, 0, buffer.length, 0) : 0;
    return { holder: parseHolder(buffer.subarray(0, length).toString('utf8')), ino: stat.ino };
  } finally {
    closeSync(fd);
  }
}

/** A lock file that is not one of ours reads as held by no process, and is taken over. */
function parseHolder(text: string): LockHolder {
  try {
    const data = JSON.parse(text) as Partial<LockHolder>;
    if (Number.isInteger(data.pid) && typeof data.command === 'string' && typeof data.token === 'string') return data as LockHolder;
  } catch {
    // falls through
  }
  return { pid: 0, command: 'unknown', token: '' };
}

function isAlive(holder: LockHolder): boolean {
  if (!(holder.pid > 0)) return false;
  try {
    process.kill(holder.pid, 0);
  } catch (err) {
    if (!(isErrnoError(err) && err.code === 'EPERM')) return false;
  }
  // The same pid with another start time is another process: the holder is gone.
  const started = startTimeOf(holder.pid);
  return holder.started === undefined || started === undefined || started === holder.started;
}

/**
 * Removes a lock whose holder is gone. It is first renamed aside, so that of
 * two runs taking it over at once only one removes it; if what was moved is
 * not the stale lock (another run replaced it meanwhile), it is put back.
 */
function takeOverStale(path: string, staleIno: number): void {
  const aside = temporaryFor(path, process.pid) + '.stale';
  try {
    renameSync(path, aside);
  } catch (err) {
    if (isErrnoError(err) && err.code === 'ENOENT') return;
    throw fileSystemError(err, 'lock', path);
  }
  try {
    if (lstatSync(aside).ino !== staleIno) linkSync(aside, path);
  } catch {
    // another run holds the name now: it keeps it
  } finally {
    removeQuietly(aside);
  }
}

/** Temporary files of lock attempts by processes that were killed. */
function removeStaleTemporaries(path: string): void {
  const prefix = `${basename(path)}.`;
  let names: string[];
  try {
    names = readdirSync(dirname(path));
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(/^(\d+)\.mesh-tmp(\.stale)?$/.exec(name.slice(prefix.length))?.[1]);
    if (name.startsWith(prefix) && pid > 0 && !isAlive({ pid, command: '', token: '' })) removeQuietly(join(dirname(path), name));
  }
}

function releaseHeld(path: string): void {
  const mine = held.get(path);
  if (!mine || --mine.count > 0) return;
  held.delete(path);
  // Only our own lock is removed: after a takeover it may be someone else's.
  if (readHolder(path)?.holder.token === mine.token) removeQuietly(path);
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot); undefined off Linux. */
function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
