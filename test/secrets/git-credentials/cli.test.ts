/**
 * `npm run mesh -- repo credentials | repo secret` and the credentials in the
 * rest of the product, run in-process on copies of the example: the file is
 * proven ciphertext and holds nothing in clear, the Secrets it yields are what
 * Flux and Argo CD read (checked against the schemas), synth makes the Flux
 * GitRepository name the Secret and the hand-over create it, the loader refuses
 * credentials for another URL or of the wrong kind, and `secrets rekey`
 * re-encrypts the file with the CA.
 */
import { spawnSync } from 'child_process';
import { generateKeyPairSync } from 'crypto';
import { existsSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { parse } from 'yaml';
import { loadProject } from '../../../lib/inventory/load-project';
import { renderMesh } from '../../../lib/mesh-manifests';
import { GIT_CREDENTIALS_FILE, GIT_CREDENTIALS_SECRET } from '../../../lib/model/git-credentials';
import { checkCredentialsFile, decryptCredentials } from '../../../lib/secrets/git-credentials';
import { objectsIn } from '../../conformance/rendered';
import { describeWithShared, PROJECT_ROOT } from '../../support/paths';
import { CORE_SCHEMA_DIR, CRD_SCHEMA_DIR, validateKubeObject } from '../../support/schema-validator';
import { DEMO_IDENTITY, DEMO_IDENTITY_FILE, mesh, tempProject } from '../mesh-ca/support';
import { newAgeKey } from '../sops/age-test-keys';

const demoEnv = { SOPS_AGE_KEY_FILE: DEMO_IDENTITY_FILE };
const DEMO_RECIPIENT = 'age1wu5ttwy9n73df5n94c6rlck92zpevvh3rvzpc8pj4dzz0ag2f9wqt7ey58';
const HTTPS_URL = 'https://git.example.com/platform/k3s-cilium-mesh.git';
const SSH_URL = 'ssh://git@git.example.com/platform/k3s-cilium-mesh.git';
const TOKEN = 'glpat-Zq8sN3xVt0Kp4LmWr7Yc';
const PRIVATE = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const KNOWN_HOSTS = 'git.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n';

let project: { root: string; cleanup: () => void };
afterEach(() => project?.cleanup());
const at = (rel: string) => join(project.root, rel);
const read = (rel: string) => readFileSync(at(rel), 'utf8');
const meshYaml = 'clusters/mesh.yaml';
const setUrl = (url: string) => writeFileSync(at(meshYaml), read(meshYaml).replace(HTTPS_URL, url));
const input = (name: string, text: string) => (writeFileSync(at(name), text), at(name));
const load = () => loadProject(at('clusters'), { displayRoot: project.root });

/** A project whose repository URL is `url`, with credentials of the matching kind written. */
async function withCredentials(url: string) {
  project = tempProject();
  setUrl(url);
  const args = url.startsWith('ssh://')
    ? ['--ssh-key', input('id_ed25519', PRIVATE), '--known-hosts', input('known_hosts', KNOWN_HOSTS)]
    : ['--token-file', input('token', `${TOKEN}\n`), '--username', 'deploy'];
  return mesh(project.root, ['repo', 'credentials', ...args]);
}

describe('repo credentials', () => {
  it('writes a token for an https:// URL as proven ciphertext, printing and committing nothing of it', async () => {
    const run = await withCredentials(HTTPS_URL);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/wrote secrets\/git-credentials.sops.yaml: Secret cilium-mesh-git \(flux-system\) with a token of user deploy/);
    const text = read(GIT_CREDENTIALS_FILE);
    expect(run.stdout + text).not.toContain(TOKEN);
    expect(text).not.toContain('deploy');
    expect(checkCredentialsFile(text)).toEqual({ outline: { url: HTTPS_URL, auth: 'https', recipients: [DEMO_RECIPIENT] }, issues: [] });
    expect(await decryptCredentials(text, [DEMO_IDENTITY])).toEqual({ url: HTTPS_URL, material: { auth: 'https', username: 'deploy', password: TOKEN } });
  });

  it('writes an SSH key with host keys for an ssh:// URL; the key never appears in clear', async () => {
    const run = await withCredentials(SSH_URL);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const text = read(GIT_CREDENTIALS_FILE);
    expect(text).not.toMatch(/PRIVATE KEY|AAAAC3/);
    expect(checkCredentialsFile(text).outline).toMatchObject({ url: SSH_URL, auth: 'ssh' });
    expect((await decryptCredentials(text, [DEMO_IDENTITY])).material).toEqual({ auth: 'ssh', identity: PRIVATE, knownHosts: KNOWN_HOSTS });
  });

  it('reads one input from stdin (-), as the bundled command', async () => {
    project = tempProject();
    const run = spawnSync(process.execPath, [join(PROJECT_ROOT, '.build', 'mesh-cli.js'), 'repo', 'credentials', '--token-file', '-'], { cwd: project.root, input: `${TOKEN}\n`, encoding: 'utf8', env: { PATH: process.env.PATH } });
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    expect(run.stdout).not.toContain(TOKEN);
    expect((await decryptCredentials(read(GIT_CREDENTIALS_FILE), [DEMO_IDENTITY])).material).toEqual({ auth: 'https', username: 'git', password: TOKEN });
  });

  it('refuses credentials of the wrong kind for the URL, or half of an SSH pair, and writes nothing', async () => {
    project = tempProject();
    const runs = [
      await mesh(project.root, ['repo', 'credentials', '--ssh-key', input('id', PRIVATE), '--known-hosts', input('kh', KNOWN_HOSTS)]),
      await mesh(project.root, ['repo', 'credentials', '--ssh-key', input('id', PRIVATE)]),
      await mesh(project.root, ['repo', 'credentials', '--token-file', input('t', TOKEN), '--ssh-key', at('id')]),
      await mesh(project.root, ['repo', 'credentials']),
    ];
    expect(runs.map((r) => r.code)).toEqual([1, 1, 1, 1]);
    expect(runs[0].stderr).toMatch(/--ssh-key .* https:\/\/ URL.*nothing was written\. Fix: give --token-file/);
    expect(runs[1].stderr).toMatch(/--known-hosts is missing/);
    expect(runs[2].stderr).toMatch(/two kinds of credentials/);
    expect(runs[3].stderr).toMatch(/no credentials given\. Fix: give --token-file/);
    for (const r of runs) expect(r.stderr + r.stdout).not.toMatch(/PRIVATE KEY|glpat/);
    expect(existsSync(at(GIT_CREDENTIALS_FILE))).toBe(false);
  });
});

