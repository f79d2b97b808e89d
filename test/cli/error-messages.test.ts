/**
 * Every error of `npm run mesh` says what to do, in the form synth uses for
 * inventory problems: `error: <what>. Fix: <what to do>`, one line each, exit
 * 1, no stack trace, nothing written.
 */
import { readFileSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import { hashTree } from '../support/tree';
import { expectNoStackTrace } from '../support/project-copy';
import { CA_FILE, mesh, tempProject } from '../secrets/mesh-ca/support';

type Setup = (root: string) => void;
const editMesh = (from: string | RegExp, to: string): Setup => (root) => {
  const path = join(root, 'clusters', 'mesh.yaml');
  writeFileSync(path, readFileSync(path, 'utf8').replace(from, to));
};
const noCa: Setup = (root) => rmSync(join(root, 'secrets'), { recursive: true });
const newRecipient = editMesh(/(    - age1\S+\n)/, '$1    - age1xva6x5xztq669j298jfpy0s5hhz4thul26df94y36h68u2mzq9vsd8ru9k\n');
const externalSecrets = editMesh(/secrets:\n  provider: sops\n(.*\n)*?  caFile: \S+\n/, 'secrets:\n  provider: external-secrets\n  storeRef:\n    name: vault\n    kind: ClusterSecretStore\n  remoteKey: mesh/ca\n');

const STRANGER = { SOPS_AGE_KEY: 'AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX' };

interface Case {
  readonly what: string;
  readonly argv: string[];
  readonly setup?: Setup;
  readonly env?: Record<string, string>;
}

const CASES: readonly Case[] = ([

  ['an unknown command', ['frobnicate']],
  ['add-cluster without a name', ['add-cluster', '--server', '172.17.14.11']],
  ['add-cluster without a node address', ['add-cluster', 'k3scl4']],
  ['add-cluster with two names', ['add-cluster', 'k3scl4', 'k3scl5', '--server', '172.17.14.11']],
  ['add-cluster with an invalid name', ['add-cluster', 'K3S_CL4', '--server', '172.17.14.11']],
  ['add-cluster with a reserved name', ['add-cluster', 'bootstrap', '--server', '172.17.14.11']],
  ['add-cluster with a name in use', ['add-cluster', 'k3scl1', '--server', '172.17.14.11']],
  ['add-cluster with an unknown option', ['add-cluster', 'k3scl4', '--server', '172.17.14.11', '--zone', 'a']],
  ['add-cluster with an option missing its value', ['add-cluster', 'k3scl4', '--server']],
  ['add-cluster with a bad address', ['add-cluster', 'k3scl4', '--server', '172.17.14']],
  ["add-cluster with another cluster's node address", ['add-cluster', 'k3scl4', '--server', '172.17.11.11']],
  ['add-cluster with a node address given twice', ['add-cluster', 'k3scl4', '--server', '172.17.14.11', '--server', '172.17.14.11']],
  ['add-cluster with an id that is not a number', ['add-cluster', 'k3scl4', '--server', '172.17.14.11', '--id', 'four']],
  ['add-cluster with an id in use', ['add-cluster', 'k3scl4', '--server', '172.17.14.11', '--id', '1']],
  ['add-cluster with an id out of range', ['add-cluster', 'k3scl4', '--server', '172.17.14.11', '--id', '999']],
  ['add-cluster with a malformed pod range', ['add-cluster', 'k3scl4', '--server', '172.17.14.11', '--pod-cidr', '10.14.0.0/33']],
  ['add-cluster with an overlapping pod range', ['add-cluster', 'k3scl4', '--server', '172.17.14.11', '--pod-cidr', '10.11.0.0/16']],
  ['add-cluster with a nodePort out of range', ['add-cluster', 'k3scl4', '--server', '172.17.14.11', '--node-port', '80']],
  ['remove-cluster without a name', ['remove-cluster']],
  ['remove-cluster of an unknown cluster', ['remove-cluster', 'k3scl9']],
  ['ca show with an unknown option', ['ca', 'show', '--verbose']],
  ['ca show without a CA', ['ca', 'show'], noCa],
  ['ca show with provider external-secrets', ['ca', 'show'], externalSecrets],
  ['ca show with a file without a MAC', ['ca', 'show'], (root) => writeFileSync(join(root, CA_FILE), readFileSync(join(root, CA_FILE), 'utf8').replace(/^ {4}mac: .*$/m, '    mac: ""'))],
  ['ca show --write-cert without an identity', ['ca', 'show', '--write-cert']],
  ['ca rotate without --yes', ['ca', 'rotate']],
  ['ca rotate with a bad --days', ['ca', 'rotate', '--yes', '--days', '0']],
  ['ca rotate without a CA', ['ca', 'rotate', '--yes'], noCa],
  ['ca rotate with an unknown option', ['ca', 'rotate', '--force']],
  ['ca rotate --yes outside git (a phase must be committed)', ['ca', 'rotate', '--yes']],
  ['ca rotate --one-step without --yes', ['ca', 'rotate', '--one-step']],
  ['ca init with a CA in place', ['ca', 'init']],
  ['ca secret without an identity', ['ca', 'secret']],
  ['secrets rekey without an identity', ['secrets', 'rekey'], newRecipient],
  ['secrets rekey with an identity that is no recipient', ['secrets', 'rekey'], newRecipient, STRANGER],
] as Array<[string, string[], Setup?, Record<string, string>?]>).map(([what, argv, setup, env]) => ({ what, argv, setup, env }));

describe('every mesh command error says the fix', () => {
  it.each(CASES)('$what', async ({ argv, setup, env }) => {
    const project = tempProject();
    try {
      setup?.(project.root);
      const before = hashTree(project.root);
      const run = await mesh(project.root, argv, env);
      expect(run.code).toBe(1);
      expectNoStackTrace(run.stderr);
      const errors = run.stderr.split('\n').filter((line) => line.startsWith('error: '));
      expect(errors.length).toBeGreaterThan(0);
      for (const line of errors) expect(line).toMatch(/^error: \S.*\. Fix: \S/);
      expect(hashTree(project.root)).toEqual(before);
    } finally {
      project.cleanup();
    }
  });

  it('remove-cluster of a cluster still named: one line per reference, each with its file, line, field and fix', async () => {
    const project = tempProject();
    try {
      const run = await mesh(project.root, ['remove-cluster', 'k3scl1']);
      expect(run.code).toBe(1);
      const errors = run.stderr.split('\n').filter((line) => line.startsWith('error: '));
      expect(errors.length).toBeGreaterThan(0);
      for (const line of errors) expect(line).toMatch(/^error: clusters\/\S+\.yaml:\d+ \S+: names cluster k3scl1, which remove-cluster would delete\. Fix: remove k3scl1 here/);
    } finally {
      project.cleanup();
    }
  });
});
