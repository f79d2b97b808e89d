// Gives the run a temporary folder of its own (TMPDIR, which the workers and every process they start
// inherit: they start after the reporters) and fails the run when anything is left in it at the end:
// a test, a product command or a tool it runs that leaves a file behind is found here, whichever it is.
// The folder is removed either way.
const fs = require('fs');
const os = require('os');
const path = require('path');

class TemporaryFolderReporter {
  constructor() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-tests-'));
    process.env.TMPDIR = this.dir;
    this.error = undefined;
  }

  onRunComplete() {
    const left = fs.readdirSync(this.dir).sort();
    fs.rmSync(this.dir, { recursive: true, force: true });
    if (left.length === 0) return;
    const shown = left.slice(0, 10).join(', ') + (left.length > 10 ? ` and ${left.length - 10} more` : '');
    this.error = new Error(`the run left ${left.length} entr${left.length === 1 ? 'y' : 'ies'} in its temporary folder: ${shown}`);
    process.stdout.write(`\n${this.error.message}. Fix: remove what the tests or the commands they run leave in os.tmpdir().\n`);
  }

  getLastError() {
    return this.error;
  }
}

module.exports = TemporaryFolderReporter;
