/**
 * Argo CD's order of the stages: every object of a stage carries the stage's
 * sync wave on its own metadata (and nowhere deeper), the waves rise with the
 * stage order, the SOPS-encrypted CA stays byte for byte what git holds (its
 * wave is Argo CD's default, 0, the CA stage's), and `kubectl kustomize` keeps
 * the waves in what it builds.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import { syncWave, SYNC_WAVE_ANNOTATION } from '../../lib/gitops/sync-wave';
import { renderMesh } from '../../lib/mesh-manifests';
import { MANIFESTS, ManifestName } from '../../lib/output/files';
import { CA_STAGE, CILIUM_STAGE, MESH_STAGE, STAGES, WORKLOADS_STAGE } from '../../lib/output/stages';
import { isSopsEncrypted } from '../../lib/secrets/sops';
import { objectsIn, STAGE_FOLDER } from '../conformance/rendered';
import { exampleInventory, exampleSecrets, meshOf } from '../support/inventory-fixture';
import { describeWithKubectl, kustomizeBuild, resourceId } from '../support/kubectl';

const mesh = meshOf(exampleInventory());
const files = renderMesh(mesh, exampleSecrets());
/** The manifest files of the stage folders: cluster/stage/name.yaml. */
const manifests = files.filter((f) => {
  const [, stage, name] = f.path.split('/');
  return f.path.split('/').length === 3 && STAGE_FOLDER.test(stage) && name !== 'kustomization.yaml';
});
const stageOfFolder = (folder: string) => STAGES.find((s) => s.folder === folder)!;
const waveOf = (o: any): string | undefined => o.metadata?.annotations?.[SYNC_WAVE_ANNOTATION];

/** Paths (below the object) of every sync-wave annotation that is not on the object's own metadata. */
function nestedWaves(value: unknown, path: string[] = []): string[] {
  if (value === null || typeof value !== 'object') return [];
  const own = path.length === 2 && path[0] === 'metadata' && path[1] === 'annotations';
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => [
    ...(k === SYNC_WAVE_ANNOTATION && !own ? [[...path, k].join('.')] : []),
    ...nestedWaves(v, [...path, k]),
  ]);
}

describe('Argo CD sync waves', () => {
  it('rise strictly with the stage order, the CA stage in wave 0 (Argo CD\'s default)', () => {
    const waves = STAGES.map(syncWave);
    expect(waves[0]).toBe(0);
    waves.slice(1).forEach((w, i) => expect(w).toBeGreaterThan(waves[i]));
    expect(syncWave(CA_STAGE)).toBeLessThan(syncWave(CILIUM_STAGE));
    expect(syncWave(CILIUM_STAGE)).toBeLessThan(syncWave(MESH_STAGE));
    expect(syncWave(MESH_STAGE)).toBeLessThan(syncWave(WORKLOADS_STAGE));
  });

  it('are on every object of every stage, with the wave of its stage, on its own metadata only', () => {
    let objects = 0;
    for (const f of manifests) {
      const stage = stageOfFolder(f.path.split('/')[1]);
      expect(MANIFESTS[f.path.split('/')[2].replace(/\.yaml$/, '') as ManifestName].stage).toBe(stage);
      if (isSopsEncrypted(f.content)) continue;
      for (const o of objectsIn(f.content, f.path)) {
        objects++;
        expect({ object: `${f.path} ${resourceId(o)}`, wave: waveOf(o) }).toEqual({ object: `${f.path} ${resourceId(o)}`, wave: String(syncWave(stage)) });
        expect(nestedWaves(o)).toEqual([]);
      }
    }
    expect(objects).toBeGreaterThan(mesh.clusters.length * 4);
  });

  it('leave the SOPS-encrypted CA byte for byte as committed, in the CA stage, whose wave needs no annotation', () => {
    const { secrets } = mesh;
    if (secrets.provider !== 'sops') throw new Error('the example mesh keeps its CA in SOPS');
    const caFiles = manifests.filter((f) => isSopsEncrypted(f.content));
    expect(caFiles.map((f) => f.path.split('/').slice(1).join('/'))).toEqual(mesh.clusters.map(() => `${CA_STAGE.folder}/mesh-ca-secret.yaml`));
    for (const f of caFiles) {
      expect(f.content).toBe(exampleSecrets().meshCaText);
      expect(waveOf(objectsIn(f.content, f.path)[0])).toBeUndefined();
    }
    expect(syncWave(CA_STAGE)).toBe(0);
  });

  it('order the patch of Cilium\'s workload after the HelmChart that creates the workload', () => {
    const cluster = mesh.clusters[0].name;
    const objectsOf = (name: ManifestName) => files.filter((f) => f.path.startsWith(`${cluster}/`) && f.path.endsWith(`/${name}.yaml`)).flatMap((f) => objectsIn(f.content, f.path));
    const [chart] = objectsOf('cilium-helm-chart');
    const patches = objectsOf('host-aliases-patch');
    expect(patches.length).toBeGreaterThan(0);
    for (const patch of patches) expect(Number(waveOf(patch))).toBeGreaterThan(Number(waveOf(chart)));
  });
});

describeWithKubectl('kubectl kustomize keeps the sync waves', () => {
  it.each(mesh.clusters.map((c) => c.name))('%s: every built object has the wave of the stage that lists it', (cluster) => {
    const root = mkdtempSync(join(tmpdir(), 'mesh-waves-'));
    try {
      for (const f of files.filter((x) => x.path.startsWith(`${cluster}/`))) {
        mkdirSync(dirname(join(root, f.path)), { recursive: true });
        writeFileSync(join(root, f.path), f.content);
      }
      const expected = new Map<string, string | undefined>();
      for (const f of manifests.filter((x) => x.path.startsWith(`${cluster}/`))) {
        const wave = isSopsEncrypted(f.content) ? undefined : String(syncWave(stageOfFolder(f.path.split('/')[1])));
        for (const o of objectsIn(f.content, f.path)) expect(expected.has(resourceId(o))).toBe(false), expected.set(resourceId(o), wave);
      }
      const built = objectsIn(kustomizeBuild(join(root, cluster)), cluster);
      expect(built.map(resourceId).sort()).toEqual([...expected.keys()].sort());
      for (const o of built) expect([resourceId(o), waveOf(o)]).toEqual([resourceId(o), expected.get(resourceId(o))]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
