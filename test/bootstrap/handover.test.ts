/**
 * The hand-over script per cluster: shellcheck-clean POSIX sh, the steps in
 * order, never a secret, and consistent with the entry points it applies.
 */
import { execFileSync, spawnSync } from 'child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { renderMesh } from '../../lib/mesh-manifests';
import { editFile, exampleInventory, meshOf, exampleSecrets } from '../support/inventory-fixture';
import { itNeeding, toolRequirement } from '../support/skips';

const mesh = meshOf(exampleInventory());
const files = renderMesh(mesh, exampleSecrets());
const scripts = files.filter((f) => f.path.endsWith('/bootstrap/handover.sh'));

function hasShellcheck(): boolean {
  return spawnSync('shellcheck', ['--version'], { stdio: 'ignore' }).status === 0;
}
const itWithShellcheck = itNeeding('shellcheck of handover.sh', toolRequirement(hasShellcheck(), 'shellcheck', 'apt-get install shellcheck'));

describe('bootstrap/handover.sh', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'mesh-handover-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const write = (path: string, content: string) => {
    const file = join(dir, path.replace(/\//g, '_'));
    writeFileSync(file, content);
    return file;
  };

  it('is rendered with its guide for every cluster', () => {
    expect(scripts.map((f) => f.path)).toEqual(mesh.clusters.map((c) => `${c.name}/bootstrap/handover.sh`));
    for (const c of mesh.clusters) expect(files.map((f) => f.path)).toContain(`${c.name}/bootstrap/HANDOVER.md`);
  });

  it.each(scripts.map((f) => [f.path, f.content]))('%s is valid POSIX sh with set -eu', (path, content) => {
    expect(content.startsWith('#!/bin/sh\n')).toBe(true);
    expect(content).toMatch(/^set -eu$/m);
    expect(spawnSync('sh', ['-n', write(path, content)]).status).toBe(0);
  });

  itWithShellcheck.each(scripts.map((f) => [f.path, f.content]))('%s is shellcheck-clean', (path, content) => {
    const result = spawnSync('shellcheck', ['--shell=sh', '--severity=style', write(path, content)], { encoding: 'utf8' });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it.each(scripts.map((f) => [f.path, f.content]))('%s holds no secret', (_path, content) => {
    expect(content).not.toMatch(/PRIVATE KEY|AGE-SECRET-KEY|ENC\[|BEGIN CERTIFICATE|tls\.key:/);
    // The CA is decrypted while the script runs, never embedded.
    expect(content).toContain('npm run --silent mesh -- ca secret');
  });

  it.each(mesh.clusters.map((c) => [c.name, c]))('%s: installs k3s, drops CA and HelmChart, waits for Cilium, hands over, then removes the bootstrap files', (name, cluster) => {
    const content = files.find((f) => f.path === `${name}/bootstrap/handover.sh`)!.content;
    const first = cluster.nodes.find((n) => n.role === 'server')!;
    const steps = [
      `k3s-config-$NODE.yaml`,
      'https://get.k3s.io',
      'mesh -- ca secret',
      'install -m 0600 "$HERE/$file" "$MANIFESTS/$file"',
      'ds/cilium deploy/cilium-operator deploy/clustermesh-apiserver',
      'rollout status',
      'flux install',
      'kc apply -k "$CLUSTER_DIR/flux"',
      'kustomization/cilium-mesh-02-cilium --for=condition=Ready',
      'argocd cluster add',
      'rm -f "$MANIFESTS/$file"',
      'shred -u "$CA_FILE"',
    ];
    const positions = steps.map((s) => content.indexOf(s));
    expect(steps.filter((_, i) => positions[i] < 0)).toEqual([]);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    // Every file of the Cilium stage goes into the manifests folder: clustermesh-apiserver needs the remote users to start.
    const ciliumStage = files.filter((f) => f.path.startsWith(`${name}/02-cilium/`) && !f.path.endsWith('kustomization.yaml')).map((f) => f.path.split('/')[2]);
    expect(ciliumStage).toEqual(expect.arrayContaining(['cilium-helm-chart.yaml']));
    expect(content).toContain(`CILIUM_FILES='${ciliumStage.join(' ')}'`);
    for (const file of ciliumStage) expect(files.find((f) => f.path === `${name}/bootstrap/${file}`)?.content).toBe(files.find((f) => f.path === `${name}/02-cilium/${file}`)!.content);
    expect(content).toContain(`NODE='${first.name}'`);
    expect(content).toContain(`ARGOCD_SERVER='${cluster.argocdServer}'`);
    expect(content).toContain(`REPOSITORY='${mesh.delivery.repository!.url}'`);
  });

  it('refuses an engine the inventory does not render, and defaults to the only one', () => {
    const fluxOnly = renderMesh(meshOf(editFile(exampleInventory(), 'mesh.yaml', (m) => (m.delivery.engine = 'flux'))), exampleSecrets());
    const script = fluxOnly.find((f) => f.path === 'k3scl1/bootstrap/handover.sh')!.content;
    expect(script).toContain("ENGINES='flux'");
    expect(script).toContain('ENGINE=${1:-flux}');
    // Run only the argument check: everything before the root check, with engine argocd.
    const head = script.slice(0, script.indexOf('[ -n "$REPOSITORY" ]'));
    const result = spawnSync('sh', ['-c', head, 'handover.sh', 'argocd'], { encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/usage: handover\.sh \[flux\]/);
    const ok = spawnSync('sh', ['-c', head, 'handover.sh', 'flux'], { encoding: 'utf8' });
    expect(ok.status).toBe(0);
  });

  it('uses sh that exists here', () => {
    expect(execFileSync('sh', ['-c', 'echo ok'], { encoding: 'utf8' })).toBe('ok\n');
  });
});
