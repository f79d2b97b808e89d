/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Type checking is done once by `tsc --noEmit` (npm test runs it first); each worker only strips
  // the types of one file at a time.
  transform: {
    '^.+\\.[tj]s$': '<rootDir>/test/support/esbuild-transform.js',
  },
  // age-encryption and its @noble/@scure dependencies ship ESM only.
  transformIgnorePatterns: ['/node_modules/(?!(age-encryption|@noble|@scure)/)'],
  // A bound on a hang, not on speed (speed is measured by npm run bench): tests that start synths and CLIs
  // take 2-10 s here, and a machine loaded many times over must not turn them into failures.
  testTimeout: 180000,
  // Every core: jest's default leaves one idle for its parent process, which only collects results here
  // (on 2 cores: 122 s instead of 166 s). No test depends on timing, so contention makes none flaky.
  maxWorkers: '100%',
  // Tests run on the fixture mesh, never on the user's clusters/, secrets/ or dist/.
  setupFiles: ['<rootDir>/test/support/user-mesh-guard.js'],
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js', '<rootDir>/test/support/temporary-folder-reporter.js'],
};
