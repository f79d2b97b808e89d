/**
 * One cluster from model to staged files: render it, scan its files for key
 * material in clear, and put them into the staging folder of the publish. The
 * same on the main thread and in a render worker, so the bytes and the checks
 * cannot depend on where a cluster rendered. What returns is small (paths and
 * the stage layout): the files themselves stay where they were rendered.
 */
import type { StageContent } from '../gitops/layout';
import { renderClusterFiles } from '../mesh-manifests';
import { CommittedSecrets } from '../model/committed-secrets';
import { Cluster, Mesh } from '../model/mesh';
import { ClearKeyFinding, findClearKeysInBytes } from './clear-key-scan';
import { Staging, stageFiles } from './publish';
import { FileStamp, stampFiles } from './render-cache';

export interface StagedCluster {
  readonly name: string;
  /** Its stages, which the mesh-wide entry points are rendered from. */
  readonly stages: readonly StageContent[];
  /** Its files, relative to the output folder. */
  readonly paths: readonly string[];
  /**
   * Its staged files' stamps, taken where they were staged: a publish moves
   * the staging folder as a whole, so they are the stamps in the output.
   */
  readonly stamps: readonly FileStamp[];
  /** Key material in clear in its files; when there is any, none of them was staged. */
  readonly findings: readonly ClearKeyFinding[];
  readonly written: number;
  readonly unchanged: number;
}

export function renderAndStage(mesh: Mesh, secrets: CommittedSecrets, cluster: Cluster, staging: Staging): StagedCluster {
  const { files: rendered, layout } = renderClusterFiles(mesh, secrets, cluster);
  // Encoded once: scanned and written as the same bytes.
  const files = rendered.map((file) => ({ path: file.path, content: Buffer.from(file.content, 'utf8') }));
  const findings = findClearKeysInBytes(files);
  const paths = files.map((f) => f.path);
  if (findings.length > 0) return { name: cluster.name, stages: layout.stages, paths, stamps: [], findings, written: 0, unchanged: 0 };
  const tally = stageFiles(staging, files);
  return { name: cluster.name, stages: layout.stages, paths, stamps: stampFiles(staging.next, paths), findings, ...tally };
}
