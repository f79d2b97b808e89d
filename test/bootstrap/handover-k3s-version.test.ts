/**
 * The hand-over installs exactly the pinned k3s release: it passes
 * INSTALL_K3S_VERSION to the installer, refuses an INSTALL_K3S_VERSION of
 * another release, and stops on an installed k3s of another release. The
 * generated script runs here against stand-ins for id, install, cmp, k3s and
 * curl (and sleep), so it touches nothing on this machine and stops after its first step.
 */
import { spawnSync } from 'child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { renderMesh } from '../../lib/mesh-manifests';
import { editFile, exampleInventory, meshOf, exampleSecrets } from '../support/inventory-fixture';
import { CHILD_PROCESS_HANG_MS } from '../support/hang-bound';

const PINNED = 'v1.34.2+k3s1';

/** Runs k3scl1's handover.sh with stand-in commands; `installed` is the release a stand-in k3s reports, if any. */
function handover(mesh: ReturnType<typeof meshOf>, options: { installed?: string; env?: Record<string, string> } = {}) {
  const script = renderMesh(mesh, exampleSecrets()).find((f) => f.path === 'k3scl1/bootstrap/handover.sh')!.content;
  const root = mkdtempSync(join(tmpdir(), 'mesh-handover-k3s-'));
  try {
    const bin = join(root, 'bin');
    const here = join(root, 'dist', 'k3scl1', 'bootstrap');
    mkdirSync(bin);
    mkdirSync(here, { recursive: true });
    writeFileSync(join(here, 'handover.sh'), script);
    const stub = (name: string, body: string) => {
      writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
      chmodSync(join(bin, name), 0o755);
    };
    stub('id', 'echo 0');
    stub('install', 'exit 0');
    stub('cmp', 'exit 0');
    stub('sleep', 'exit 0');
    // The installer it downloads reports the release it was asked for and stops the script there.
    stub('curl', `echo 'echo "installer asked for: \${INSTALL_K3S_VERSION:-stable}" >&2; exit 3'`);
    if (options.installed) stub('k3s', `[ "$1" = --version ] && echo "k3s version ${options.installed} (0123abcd)" && echo "go version go1.24"`);
    const run = spawnSync('/bin/sh', [join(here, 'handover.sh'), 'flux'], {
      encoding: 'utf8',
      env: { PATH: `${bin}:/usr/bin:/bin`, ...options.env },
      timeout: CHILD_PROCESS_HANG_MS,
    });
    return { status: run.status, stderr: run.stderr };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const pinned = meshOf(exampleInventory());

describe('handover.sh and k3s.version', () => {
  it('asks the installer for exactly the pinned release', () => {
    expect(pinned.clusters[0].k3sVersion).toBe(PINNED);
    const run = handover(pinned);
    expect(run.stderr).toContain(`installer asked for: ${PINNED}`);
    expect(run.status).toBe(3);
  });

  it('refuses an INSTALL_K3S_VERSION of another release, before installing anything', () => {
    const run = handover(pinned, { env: { INSTALL_K3S_VERSION: 'v1.33.0+k3s1' } });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/INSTALL_K3S_VERSION is v1\.33\.0\+k3s1, but k3s\.version pins v1\.34\.2\+k3s1/);
    expect(run.stderr).not.toContain('installer asked for');
  });

  it('stops on an installed k3s of another release, and goes on past the check with the pinned one', () => {
    const other = handover(pinned, { installed: 'v1.33.0+k3s1' });
    expect(other.status).toBe(1);
    expect(other.stderr).toMatch(/k3s v1\.33\.0\+k3s1 is installed, but k3s\.version pins v1\.34\.2\+k3s1: upgrade it/);
    // With the pinned release it goes on to wait for the API (which the stand-in never serves).
    const same = handover(pinned, { installed: PINNED });
    expect(same.stderr).not.toMatch(/k3s\.version pins/);
    expect(same.stderr).toMatch(/the Kubernetes API did not answer/);
  });

  it('leaves the installer its stable channel when nothing is pinned', () => {
    const unpinned = meshOf(editFile(exampleInventory(), 'mesh.yaml', (m) => delete m.k3s));
    expect(unpinned.clusters[0].k3sVersion).toBeUndefined();
    expect(handover(unpinned).stderr).toContain('installer asked for: stable');
  });
});
