/**
 * join-node.sh (and handover.sh's first step) with the join token: the token is
 * decrypted on the node, by `npm run mesh -- token show` or from the clear copy
 * MESH_K3S_TOKEN_FILE names, lands in the token file with mode 0600, and k3s is
 * installed as the node's role at the pinned release. The generated scripts run
 * here against stand-ins for id, install, cmp, curl, npm and sleep; the token
 * file's path is moved into a temporary folder, the only change to the script.
 */
import { spawnSync } from 'child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { K3S_TOKEN_FILE } from '../../lib/bootstrap/k3s-node-config';
import { renderMesh } from '../../lib/mesh-manifests';
import { Mesh } from '../../lib/model/mesh';
import { editFile, exampleInventory, projectOf } from '../support/inventory-fixture';
import { CommittedSecrets } from '../../lib/model/committed-secrets';
import { CHILD_PROCESS_HANG_MS } from '../support/hang-bound';

const TOKEN = 'f'.repeat(64);

const ha = projectOf(
  editFile(exampleInventory(), 'k3scl1.yaml', (c) => {
    c.nodes.push({ name: 'k3scl1-server-2', ip: '172.17.11.21', role: 'server' }, { name: 'k3scl1-agent-1', ip: '172.17.11.31', role: 'agent' });
  }),
);

interface Run {
  readonly status: number | null;
  readonly stderr: string;
  readonly token?: string;
  readonly tokenMode?: number;
  readonly log: string;
}

/** Runs a bootstrap script of k3scl1 with stand-ins; `npmToken` is what a stand-in npm prints. */
function runScript(project: { mesh: Mesh; secrets: CommittedSecrets }, file: string, args: string[], options: { env?: Record<string, string>; npmToken?: string; existingToken?: string } = {}): Run {
  const script = renderMesh(project.mesh, project.secrets).find((f) => f.path === `k3scl1/bootstrap/${file}`)!.content;
  const root = mkdtempSync(join(tmpdir(), 'mesh-join-'));
  try {
    const bin = join(root, 'bin');
    const here = join(root, 'dist', 'k3scl1', 'bootstrap');
    const tokenFile = join(root, 'cluster-token');
    mkdirSync(bin);
    mkdirSync(here, { recursive: true });
    expect(script).toContain(`TOKEN_FILE=${K3S_TOKEN_FILE}\n`);
    writeFileSync(join(here, file), script.replace(`TOKEN_FILE=${K3S_TOKEN_FILE}\n`, `TOKEN_FILE=${tokenFile}\n`));
    if (options.existingToken) writeFileSync(tokenFile, options.existingToken);
    const log = join(root, 'log');
    const stub = (name: string, body: string) => {
      writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
      chmodSync(join(bin, name), 0o755);
    };
    stub('id', 'echo 0');
    stub('install', `echo "install $*" >> ${log}`);
    stub('cmp', '/usr/bin/cmp "$@"');
    stub('sleep', 'exit 0');
    stub('npm', options.npmToken ? `echo "npm $* (in $(pwd))" >> ${log}; echo ${options.npmToken}` : 'exit 1');
    stub('curl', `echo 'echo "installer: version=\${INSTALL_K3S_VERSION:-stable} exec=\${INSTALL_K3S_EXEC:-}" >&2; exit 3'`);
    const run = spawnSync('/bin/sh', [join(here, file), ...args], { encoding: 'utf8', env: { PATH: `${bin}:/usr/bin:/bin`, ...options.env }, timeout: CHILD_PROCESS_HANG_MS });
    return {
      status: run.status,
      stderr: run.stderr,
      token: existsSync(tokenFile) ? readFileSync(tokenFile, 'utf8') : undefined,
      tokenMode: existsSync(tokenFile) ? statSync(tokenFile).mode & 0o777 : undefined,
      log: existsSync(log) ? readFileSync(log, 'utf8') : '',
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

describe('join-node.sh', () => {
  it('is rendered for a cluster of more than one node only', () => {
    expect(renderMesh(ha.mesh, ha.secrets).some((f) => f.path === 'k3scl1/bootstrap/join-node.sh')).toBe(true);
    expect(renderMesh(ha.mesh, ha.secrets).some((f) => f.path === 'k3scl2/bootstrap/join-node.sh')).toBe(false);
    expect(ha.secrets.joinTokenFiles).toEqual({ k3scl1: 'secrets/k3scl1.k3s-token.sops.yaml' });
  });

  it('decrypts the token on the node with npm, writes it 0600, and installs an agent as k3s agent at the pinned release', () => {
    const run = runScript(ha, 'join-node.sh', ['k3scl1-agent-1'], { npmToken: TOKEN });
    expect(run.log).toMatch(/^npm run --silent mesh -- token show k3scl1 \(in .*\)$/m);
    expect(run.token).toBe(`${TOKEN}\n`);
    expect(run.tokenMode).toBe(0o600);
    expect(run.stderr).toContain('installer: version=v1.34.2+k3s1 exec=agent');
    expect(run.status).toBe(3);
  });

  it('takes the clear copy MESH_K3S_TOKEN_FILE names, and installs a server as k3s server', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mesh-token-'));
    try {
      writeFileSync(join(dir, 'token'), `${TOKEN}\n`);
      const run = runScript(ha, 'join-node.sh', ['k3scl1-server-2'], { env: { MESH_K3S_TOKEN_FILE: join(dir, 'token') } });
      expect(run.log).not.toContain('npm');
      expect(run.token).toBe(`${TOKEN}\n`);
      expect(run.stderr).toContain('installer: version=v1.34.2+k3s1 exec=server');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses an unknown node, a node that holds another token, and a token it cannot decrypt', () => {
    const unknown = runScript(ha, 'join-node.sh', ['k3scl1-server']);
    expect(unknown).toMatchObject({ status: 1, stderr: expect.stringMatching(/usage: .* NODE, one of: k3scl1-server-2 k3scl1-agent-1 \(k3scl1-server is brought up by handover\.sh\)/) });
    const other = runScript(ha, 'join-node.sh', ['k3scl1-agent-1'], { npmToken: TOKEN, existingToken: 'old\n' });
    expect(other.status).toBe(1);
    expect(other.stderr).toMatch(/holds another token than secrets\/k3scl1\.k3s-token\.sops\.yaml.*k3s token rotate/);
    expect(other.token).toBe('old\n');
    const undecryptable = runScript(ha, 'join-node.sh', ['k3scl1-agent-1']);
    expect(undecryptable.status).toBe(1);
    expect(undecryptable.stderr).toMatch(/could not decrypt secrets\/k3scl1\.k3s-token\.sops\.yaml/);
    expect(undecryptable.token).toBeUndefined();
    expect(undecryptable.stderr).not.toContain('installer:');
  });
});

describe('handover.sh and the join token', () => {
  it('decrypts the committed token on the first server before installing k3s as a server', () => {
    const run = runScript(ha, 'handover.sh', ['flux'], { npmToken: TOKEN });
    expect(run.token).toBe(`${TOKEN}\n`);
    expect(run.tokenMode).toBe(0o600);
    expect(run.stderr).toContain('installer: version=v1.34.2+k3s1 exec=server');
  });

  it('makes a random token for a single server, which no other node needs', () => {
    const single = projectOf(exampleInventory());
    const script = renderMesh(single.mesh, single.secrets).find((f) => f.path === 'k3scl1/bootstrap/handover.sh')!.content;
    expect(script).toContain('od -An -N32 -tx1 /dev/urandom');
    expect(script).not.toContain('token show');
  });
});
