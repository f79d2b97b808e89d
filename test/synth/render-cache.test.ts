/**
 * Rendering only what changed, through synthMesh with a build id, as the app
 * runs it: an unchanged re-synth renders and rewrites nothing; a change to one
 * cluster renders that cluster and writes only files whose bytes change; the
 * output is always byte for byte a full render's. A cache that is missing,
 * corrupt, doctored or from another build, and a dist/ file edited, replaced
 * or deleted by hand, all fall back to rendering.
 */
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'fs';
import { join } from 'path';
import { OUTPUT_MARKER } from '../../lib/synth/publish';
import { renderCachePath } from '../../lib/synth/render-cache';
import { SynthOptions, SynthResult, synthMesh } from '../../lib/synth/synth-mesh';
import { editFile, exampleInventory, tempProject } from '../support/inventory-fixture';
import { snapshot } from '../support/project-copy';
import { treeDigest } from '../support/tree';

const BUILD = 'build-a';

function synth(root: string, options: SynthOptions = {}): Extract<SynthResult, { ok: true }> {
  const result = synthMesh({ root, build: BUILD, ...options });
  if (!result.ok) throw new Error(`synth failed: ${result.problems.map((p) => p.message).join('; ')}`);
  return result;
}

/** dist/ as a full render without any cache gives it. */
function fullRender(root: string): string | undefined {
  const fresh = synthMesh({ root, outDir: 'dist-full' });
  if (!fresh.ok) throw new Error('synth failed');
  return treeDigest(join(root, 'dist-full'));
}

describe('rendering only what changed', () => {
  let project: { root: string; cleanup: () => void };
  let dist: string;
  beforeEach(() => {
    project = tempProject(exampleInventory());
    dist = join(project.root, 'dist');
    synth(project.root);
  });
  afterEach(() => project.cleanup());

  it('renders, writes, links and switches nothing when nothing changed', () => {
    const before = snapshot(dist);
    const inode = statSync(dist).ino;
    const again = synth(project.root);
    expect(again.rendered).toBe(0);
    expect(again.publish).toEqual({ written: 0, unchanged: again.files, removed: 0 });
    expect(snapshot(dist)).toEqual(before);
    // The same folder: no new tree was built and swapped in.
    expect(statSync(dist).ino).toBe(inode);
  });

  it('renders only the changed cluster and writes only the files whose bytes change', () => {
    const before = snapshot(dist);
    const cluster = join(project.root, 'clusters', 'k3scl2.yaml');
    const edited = editFile({ c: readFileSync(cluster, 'utf8') }, 'c', (c) => (c.helmValues = { hubble: { relay: { replicas: 2 } } }));
    writeFileSync(cluster, edited.c);
    const again = synth(project.root);
    expect(again.rendered).toBe(1);
    const after = snapshot(dist);
    const changed = Object.keys(after).filter((path) => after[path] !== before[path]);
    expect(changed.sort()).toEqual(['k3scl2/02-cilium/cilium-helm-chart.yaml', 'k3scl2/bootstrap/cilium-helm-chart.yaml']);
    expect(again.publish.written).toBe(2);
    expect(treeDigest(dist)).toBe(fullRender(project.root));
  });

  it.each([
    ['missing', (path: string) => rmSync(path)],
    ['not JSON', (path: string) => writeFileSync(path, '{"format": 1, "bui')],
    ['empty', (path: string) => writeFileSync(path, '')],
    ['of another shape', (path: string) => writeFileSync(path, JSON.stringify({ format: 1, build: BUILD, clusters: { k3scl1: { fingerprint: 1 } } }))],
    ['from another format', (path: string) => writeFileSync(path, readFileSync(path, 'utf8').replace(/"format":\d+/, '"format":99'))],
    [
      'doctored to link a file from outside dist/',
      (path: string) => writeFileSync(path, readFileSync(path, 'utf8').replace(/"k3scl1\/01-ca\/mesh-ca-secret\.yaml"/, '"../clusters/mesh.yaml"')),
    ],
  ])('renders every cluster when the cache is %s, and the output is a full render', (_, spoil) => {
    spoil(renderCachePath(dist));
    const again = synth(project.root);
    expect(again.rendered).toBe(3);
    expect(treeDigest(dist)).toBe(fullRender(project.root));
    // A usable cache again.
    expect(synth(project.root).rendered).toBe(0);
  });

  it('renders every cluster for another build of the tool', () => {
    expect(synth(project.root, { build: 'build-b' }).rendered).toBe(3);
    expect(synth(project.root, { build: 'build-b' }).rendered).toBe(0);
    expect(synth(project.root).rendered).toBe(3);
  });

  it.each([
    ['edited in place', (path: string) => writeFileSync(path, `${readFileSync(path, 'utf8')}# edited\n`)],
    ['edited to the same size', (path: string) => writeFileSync(path, readFileSync(path, 'utf8').replace('apiVersion', 'apiVersioN'))],
    ['replaced by another file', (path: string) => (rmSync(path), writeFileSync(path, readFileSync(path.replace('k3scl2', 'k3scl1'))))],
    ['deleted', (path: string) => rmSync(path)],
  ])('renders a cluster again when one of its files in dist/ was %s, and restores it', (_, spoil) => {
    const expected = treeDigest(dist);
    spoil(join(dist, 'k3scl2', '03-mesh', 'clustermesh-secrets.yaml'));
    const again = synth(project.root);
    expect(again.rendered).toBe(1);
    expect(treeDigest(dist)).toBe(expected);
  });

  it.each([
    ['the overview', 'README.md', 1],
    // The marker is no file of the mesh: it is rewritten but not counted.
    ['the output marker', OUTPUT_MARKER, 0],
  ])('restores %s when it was edited by hand, rendering no cluster', (_, file, written) => {
    const expected = treeDigest(dist);
    writeFileSync(join(dist, file), `${readFileSync(join(dist, file), 'utf8')}edited by hand\n`);
    const again = synth(project.root);
    expect(again.rendered).toBe(0);
    expect(again.publish.written).toBe(written);
    expect(treeDigest(dist)).toBe(expected);
    expect(treeDigest(dist)).toBe(fullRender(project.root));
  });

  it('renders the mesh-wide files again when the mesh changes, though no cluster file changes', () => {
    const mesh = join(project.root, 'clusters', 'mesh.yaml');
    // The mesh's name is read by the overview; the clusters' files do not change with it only if no manifest names the mesh.
    writeFileSync(mesh, readFileSync(mesh, 'utf8').replace(/^name: .*$/m, 'name: renamed-mesh'));
    const again = synth(project.root);
    expect(treeDigest(dist)).toBe(fullRender(project.root));
    expect(readFileSync(join(dist, 'README.md'), 'utf8')).toContain('renamed-mesh');
    expect(again.publish.written).toBeGreaterThan(0);
  });

  it('removes a stray file added to dist/ though no cluster changed', () => {
    const expected = treeDigest(dist);
    writeFileSync(join(dist, 'k3scl1', 'stray.yaml'), 'kind: Stray\n');
    const again = synth(project.root);
    expect(again.rendered).toBe(0);
    expect(again.publish.removed).toBe(1);
    expect(treeDigest(dist)).toBe(expected);
  });

  it('keeps the cache beside dist/, never in it', () => {
    expect(existsSync(renderCachePath(dist))).toBe(true);
    expect(renderCachePath(dist).startsWith(`${dist}/`)).toBe(false);
  });
});
