// Ends a jest run with one plain line, "tests: N passed, N failed, N skipped",
// that CI systems read without knowing jest's own summary format; before it, when
// tests were skipped, one list of what they need and the command that brings it
// (recorded by test/support/skips.ts in every worker through a file named in the
// environment, which workers inherit: they start after the reporters).
const fs = require('fs');
const os = require('os');
const path = require('path');

const SKIP_LOG_ENV = 'MESH_TEST_SKIP_LOG';

class SummaryReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig?.rootDir ?? process.cwd();
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-test-skips-'));
    this.log = path.join(this.dir, 'skips.jsonl');
    process.env[SKIP_LOG_ENV] = this.log;
  }

  readSkips() {
    let text = '';
    try {
      text = fs.readFileSync(this.log, 'utf8');
    } catch {
      // nothing was skipped
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
    return text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
  }

  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const out = [];
    const skips = this.readSkips();
    if (skipped > 0 || skips.length > 0) out.push(...skipSummary(skips, results, this.rootDir));
    out.push(`tests: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped`);
    process.stdout.write(`${out.join('\n')}\n`);
  }
}

/** Lines: per fix, what is missing and the test files it skips; then skips nobody explained. */
function skipSummary(skips, results, rootDir) {
  const pendingIn = new Map(results.testResults.map((r) => [r.testFilePath, r.numPendingTests + r.numTodoTests]));
  const byFix = new Map();
  for (const s of skips) {
    if (!byFix.has(s.fix)) byFix.set(s.fix, { what: new Set(), items: new Set(), files: new Set() });
    byFix.get(s.fix).what.add(s.what);
    if (s.item) byFix.get(s.fix).items.add(s.item);
    if (s.testPath) byFix.get(s.fix).files.add(s.testPath);
  }
  const explained = new Set(skips.map((s) => s.testPath).filter(Boolean));
  const lines = ['', 'Skipped tests, what they need and how to get it:'];
  for (const [fix, { what, items, files }] of byFix) {
    const count = [...files].reduce((n, f) => n + (pendingIn.get(f) ?? 0), 0);
    lines.push(`  - ${[...what].join(', ')}${items.size > 0 ? `: ${listed([...items].sort())}` : ''}`);
    lines.push(`      fix: ${fix}`);
    lines.push(`      skips tests in ${files.size} file(s)${count > 0 ? ` (${count} skipped there)` : ''}: ${[...files].map((f) => path.relative(rootDir, f)).sort().join(', ')}`);
  }
  const unexplained = results.testResults.filter((r) => r.numPendingTests + r.numTodoTests > 0 && !explained.has(r.testFilePath));
  if (unexplained.length > 0) {
    lines.push(`  - skipped without a recorded reason (use test/support/skips.ts): ${unexplained.map((r) => path.relative(rootDir, r.testFilePath)).join(', ')}`);
  }
  if (byFix.size === 0 && unexplained.length === 0) lines.pop();
  lines.push('');
  return lines;
}

/** The first few of a long list, and how many more. */
function listed(items, shown = 6) {
  return items.length <= shown ? items.join(', ') : `${items.slice(0, shown).join(', ')} and ${items.length - shown} more`;
}

module.exports = SummaryReporter;
