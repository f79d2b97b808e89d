/**
 * The Flux entry points validate against the upstream CRD schemas in schemas/ of ../shared or the
 * test-data cache, as rendered for the example and with a SOPS CA stage. The Argo CD ApplicationSet is
 * validated with every other object of dist/, in every case of the matrix
 * (test/conformance/schema-conformance.test.ts): its schema is the largest there is, slow to compile twice.
 */
import { renderMesh } from '../../lib/mesh-manifests';
import { clusterDeliveryFiles, stageLayout } from '../../lib/gitops/layout';
import { objectId, objectsIn } from '../conformance/rendered';
import { exampleInventory, meshOf, exampleSecrets } from '../support/inventory-fixture';
import { describeWithShared } from '../support/paths';
import { CRD_SCHEMA_DIR, validateKubeObject } from '../support/schema-validator';

const NEEDS = ['source.toolkit.fluxcd.io/gitrepository_v1.json', 'kustomize.toolkit.fluxcd.io/kustomization_v1.json'].map((f) => `${CRD_SCHEMA_DIR}/${f}`);

describeWithShared('GitOps entry points conform to the upstream schemas', NEEDS, () => {
  const mesh = meshOf(exampleInventory());
  const files = renderMesh(mesh, exampleSecrets()).filter((f) => f.path.endsWith('/flux-sync.yaml'));
  const sopsLayout = stageLayout('k3scl1', [
    { name: 'mesh-ca-secret', content: 'kind: Secret\nsops:\n  version: 3.9.0\n' },
    { name: 'cilium-helm-chart', content: 'kind: HelmChart\n' },
  ]);
  const sopsFlux = clusterDeliveryFiles(mesh, exampleSecrets(), mesh.clusters[0], sopsLayout).filter((f) => f.path.endsWith('/flux-sync.yaml'));

  it('renders a Flux entry point per cluster', () => {
    expect(files.map((f) => f.path).sort()).toEqual(mesh.clusters.map((c) => `${c.name}/flux/flux-sync.yaml`).sort());
  });

  it.each([...files, ...sopsFlux.map((f) => ({ ...f, path: `${f.path} (SOPS CA)` }))].map((f) => [f.path, f.content]))('%s', (path, content) => {
    const objects = objectsIn(content, path);
    expect(objects.length).toBeGreaterThan(0);
    const problems = objects.flatMap((o) => validateKubeObject(o).errors.map((e) => `${objectId(o)}: ${e}`));
    expect(problems).toEqual([]);
  });
});
