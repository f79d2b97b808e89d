/**
 * Fault injection at the fs boundary, for tests: chosen fs calls on paths
 * containing a given text fail with an errno (ENOSPC, EROFS, EACCES, …), or
 * the process is killed (SIGKILL) right before the call. That gives a full
 * disk, a read-only project or a kill at an exact step without root tricks
 * (tests may run as root, where chmod stops nothing).
 *
 * In-process: `const undo = installFsFaults([...])`, then `undo()`.
 * In a child process: NODE_OPTIONS="--require <this file>" and
 * MESH_TEST_FS_FAULTS set to the JSON of the faults (see faultEnv).
 *
 * A fault: { code: 'ENOSPC' | 'EROFS' | … | 'KILL' | 'COUNT', ops: [...], under: 'text', after?: n, log?: file }
 * - ops name calls ('renameSync') or classes: 'data' (writing bytes),
 *   'modify' (anything that changes the tree, data included), 'read'.
 * - under: the call matches when one of its paths contains this text.
 * - after: let the first n matching calls through.
 * - COUNT fails nothing: it appends one line per matching call to `log`, so a
 *   test can learn how many steps a run takes before it kills at each one.
 */
const fs = require('fs');
const { constants } = require('os');

const WRITE_FLAGS = fs.constants.O_WRONLY | fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_APPEND | fs.constants.O_TRUNC;

function writes(flags) {
  if (flags === undefined) return false;
  if (typeof flags === 'number') return (flags & WRITE_FLAGS) !== 0;
  return /[wa+]/.test(String(flags));
}

/** name -> (args) => [class, paths] */
const CALLS = {
  openSync: (args) => [writes(args[1]) ? 'modify' : 'read', [args[0]]],
  readFileSync: (args) => ['read', [args[0]]],
  readdirSync: (args) => ['read', [args[0]]],
  writeFileSync: (args) => ['data', [args[0]]],
  appendFileSync: (args) => ['data', [args[0]]],
  writeSync: (args) => ['data', [args[0]]],
  fsyncSync: (args) => ['data', [args[0]]],
  copyFileSync: (args) => ['data', [args[1]]],
  mkdirSync: (args) => ['modify', [args[0]]],
  mkdtempSync: (args) => ['modify', [args[0]]],
  renameSync: (args) => ['modify', [args[0], args[1]]],
  linkSync: (args) => ['modify', [args[1]]],
  symlinkSync: (args) => ['modify', [args[1]]],
  unlinkSync: (args) => ['modify', [args[0]]],
  rmSync: (args) => ['modify', [args[0]]],
  rmdirSync: (args) => ['modify', [args[0]]],
};

function installFsFaults(faults) {
  const originals = {};
  const fdPaths = new Map();
  const seen = faults.map(() => 0);
  const pathOf = (p) => (typeof p === 'number' ? fdPaths.get(p) : typeof p === 'string' ? p : undefined);

  for (const [name, classify] of Object.entries(CALLS)) {
    const original = fs[name];
    originals[name] = original;
    fs[name] = function (...args) {
      const [kind, raw] = classify(args);
      const paths = raw.map(pathOf).filter((p) => p !== undefined);
      faults.forEach((fault, i) => {
        const opMatches = fault.ops.includes(name) || fault.ops.includes(kind) || (kind === 'data' && fault.ops.includes('modify'));
        if (!opMatches || !paths.some((p) => p.includes(fault.under))) return;
        if (fault.code === 'COUNT') {
          originals.appendFileSync.call(fs, fault.log, `${name} ${paths[0]}\n`);
          return;
        }
        if (seen[i]++ < (fault.after ?? 0)) return;
        if (fault.code === 'KILL') process.kill(process.pid, 'SIGKILL');
        // A real full disk fails after the file was created: so does this one.
        if (name === 'writeFileSync' && typeof args[0] === 'string' && kind === 'data') {
          try {
            original.call(this, args[0], '', args[2]);
          } catch {
            // it could not be created either
          }
        }
        const err = new Error(`${fault.code}: injected fault, ${name.replace(/Sync$/, '')} '${paths[0]}'`);
        err.code = fault.code;
        err.errno = -(constants.errno[fault.code] ?? 1);
        err.syscall = name.replace(/Sync$/, '');
        err.path = paths[0];
        throw err;
      });
      const result = original.apply(this, args);
      if (name === 'openSync' && typeof args[0] === 'string') fdPaths.set(result, args[0]);
      return result;
    };
  }
  return () => {
    for (const [name, original] of Object.entries(originals)) fs[name] = original;
  };
}

/** Environment for a child process that should run with `faults`. */
function faultEnv(faults) {
  return { NODE_OPTIONS: `--require ${__filename}`, MESH_TEST_FS_FAULTS: JSON.stringify(faults) };
}

if (process.env.MESH_TEST_FS_FAULTS) installFsFaults(JSON.parse(process.env.MESH_TEST_FS_FAULTS));

module.exports = { installFsFaults, faultEnv };
