/**
 * How long a test waits for a child process (a synth, the CLI, kubectl, a shell script) before
 * taking it for hung. A bound on a hang, not on speed: these take 0.1-10 s here, and a machine
 * loaded many times over must not turn them into failures (speed is measured by npm run bench).
 * Below jest's own bound on a test (jest.config.js), so a hung child is named as such.
 */
export const CHILD_PROCESS_HANG_MS = 120_000;
