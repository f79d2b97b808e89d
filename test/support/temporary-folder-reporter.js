// Gives the run a temporary folder of its own (TMPDIR, which the workers and every process they start
// inherit: they start after the reporters) and fails the run when anything is left in it at the end:
// a test, a product command or a tool it runs that leaves a file behind is found here, whichever it is.
// The folder is removed either way, and when the run is interrupted (Ctrl-C, kill): on a memory file
// system what it holds would otherwise stay in memory.
const fs = require('fs');
const os = require('os');
const path = require('path');

const SHM = '/dev/shm';
const TMPFS_MAGIC = 0x01021994;
/** The run's temporary files peak at about 0.5 GiB; a tmpfs with less room than this is not used. */
const TMPFS_ROOM = 2 * 1024 ** 3;

/**
 * Where the run's folder goes: TMPDIR when it is set (the user's choice), else a memory file system
 * with room when there is one (the suites make and remove thousands of small files and folders: the
 * run takes about a tenth less time than on a disk), else the system's temporary folder.
 */
function scratchBase() {
  if (process.env.TMPDIR) return os.tmpdir();
  try {
    const fsStats = fs.statfsSync(SHM);
    fs.accessSync(SHM, fs.constants.W_OK);
    if (fsStats.type === TMPFS_MAGIC && fsStats.bavail * fsStats.bsize >= TMPFS_ROOM) return SHM;
  } catch {
    // no /dev/shm here
  }
  return os.tmpdir();
}

class TemporaryFolderReporter {
  constructor() {
    this.dir = fs.mkdtempSync(path.join(scratchBase(), 'mesh-tests-'));
    process.env.TMPDIR = this.dir;
    this.error = undefined;
    process.once('exit', () => this.remove());
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
      // Removed, then the signal again, which ends the run as it would have without this listener.
      process.once(signal, () => {
        this.remove();
        process.kill(process.pid, signal);
      });
    }
  }

  onRunComplete() {
    const left = fs.readdirSync(this.dir).sort();
    this.remove();
    if (left.length === 0) return;
    const shown = left.slice(0, 10).join(', ') + (left.length > 10 ? ` and ${left.length - 10} more` : '');
    this.error = new Error(`the run left ${left.length} entr${left.length === 1 ? 'y' : 'ies'} in its temporary folder: ${shown}`);
    process.stdout.write(`\n${this.error.message}. Fix: remove what the tests or the commands they run leave in os.tmpdir().\n`);
  }

  remove() {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  getLastError() {
    return this.error;
  }
}

module.exports = TemporaryFolderReporter;
