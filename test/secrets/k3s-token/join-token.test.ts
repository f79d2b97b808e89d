/**
 * The k3s join token file: the loader requires it where nodes join one another
 * and proves it ciphertext without a key; `token create` writes it (refusing to
 * replace one without --rotate), `token show` decrypts it for the node, and
 * `secrets rekey` re-encrypts it with the CA.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import { parse, stringify } from 'yaml';
import { loadProject } from '../../../lib/inventory/load-project';
import { decryptJoinToken, encryptJoinToken, joinTokenFile } from '../../../lib/secrets/k3s-token';
import { findKeyMaterial } from '../../../lib/report/redact';
import { editFile, exampleInventory, tempProject as inventoryProject } from '../../support/inventory-fixture';
import { expectNoErrors, expectProblem } from '../../inventory/expect-problem';
import { newAgeKey } from '../sops/age-test-keys';
import { DEMO_IDENTITY, DEMO_IDENTITY_FILE, mesh } from '../mesh-ca/support';

const DEMO_RECIPIENT = 'age1wu5ttwy9n73df5n94c6rlck92zpevvh3rvzpc8pj4dzz0ag2f9wqt7ey58';
const TOKEN_FILE = 'secrets/k3scl1.k3s-token.sops.yaml';
const demoEnv = { SOPS_AGE_KEY_FILE: DEMO_IDENTITY_FILE };

/** The example with k3scl1 made of three servers and an agent. */
const haFiles = () =>
  editFile(exampleInventory(), 'k3scl1.yaml', (c) => {
    c.nodes.push({ name: 'k3scl1-server-2', ip: '172.17.11.21', role: 'server' }, { name: 'k3scl1-server-3', ip: '172.17.11.22', role: 'server' }, { name: 'k3scl1-agent-1', ip: '172.17.11.31', role: 'agent' });
    c.apiServer = { host: '172.17.11.100' };
  });

let project: { root: string; cleanup: () => void };
afterEach(() => project?.cleanup());
const load_ = () => loadProject(join(project.root, 'clusters'), { displayRoot: project.root });
const read = (rel: string) => readFileSync(join(project.root, rel), 'utf8');

describe('the loader', () => {
  it('names the token file beside the CA file', () => {
    expect(joinTokenFile('secrets/cilium-mesh-ca.sops.yaml', 'k3scl1')).toBe(TOKEN_FILE);
    expect(joinTokenFile('keys/ca.sops.yaml', 'a')).toBe('keys/a.k3s-token.sops.yaml');
  });

  it('requires a token file where nodes join one another, with the command that makes it as the fix', () => {
    project = inventoryProject(haFiles());
    expect(load_().secrets?.joinTokenFiles).toEqual({ k3scl1: TOKEN_FILE });
    rmSync(join(project.root, TOKEN_FILE));
    expectProblem(load_(), {
      file: 'clusters/k3scl1.yaml',
      field: 'nodes',
      line: 7,
      message: /has 3 servers and 1 agent, which join the cluster with its k3s token, but secrets\/k3scl1\.k3s-token\.sops\.yaml does not exist/,
      fix: /npm run mesh -- token create k3scl1/,
    });
  });

  it('needs none for a single server, and tells external-secrets users how the token travels', () => {
    project = inventoryProject(exampleInventory());
    expect(load_().secrets!.joinTokenFiles).toEqual({});
    project.cleanup();
    const external = editFile(haFiles(), 'mesh.yaml', (m) => (m.secrets = { provider: 'external-secrets', externalSecrets: { storeRef: { name: 'vault' }, remoteKey: 'mesh-ca' } }));
    project = inventoryProject(external);
    rmSync(join(project.root, TOKEN_FILE));
    const result = load_();
    expectNoErrors(result);
    expect(result.problems).toContainEqual(expect.objectContaining({ severity: 'warning', file: 'clusters/k3scl1.yaml', field: 'nodes', message: expect.stringMatching(/hand-over makes one on the first server/) }));
  });

  it('refuses a token in clear, and warns when the recipients differ from the inventory', async () => {
    project = inventoryProject(haFiles());
    writeFileSync(join(project.root, TOKEN_FILE), read(TOKEN_FILE).replace(/^token: .*$/m, 'token: 0123456789abcdef'));
    expectProblem(load_(), { file: TOKEN_FILE, field: 'token', line: 1, message: /holds token in clear text/, fix: /treat the token as leaked: .*token create k3scl1 --rotate/ });
    const other = await newAgeKey();
    writeFileSync(join(project.root, TOKEN_FILE), await encryptJoinToken('abc', [other.recipient]));
    const result = load_();
    expectNoErrors(result);
    expect(result.problems).toContainEqual(expect.objectContaining({ severity: 'warning', file: TOKEN_FILE, field: 'sops.age', fix: expect.stringMatching(/secrets rekey/) }));
  });

  it('refuses a file that holds more than the token', async () => {
    project = inventoryProject(haFiles());
    const doc = parse(read(TOKEN_FILE)) as Record<string, unknown>;
    writeFileSync(join(project.root, TOKEN_FILE), stringify({ note: 'hi', ...doc }));
    expectProblem(load_(), { file: TOKEN_FILE, field: 'note', line: null, message: /holds 'note', but a join token file holds 'token' only/, fix: /token create k3scl1 --rotate/ });
  });
});

