/**
 * Renders a large mesh on every core: clusters render independently (each in
 * its own cdk8s app), so contiguous slices of them go to worker threads and the
 * results are assembled in mesh order, giving the same bytes as renderMesh.
 */
import { availableParallelism } from 'os';
import { Worker } from 'worker_threads';
import { assembleMesh, RenderedCluster, renderClusterFiles, RenderedFile } from '../mesh-manifests';
import { CommittedSecrets } from '../model/committed-secrets';
import { Cluster, Mesh } from '../model/mesh';

/** What one worker renders. */
export interface RenderTask {
  readonly mesh: Mesh;
  readonly secrets: CommittedSecrets;
  readonly clusterNames: readonly string[];
}

export interface ParallelRenderOptions {
  /** The bundled worker entry (.build/render-worker.js). */
  readonly workerScript: string;
  /** @default the number of cores */
  readonly workers?: number;
  /**
   * Below this many clusters a worker's start-up (loading the bundle) costs
   * more than it saves, and the mesh renders on this thread. @default 48
   */
  readonly minClusters?: number;
}

export async function renderMeshInParallel(mesh: Mesh, secrets: CommittedSecrets, options: ParallelRenderOptions): Promise<RenderedFile[]> {
  return assembleMesh(mesh, secrets, await renderClustersInParallel(mesh, secrets, mesh.clusters, options));
}

/** Renders some clusters of the mesh (those whose inputs changed), in their order. */
export async function renderClustersInParallel(mesh: Mesh, secrets: CommittedSecrets, clusters: readonly Cluster[], options: ParallelRenderOptions): Promise<RenderedCluster[]> {
  const workers = Math.min(options.workers ?? availableParallelism(), clusters.length);
  if (workers < 2 || clusters.length < (options.minClusters ?? 48)) return clusters.map((cluster) => renderClusterFiles(mesh, secrets, cluster));
  const size = Math.ceil(clusters.length / workers);
  const slices = Array.from({ length: workers }, (_, w) => clusters.slice(w * size, (w + 1) * size).map((c) => c.name)).filter((names) => names.length > 0);
  const rendered = await Promise.all(slices.map((clusterNames) => runWorker(options.workerScript, { mesh, secrets, clusterNames })));
  return rendered.flat();
}

function runWorker(script: string, task: RenderTask): Promise<RenderedCluster[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(script, { workerData: task });
    let result: RenderedCluster[] | undefined;
    worker.once('message', (message: RenderedCluster[]) => (result = message));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (result && code === 0) resolve(result);
      else reject(new Error(`render worker for ${task.clusterNames[0]}.. exited with code ${code} before sending its clusters`));
    });
  });
}
