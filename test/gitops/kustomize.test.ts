/**
 * The Argo CD folder of a cluster whose CA is SOPS-encrypted resolves its
 * stage folders under kustomize's default load restrictions, with the KSOPS
 * generator naming files that exist. The builds of every folder of the output
 * are in test/conformance/kustomize-build.test.ts.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import { parse } from 'yaml';
import { clusterDeliveryFiles, stageLayout } from '../../lib/gitops/layout';
import { isSopsEncrypted } from '../../lib/secrets/sops';
import { ManifestName } from '../../lib/output/files';
import { renderMesh } from '../../lib/mesh-manifests';
import { objectsIn, STAGE_FOLDER } from '../conformance/rendered';
import { exampleInventory, meshOf, exampleSecrets } from '../support/inventory-fixture';
import { describeWithKubectl, kustomizeBuild, resourceId as idOf } from '../support/kubectl';

const build = (dir: string, ...flags: string[]) => objectsIn(kustomizeBuild(dir, ...flags), dir).map(idOf).sort();

describeWithKubectl('kubectl kustomize on the Argo CD folder', () => {
  it('resolves the stage folders from the Argo CD KSOPS folder (kubectl skips the exec generator itself)', () => {
    const mesh = meshOf(exampleInventory());
    const root = mkdtempSync(join(tmpdir(), 'mesh-ksops-'));
    try {
      const cluster = mesh.clusters[0];
      // The cluster's manifests as rendered, each under its construct's name.
      const manifests = renderMesh(mesh, exampleSecrets())
        .filter((f) => f.path.split('/').length === 3 && f.path.startsWith(`${cluster.name}/`) && STAGE_FOLDER.test(f.path.split('/')[1]) && !f.path.endsWith('/kustomization.yaml'))
        .map((f) => ({ name: f.path.split('/')[2].replace(/\.yaml$/, '') as ManifestName, content: f.content }));
      const plainManifests = manifests.filter((m) => !isSopsEncrypted(m.content));
      const layout = stageLayout(cluster.name, [{ name: 'mesh-ca-secret', content: 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: cilium-mesh-ca\n  namespace: kube-system\nsops:\n  version: 3.9.0\n' }, ...plainManifests]);
      for (const f of [...layout.files, ...clusterDeliveryFiles(mesh, exampleSecrets(), cluster, layout)]) {
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