describe('repo secret', () => {
  it('prints the Flux Secret and the Argo CD repository Secret, decrypted', async () => {
    await withCredentials(SSH_URL);
    const flux = await mesh(project.root, ['repo', 'secret', 'flux'], demoEnv);
    const argocd = await mesh(project.root, ['repo', 'secret', 'argocd'], demoEnv);
    expect([flux.code, argocd.code]).toEqual([0, 0]);
    expect(parse(flux.stdout)).toMatchObject({ kind: 'Secret', metadata: { name: GIT_CREDENTIALS_SECRET, namespace: 'flux-system' }, stringData: { identity: PRIVATE, known_hosts: KNOWN_HOSTS } });
    expect(parse(argocd.stdout)).toMatchObject({
      kind: 'Secret',
      metadata: { name: GIT_CREDENTIALS_SECRET, namespace: 'argocd', labels: { 'argocd.argoproj.io/secret-type': 'repository' } },
      stringData: { type: 'git', url: SSH_URL, sshPrivateKey: PRIVATE },
    });
    expect(flux.stderr).toMatch(/in clear/);
  });

  it('needs an identity, and refuses an engine it does not know', async () => {
    await withCredentials(HTTPS_URL);
    expect((await mesh(project.root, ['repo', 'secret', 'flux'])).stderr).toMatch(/needs an age identity/);
    expect((await mesh(project.root, ['repo', 'secret', 'helm'], demoEnv)).stderr).toMatch(/'helm' is not a delivery engine\. Fix: give flux or argocd/);
  });
});

