/**
 * Renders a large mesh on every core: clusters render independently (each in
 * its own cdk8s app), so contiguous slices of them go to worker threads and the
 * results are assembled in mesh order, giving the same bytes as renderMesh.
 */
import { availableParallelism } from 'os';
import { Worker } from 'worker_threads';
import { assembleMesh, RenderedCluster, RenderedFile, renderMesh } from '../mesh-manifests';
import { Mesh } from '../model/mesh';

/** What one worker renders. */
export interface RenderTask {
  readonly mesh: Mesh;
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

export async function renderMeshInParallel(mesh: Mesh, options: ParallelRenderOptions): Promise<RenderedFile[]> {
  const workers = Math.min(options.workers ?? availableParallelism(), mesh.clusters.length);
  if (workers < 2 || mesh.clusters.length < (options.minClusters ?? 48)) return renderMesh(mesh);
  const slices = Array.from({ length: workers }, (_, w) => {
    const size = Math.ceil(mesh.clusters.length / workers);
    return mesh.clusters.slice(w * size, (w + 1) * size).map((c) => c.name);
  }).filter((names) => names.length > 0);
  const rendered = await Promise.all(slices.map((clusterNames) => runWorker(options.workerScript, { mesh, clusterNames })));
  return assembleMesh(mesh, rendered.flat());
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
