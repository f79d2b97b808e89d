/**
 * Each cluster folder, written to disk as rendered, builds with
 * `kubectl kustomize` (client side only, no server) into exactly the objects of
 * the files its stage folders' kustomization.yaml files list, and every stage
 * lists every manifest it holds.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import { parse } from 'yaml';
import { describeWithKubectl, kustomizeBuild, resourceId as idOf } from '../support/kubectl';
import { MATRIX, objectsIn, renderExample, STAGE_FOLDER } from './rendered';

describeWithKubectl('kubectl kustomize', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'mesh-kustomize-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  describe.each(MATRIX)('Cilium %s', (label, c) => {
    const { files, clusters } = renderExample(c);

    it.each(clusters)('%s builds into exactly the listed objects', (cluster) => {
      const dir = join(root, label.replace(/\W+/g, '-'), cluster);
      for (const f of files.filter((file) => file.path.startsWith(`${cluster}/`))) {
        const path = join(dir, f.path.slice(cluster.length + 1));
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, f.content);
      }
      const read = (rel: string) => files.find((f) => f.path === `${cluster}/${rel}`)!.content;
      // The cluster's kustomization lists its stage folders, each stage's lists the files in it.
      const stages: string[] = parse(read('kustomization.yaml')).resources;
      expect(stages.length).toBeGreaterThan(0);
      expect([...stages].sort()).toEqual(readdirSync(dir).filter((n) => STAGE_FOLDER.test(n)).sort());
      const listed = stages.flatMap((stage) => {
        const resources: string[] = parse(read(`${stage}/kustomization.yaml`)).resources;
        const manifests = readdirSync(join(dir, stage)).filter((n) => n.endsWith('.yaml') && n !== 'kustomization.yaml');
        expect([...resources].sort()).toEqual(manifests.sort());
        return resources.flatMap((name) => objectsIn(read(`${stage}/${name}`), name)).map(idOf);
      });
      expect(new Set(listed).size).toBe(listed.length);

      const built = kustomizeBuild(dir);
      expect(objectsIn(built, 'kubectl kustomize').map(idOf).sort()).toEqual([...listed].sort());
    });
  });
});
