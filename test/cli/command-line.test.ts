/**
 * The command-line conventions of `npm run mesh`: -h/--help on every command
 * and command group, unknown options refused on every command with the fix,
 * "did you mean" for a misspelt command or option, and one exit-code
 * convention (0 done, 1 a problem with its fix).
 */
import { runMeshCli } from '../../lib/cli/mesh-cli';
import { closest } from '../../lib/cli/command-line';
import { COMMANDS } from '../../lib/cli/commands';
import { tempProject } from '../secrets/mesh-ca/support';

async function mesh(...argv: string[]) {
  const project = tempProject();
  let stdout = '';
  let stderr = '';
  try {
    const out = { write: (chunk: string) => ((stdout += chunk), true) } as unknown as NodeJS.WritableStream;
    const err = { write: (chunk: string) => ((stderr += chunk), true) } as unknown as NodeJS.WritableStream;
    const code = await runMeshCli(argv, { root: project.root, env: {}, stdout: out, stderr: err });
    return { code, stdout, stderr };
  } finally {
    project.cleanup();
  }
}

const NAMES = COMMANDS.map((c) => c.words.join(' '));

describe('npm run mesh conventions', () => {
  it.each(NAMES)('%s --help and -h print its usage and options, exit 0, and run nothing', async (name) => {
    for (const flag of ['--help', '-h']) {
      const run = await mesh(...name.split(' '), flag);
      expect(run).toMatchObject({ code: 0, stderr: '' });
      expect(run.stdout).toMatch(new RegExp(`^usage: npm run mesh -- ${name}`));
      expect(run.stdout).toMatch(/-h, --help +print this help/);
    }
  });

  it.each(NAMES)('%s refuses an unknown option, saying the fix, and writes nothing', async (name) => {
    const run = await mesh(...name.split(' '), ...(name === 'add-cluster' ? ['edge', '--server', '192.168.7.1'] : name === 'remove-cluster' ? ['k3scl3'] : []), '--frobnicate');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: unknown option '--frobnicate'\. Fix: /m);
    expect(run.stdout).toBe('');
  });

  it('answers help for the whole tool and for a command group, and asks for a command of a bare group', async () => {
    for (const argv of [['help'], ['--help'], ['-h']]) {
      const run = await mesh(...argv);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/exit codes: 0 done, 1 a problem/);
      for (const name of NAMES) expect(run.stdout).toContain(name);
    }
    const group = await mesh('ca', '--help');
    expect(group.code).toBe(0);
    expect(group.stdout).toMatch(/^usage: npm run mesh -- ca <command>/);
    expect(group.stdout).toContain('ca rotate');
    expect(group.stdout).not.toContain('add-cluster');
    const bare = await mesh('ca');
    expect(bare.code).toBe(1);
    expect(bare.stderr).toMatch(/^error: 'ca' needs one of its commands\. Fix: run one of them/);
  });

  it('suggests the command or option meant', async () => {
    expect((await mesh('valdate')).stderr).toMatch(/^error: unknown command 'valdate'\. Fix: did you mean 'validate'\?/);
    expect((await mesh('ca', 'roate')).stderr).toMatch(/^error: unknown command 'ca roate'\. Fix: did you mean 'ca rotate'\?/);
    expect((await mesh('ca', 'show', '--write-certs')).stderr).toMatch(/unknown option '--write-certs'\. Fix: did you mean --write-cert\?/);
    expect((await mesh('validate', '--errors')).stderr).toMatch(/did you mean --errors-only\?/);
    expect((await mesh('nonsense')).stderr).toMatch(/^error: unknown command 'nonsense'\. Fix: run one of the commands below/);
  });

  it('refuses positional arguments a command does not take', async () => {
    const run = await mesh('validate', 'extra');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: unexpected argument 'extra'\. Fix: leave it out; usage: npm run mesh -- validate/);
  });

  it('closest: one clearly nearest candidate within two edits, else nothing', () => {
    expect(closest('valdate', ['validate', 'check'])).toBe('validate');
    expect(closest('xyz', ['validate', 'check'])).toBeUndefined();
    expect(closest('ab', ['ac', 'ad'])).toBeUndefined();
  });
});
