/**
 * `kubectl kustomize` on the committed dist/: every cluster folder builds into
 * exactly the objects synth wrote into its stage folders, each stage folder
 * builds on its own (Flux applies them one by one), and the Flux entry point
 * builds too. Where the CA is SOPS-encrypted, the Argo CD folder resolves its
 * stage folders under kustomize's default load restrictions.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import { parse } from 'yaml';
import { clusterDeliveryFiles, stageLayout } from '../../lib/gitops/layout';
import { isSopsEncrypted } from '../../lib/gitops/stages';
import { objectsIn, STAGE_FOLDER } from '../conformance/rendered';
import { exampleInventory, meshOf } from '../support/inventory-fixture';
import { describeWithKubectl, kustomizeBuild, resourceId as idOf } from '../support/kubectl';
import { PROJECT_ROOT } from '../support/paths';

const DIST = join(PROJECT_ROOT, 'dist');

const build = (dir: string, ...flags: string[]) => objectsIn(kustomizeBuild(dir, ...flags), dir).map(idOf).sort();

/** Cluster folders of the committed dist/ (those with a kustomization.yaml). */
const clusters = existsSync(DIST) ? readdirSync(DIST).filter((n) => existsSync(join(DIST, n, 'kustomization.yaml'))).sort() : [];

describeWithKubectl('kubectl kustomize on the committed dist/', () => {
  it('has a folder for every cluster of the inventory', () => {
    expect(clusters).toEqual(meshOf(exampleInventory()).clusters.map((c) => c.name));
  });

  it.each(clusters)('dist/%s builds into exactly the objects of its stage folders', (cluster) => {
    const dir = join(DIST, cluster);
    const stages = readdirSync(dir).filter((n) => STAGE_FOLDER.test(n)).sort();
    const written = stages.flatMap((stage) =>
      readdirSync(join(dir, stage))
        .filter((n) => n.endsWith('.yaml') && n !== 'kustomization.yaml')
        .flatMap((n) => objectsIn(readFileSync(join(dir, stage, n), 'utf8'), `${stage}/${n}`)),
    );
    expect(build(dir)).toEqual(written.map(idOf).sort());
    for (const stage of stages) {
      const own = readdirSync(join(dir, stage)).filter((n) => n.endsWith('.yaml') && n !== 'kustomization.yaml');
      expect(build(join(dir, stage))).toEqual(own.flatMap((n) => objectsIn(readFileSync(join(dir, stage, n), 'utf8'))).map(idOf).sort());
    }
  });

  it.each(clusters.filter((c) => existsSync(join(DIST, c, 'flux'))))('dist/%s/flux builds into the GitRepository and the Kustomizations', (cluster) => {
    const ids = build(join(DIST, cluster, 'flux'));
    expect(ids).toContain('source.toolkit.fluxcd.io/v1 GitRepository flux-system/cilium-mesh');
    expect(ids.filter((id) => id.startsWith('kustomize.toolkit.fluxcd.io/v1 Kustomization')).length).toBeGreaterThanOrEqual(4);
  });

  it.each(clusters.filter((c) => existsSync(join(DIST, c, 'argocd'))))('dist/%s/argocd names existing SOPS files for KSOPS and builds the other stages', (cluster) => {
    const dir = join(DIST, cluster, 'argocd');
    const generator = parse(readFileSync(join(dir, 'ksops-generator.yaml'), 'utf8'));
    expect(generator.files.length).toBeGreaterThan(0);
    for (const file of generator.files as string[]) expect(isSopsEncrypted(readFileSync(join(dir, file), 'utf8'))).toBe(true);
    const stages = readdirSync(join(DIST, cluster)).filter((n) => STAGE_FOLDER.test(n));
    const plain = stages.flatMap((stage) =>
      readdirSync(join(DIST, cluster, stage))
        .filter((n) => n.endsWith('.yaml') && n !== 'kustomization.yaml')
        .map((n) => readFileSync(join(DIST, cluster, stage, n), 'utf8'))
        .filter((content) => !isSopsEncrypted(content)),
    );
    expect(build(dir, '--enable-alpha-plugins')).toEqual(plain.flatMap((c) => objectsIn(c)).map(idOf).sort());
  });

  it('resolves the stage folders from the Argo CD KSOPS folder (kubectl skips the exec generator itself)', () => {
    const mesh = meshOf(exampleInventory());
    const root = mkdtempSync(join(tmpdir(), 'mesh-ksops-'));
    try {
      const cluster = mesh.clusters[0];
      const plain = readdirSync(join(DIST, cluster.name)).filter((n) => STAGE_FOLDER.test(n));
      const manifests = plain.flatMap((stage) =>
        (parse(readFileSync(join(DIST, cluster.name, stage, 'kustomization.yaml'), 'utf8')).resources as string[]).map((n) => ({
          name: n.replace(/\.yaml$/, ''),
          content: readFileSync(join(DIST, cluster.name, stage, n), 'utf8'),
        })),
      );
      const plainManifests = manifests.filter((m) => !isSopsEncrypted(m.content));
      const layout = stageLayout(cluster.name, [{ name: 'mesh-ca-secret', content: 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: cilium-mesh-ca\n  namespace: kube-system\nsops:\n  version: 3.9.0\n' }, ...plainManifests]);
      for (const f of [...layout.files, ...clusterDeliveryFiles(mesh, cluster, layout)]) {
        mkdirSync(dirname(join(root, f.path)), { recursive: true });
        writeFileSync(join(root, f.path), f.content);
      }
      const generator = parse(readFileSync(join(root, cluster.name, 'argocd', 'ksops-generator.yaml'), 'utf8'));
      for (const file of generator.files as string[]) expect(existsSync(join(root, cluster.name, 'argocd', file))).toBe(true);
      const expected = plainManifests.flatMap((m) => objectsIn(m.content)).map(idOf).sort();
      // kubectl's kustomize has no --enable-exec: with plugins on it loads the generator config but runs nothing.
      expect(build(join(root, cluster.name, 'argocd'), '--enable-alpha-plugins')).toEqual(expected);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