describe('the credentials in synth and the hand-over', () => {
  it('makes the Flux GitRepository name the Secret, and the hand-over create it before the GitRepository', async () => {
    await withCredentials(SSH_URL);
    const result = load();
    expect(result.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(result.secrets!.gitCredentials).toEqual({ auth: 'ssh' });
    const files = renderMesh(result.mesh!, result.secrets!);
    for (const c of result.mesh!.clusters) {
      const [source] = objectsIn(files.find((f) => f.path === `${c.name}/flux/flux-sync.yaml`)!.content).filter((o) => o.kind === 'GitRepository');
      expect(source.spec).toMatchObject({ url: SSH_URL, secretRef: { name: GIT_CREDENTIALS_SECRET } });
      const script = files.find((f) => f.path === `${c.name}/bootstrap/handover.sh`)!.content;
      expect(script).toMatch(/^GIT_CREDENTIALS=yes$/m);
      expect(script.indexOf('repo secret flux')).toBeGreaterThan(0);
      expect(script.indexOf('repo secret flux')).toBeLessThan(script.indexOf('kc apply -k "$CLUSTER_DIR/flux"'));
      expect(script).toMatch(/repo secret argocd \| kubectl apply -f -/);
      expect(script).toMatch(/argocd cert add-ssh/);
      expect(spawnSync('sh', ['-n'], { input: script }).status).toBe(0);
      // As test/bootstrap/handover.test.ts checks the script without credentials, where shellcheck is installed.
      const shellcheck = spawnSync('shellcheck', ['--shell=sh', '--severity=style', '-'], { input: script, encoding: 'utf8' });
      if (!shellcheck.error) expect(shellcheck.stdout + shellcheck.stderr).toBe('');
    }
    // No copy of the credentials, encrypted or not, goes into dist/: no engine could read it from git before it has it.
    expect(files.filter((f) => f.content.includes(GIT_CREDENTIALS_SECRET) && /kind: Secret/.test(f.content))).toEqual([]);
  });

  it('names no Secret without credentials, and warns that an ssh:// URL cannot be cloned without them', () => {
    project = tempProject();
    const plain = load();
    expect(plain.secrets!.gitCredentials).toBeUndefined();
    const files = renderMesh(plain.mesh!, plain.secrets!);
    const [source] = objectsIn(files.find((f) => f.path.endsWith('/flux/flux-sync.yaml'))!.content).filter((o) => o.kind === 'GitRepository');
    expect(source.spec).not.toHaveProperty('secretRef');
    const script = files.find((f) => f.path.endsWith('/bootstrap/handover.sh'))!.content;
    expect(script).toMatch(/^GIT_CREDENTIALS=no$/m);
    expect(script).not.toMatch(/repo secret argocd/);
    setUrl(SSH_URL);
    // (The example's demo CA has a warning of its own, about secrets/.)
    expect(load().problems.filter((p) => p.file === 'clusters/mesh.yaml')).toEqual([
      expect.objectContaining({ severity: 'warning', file: 'clusters/mesh.yaml', field: 'delivery.repository.url', message: expect.stringMatching(/cannot clone over SSH without a key/), fix: expect.stringMatching(/repo credentials --ssh-key/) }),
    ]);
  });

  it('refuses credentials written for another URL, or of the wrong kind for the URL, naming the file and the fix', async () => {
    await withCredentials(HTTPS_URL);
    writeFileSync(at(meshYaml), read(meshYaml).replace(HTTPS_URL, 'https://git.example.com/other/repo.git'));
    expect(load().problems.filter((p) => p.severity === 'error')).toEqual([
      expect.objectContaining({ file: GIT_CREDENTIALS_FILE, message: expect.stringMatching(/holds credentials for https:\/\/git.example.com\/platform.*but delivery.repository.url is https:\/\/git.example.com\/other/), fix: expect.stringMatching(/repo credentials --token-file/) }),
    ]);
    writeFileSync(at(meshYaml), read(meshYaml).replace('https://git.example.com/other/repo.git', SSH_URL));
    expect(load().problems.filter((p) => p.severity === 'error').map((p) => p.message)).toEqual([expect.stringMatching(/holds credentials for/), expect.stringMatching(/holds a user name and token, but .* is an ssh:\/\/ URL/)]);
  });

  it('refuses a file that is not proven ciphertext, without printing the clear value', async () => {
    await withCredentials(HTTPS_URL);
    writeFileSync(at(GIT_CREDENTIALS_FILE), read(GIT_CREDENTIALS_FILE).replace(/^(\s+)password: ENC\[[^\n]*$/m, '$1password: hunter2-token'));
    const problems = load().problems.filter((p) => p.severity === 'error');
    expect(problems).toEqual([expect.objectContaining({ file: GIT_CREDENTIALS_FILE, field: 'stringData.password', message: expect.stringMatching(/in clear text/) })]);
    expect(JSON.stringify(problems)).not.toContain('hunter2');
  });
});

describe('secrets rekey', () => {
  it('re-encrypts the credentials with the CA for the new recipients', async () => {
    await withCredentials(HTTPS_URL);
    const own = await newAgeKey();
    writeFileSync(at(meshYaml), read(meshYaml).replace(`    - ${DEMO_RECIPIENT}\n`, `    - ${DEMO_RECIPIENT}\n    - ${own.recipient}\n`));
    expect(load().problems.filter((p) => p.file === GIT_CREDENTIALS_FILE)).toEqual([expect.objectContaining({ severity: 'warning', field: 'sops.age' })]);
    const run = await mesh(project.root, ['secrets', 'rekey'], demoEnv);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/re-encrypted for .*: secrets\/cilium-mesh-ca.sops.yaml, secrets\/git-credentials.sops.yaml/);
    expect(checkCredentialsFile(read(GIT_CREDENTIALS_FILE))).toMatchObject({ outline: { recipients: [DEMO_RECIPIENT, own.recipient] }, issues: [] });
    expect((await decryptCredentials(read(GIT_CREDENTIALS_FILE), [own.identity])).material).toEqual({ auth: 'https', username: 'deploy', password: TOKEN });
    expect(load().problems.filter((p) => p.file === GIT_CREDENTIALS_FILE)).toEqual([]);
  });
});

const SCHEMAS = [`${CORE_SCHEMA_DIR}/secret-v1.json`, `${CRD_SCHEMA_DIR}/source.toolkit.fluxcd.io/gitrepository_v1.json`];
describeWithShared('the credentials Secrets and the GitRepository against the upstream schemas', SCHEMAS, () => {
  it.each([SSH_URL, HTTPS_URL])('%s', async (url) => {
    await withCredentials(url);
    const secrets = await Promise.all(['flux', 'argocd'].map(async (e) => parse((await mesh(project.root, ['repo', 'secret', e], demoEnv)).stdout)));
    const result = load();
    const [source] = objectsIn(renderMesh(result.mesh!, result.secrets!).find((f) => f.path.endsWith('/flux/flux-sync.yaml'))!.content).filter((o) => o.kind === 'GitRepository');
    for (const o of [...secrets, source]) expect([o.kind, validateKubeObject(o).errors]).toEqual([o.kind, []]);
  });
});
