/**
 * The output as written to disk builds with `kubectl kustomize` (client side
 * only, no server): each cluster folder into exactly the objects of the files
 * its stage folders list, every stage folder on its own (Flux applies them one
 * by one), the Flux entry point into its source and Kustomizations, and the
 * Argo CD folder, where the CA is SOPS-encrypted, into every other stage.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import { parse } from 'yaml';
import { isSopsEncrypted } from '../../lib/secrets/sops';
import { describeWithKubectl, kustomizeBuild, resourceId as idOf } from '../support/kubectl';
import { MATRIX, objectsIn, renderUnderTest, STAGE_FOLDER } from './rendered';

const build = (dir: string, ...flags: string[]) => objectsIn(kustomizeBuild(dir, ...flags), dir).map(idOf).sort();

/** The manifests (not kustomization.yaml) of one folder. */
const manifestsIn = (dir: string) => readdirSync(dir).filter((n) => n.endsWith('.yaml') && n !== 'kustomization.yaml');

describeWithKubectl('kubectl kustomize', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'mesh-kustomize-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  describe.each(MATRIX)('Cilium %s', (label, c) => {
    const { files, clusters } = renderUnderTest(c);
    /** dist/ of this case, written on first use. */
    const dist = () => {
      const dir = join(root, label.replace(/\W+/g, '-'));
      if (!existsSync(dir)) {
        for (const f of files) {
          mkdirSync(dirname(join(dir, f.path)), { recursive: true });
          writeFileSync(join(dir, f.path), f.content);
        }
      }
      return dir;
    };

    it.each(clusters)('%s builds into exactly the listed objects, and each stage on its own into its own', (cluster) => {
      const dir = join(dist(), cluster);
      const read = (rel: string) => readFileSync(join(dir, rel), 'utf8');
      // The cluster's kustomization lists its stage folders, each stage's lists the files in it.
      const stages: string[] = parse(read('kustomization.yaml')).resources;
      expect(stages.length).toBeGreaterThan(0);
      expect([...stages].sort()).toEqual(readdirSync(dir).filter((n) => STAGE_FOLDER.test(n)).sort());
      const listed = stages.flatMap((stage) => {
        const resources: string[] = parse(read(`${stage}/kustomization.yaml`)).resources;
        expect([...resources].sort()).toEqual(manifestsIn(join(dir, stage)).sort());
        const own = resources.flatMap((name) => objectsIn(read(`${stage}/${name}`), name)).map(idOf);
        expect(build(join(dir, stage))).toEqual([...own].sort());
        return own;
      });
      expect(new Set(listed).size).toBe(listed.length);
      expect(build(dir)).toEqual([...listed].sort());
    });

    it.each(clusters)('%s/flux, where rendered, builds into the GitRepository and one Kustomization per stage, plus its own', (cluster) => {
      const dir = join(dist(), cluster);
      if (!existsSync(join(dir, 'flux'))) return;
      const ids = build(join(dir, 'flux'));
      expect(ids.filter((id) => id.startsWith('source.toolkit.fluxcd.io/v1 GitRepository '))).toHaveLength(1);
      const stages = readdirSync(dir).filter((n) => STAGE_FOLDER.test(n));
      expect(ids.filter((id) => id.startsWith('kustomize.toolkit.fluxcd.io/v1 Kustomization '))).toHaveLength(stages.length + 1); // and the one that keeps the entry point itself in sync
    });

    it.each(clusters)('%s/argocd, where rendered, names existing SOPS files for KSOPS and builds the other stages', (cluster) => {
      const dir = join(dist(), cluster, 'argocd');
      if (!existsSync(join(dir, 'ksops-generator.yaml'))) return;
      const generator = parse(readFileSync(join(dir, 'ksops-generator.yaml'), 'utf8'));
      expect(generator.files.length).toBeGreaterThan(0);
      for (const file of generator.files as string[]) expect(isSopsEncrypted(readFileSync(join(dir, file), 'utf8'))).toBe(true);
      const stages = readdirSync(join(dir, '..')).filter((n) => STAGE_FOLDER.test(n));
      const plain = stages.flatMap((stage) =>
        manifestsIn(join(dir, '..', stage))
          .map((n) => readFileSync(join(dir, '..', stage, n), 'utf8'))
          .filter((content) => !isSopsEncrypted(content)),
      );
      // kubectl's kustomize has no --enable-exec: with plugins on it loads the generator config but runs nothing.
      expect(build(dir, '--enable-alpha-plugins')).toEqual(plain.flatMap((content) => objectsIn(content)).map(idOf).sort());
    });
  });
});