describe('token create, token show', () => {
  it('creates a random token encrypted to the recipients, shows it to a recipient, and refuses to replace it without --rotate', async () => {
    project = inventoryProject(exampleInventory());
    const file = 'secrets/k3scl2.k3s-token.sops.yaml';
    const created = await mesh(project.root, ['token', 'create', 'k3scl2']);
    expect(created).toMatchObject({ code: 0, stderr: '' });
    expect(created.stdout).toMatch(/created the k3s join token of k3scl2: wrote secrets\/k3scl2\.k3s-token\.sops\.yaml/);
    const token = await decryptJoinToken(read(file), [DEMO_IDENTITY]);
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    expect(created.stdout).not.toContain(token);
    expect(read(file)).not.toContain(token);

    const shown = await mesh(project.root, ['token', 'show', 'k3scl2'], demoEnv);
    expect(shown).toMatchObject({ code: 0, stdout: `${token}\n` });
    expect((await mesh(project.root, ['token', 'show', 'k3scl2'])).stderr).toMatch(/'token show' needs an age identity/);

    const again = await mesh(project.root, ['token', 'create', 'k3scl2']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/k3s token rotate --token/);
    expect(again.stderr).toMatch(/error: secrets\/k3scl2\.k3s-token\.sops\.yaml already exists.*Fix: .*token create k3scl2 --rotate/);
    expect(await decryptJoinToken(read(file), [DEMO_IDENTITY])).toBe(token);

    const rotated = await mesh(project.root, ['token', 'create', 'k3scl2', '--rotate']);
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toMatch(/replaced the k3s join token of k3scl2/);
    expect(rotated.stdout).toMatch(/snapshots taken before the rotation need the old token/);
    expect(await decryptJoinToken(read(file), [DEMO_IDENTITY])).not.toBe(token);
  });

  it('refuses a cluster the mesh does not have, and a file that is missing', async () => {
    project = inventoryProject(exampleInventory());
    expect((await mesh(project.root, ['token', 'create', 'k3scl9'])).stderr).toMatch(/the mesh has no cluster named 'k3scl9'.*k3scl1, k3scl2, k3scl3/);
    expect((await mesh(project.root, ['token', 'show', 'k3scl1'], demoEnv)).stderr).toMatch(/secrets\/k3scl1\.k3s-token\.sops\.yaml does not exist.*token create k3scl1/);
    expect(existsSync(join(project.root, 'secrets', 'k3scl9.k3s-token.sops.yaml'))).toBe(false);
  });
});

describe('secrets rekey', () => {
  it('re-encrypts the token files with the CA, keeping the tokens', async () => {
    project = inventoryProject(haFiles());
    const before = await decryptJoinToken(read(TOKEN_FILE), [DEMO_IDENTITY]);
    const next = await newAgeKey();
    const meshFile = join(project.root, 'clusters', 'mesh.yaml');
    writeFileSync(meshFile, readFileSync(meshFile, 'utf8').replace(DEMO_RECIPIENT, next.recipient));
    const run = await mesh(project.root, ['secrets', 'rekey'], demoEnv);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/secrets\/cilium-mesh-ca\.sops\.yaml, secrets\/k3scl1\.k3s-token\.sops\.yaml/);
    expect(await decryptJoinToken(read(TOKEN_FILE), [next.identity])).toBe(before);
    await expect(decryptJoinToken(read(TOKEN_FILE), [DEMO_IDENTITY])).rejects.toMatchObject({ code: 'NO_IDENTITY' });
    expectNoErrors(load_());
    expect(load_().problems.filter((p) => p.field === 'sops.age')).toEqual([]);
  });
});

describe('the secure token format', () => {
  it('is found as key material wherever it would be written in clear', () => {
    const secure = `K10${'a1'.repeat(32)}::server:${'f0'.repeat(16)}`;
    expect(findKeyMaterial(`token: ${secure}\n`)).toEqual([{ kind: 'k3s join token', line: 1 }]);
    expect(findKeyMaterial(`node: ${Buffer.from(secure).toString('base64')}\n`)).toEqual([{ kind: 'base64-encoded private key', line: 1 }]);
  });
});
