/**
 * Renders a large mesh on every core: clusters render independently (each in
 * its own cdk8s app), so contiguous slices of them go to worker threads and
 * one stays on this thread. Each thread scans and stages the files it renders
 * (lib/synth/stage-cluster.ts), so no file crosses threads; the results come
 * back in mesh order, and the tree is the one rendering on one thread gives.
 */
import { existsSync, readdirSync } from 'fs';
import { availableParallelism } from 'os';
import { Worker } from 'worker_threads';
import { FileSystemError } from '../fs/file-system-error';
import { CommittedSecrets } from '../model/committed-secrets';
import { Cluster, Mesh } from '../model/mesh';
import type { Staging } from './publish';
import { renderCachePath } from './render-cache';
import type { StagedCluster } from './stage-cluster';
import { renderAndStage } from './renderer';

/** What one worker renders, and where it stages the files. */
export interface RenderTask {
  readonly mesh: Mesh;
  readonly secrets: CommittedSecrets;
  readonly clusterNames: readonly string[];
  readonly staging: Staging;
}

/** A worker's answer: its clusters, or why it failed (a FileSystemError keeps its parts across the thread). */
export type RenderReply =
  | { readonly clusters: StagedCluster[] }
  | { readonly fileSystemError: { readonly path: string; readonly problem: string; readonly fix: string; readonly code?: string } }
  | { readonly error: string };

export interface ParallelRenderOptions {
  /** The bundled worker entry (.build/render-worker.js). */
  readonly workerScript: string;
  /** Threads that render, this one included. @default the number of cores */
  readonly workers?: number;
  /**
   * Below this many clusters a worker's start-up (loading the bundle) costs
   * more than it saves, and the mesh renders on this thread. @default 48
   */
  readonly minClusters?: number;
}

const DEFAULT_MIN_CLUSTERS = 48;

/**
 * Worker threads that render with this one. They start when the pool is made,
 * so they load the bundle while this thread loads the inventory, and each
 * renders one task; the workers of a pool that gets none are stopped by close().
 */
export class RenderPool {
  private readonly helpers: PoolWorker[];

  constructor(private readonly options: ParallelRenderOptions) {
    const threads = options.workers ?? availableParallelism();
    this.helpers = Array.from({ length: Math.max(0, threads - 1) }, () => new PoolWorker(options.workerScript));
  }

  /**
   * Renders and stages the clusters: contiguous slices to the workers, the
   * last one on this thread. Every worker has finished (or failed) before
   * this returns or throws, so a failure can discard the staging folder
   * without a worker still writing into it.
   */
  async render(mesh: Mesh, secrets: CommittedSecrets, clusters: readonly Cluster[], staging: Staging): Promise<StagedCluster[]> {
    const threads = Math.min(this.helpers.length + 1, clusters.length);
    if (threads < 2 || clusters.length < (this.options.minClusters ?? DEFAULT_MIN_CLUSTERS)) {
      return clusters.map((cluster) => renderAndStage(mesh, secrets, cluster, staging));
    }
    const size = Math.ceil(clusters.length / threads);
    const slices = Array.from({ length: threads }, (_, i) => clusters.slice(i * size, (i + 1) * size)).filter((slice) => slice.length > 0);
    const mine = slices.pop()!;
    const pending = slices.map((slice, i) => this.helpers[i].run({ mesh, secrets, clusterNames: slice.map((c) => c.name), staging }));
    let own: StagedCluster[] | undefined;
    let ownFailure: unknown;
    try {
      own = mine.map((cluster) => renderAndStage(mesh, secrets, cluster, staging));
    } catch (err) {
      ownFailure = err;
    }
    const settled = await Promise.allSettled(pending);
    if (ownFailure !== undefined) throw ownFailure;
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    return [...settled.flatMap((s) => (s.status === 'fulfilled' ? s.value : [])), ...own!];
  }

  /** Stops the workers that got no task (those that did have ended). */
  async close(): Promise<void> {
    await Promise.all(this.helpers.map((helper) => helper.stop()));
  }
}

/** Renders and stages some clusters of the mesh (those whose inputs changed) with a pool made for them; the results are in their order. */
export async function renderClustersInParallel(
  mesh: Mesh,
  secrets: CommittedSecrets,
  clusters: readonly Cluster[],
  staging: Staging,
  options: ParallelRenderOptions,
): Promise<StagedCluster[]> {
  if (clusters.length < (options.minClusters ?? DEFAULT_MIN_CLUSTERS)) return clusters.map((cluster) => renderAndStage(mesh, secrets, cluster, staging));
  const pool = new RenderPool(options);
  try {
    return await pool.render(mesh, secrets, clusters, staging);
  } finally {
    await pool.close();
  }
}

/**
 * Whether a synth is likely to render a mesh large enough for workers: one
 * with at least `minClusters` files in its inventory (one per cluster) and
 * no render cache beside the output (with one, most clusters are usually
 * reused). A guess made before loading, to start the workers early; a wrong
 * one costs little: idle workers are stopped, and a synth without a pool
 * renders through renderClustersInParallel.
 */
export function worthAPool(inventoryDir: string, outDir: string, options: Pick<ParallelRenderOptions, 'minClusters'> = {}): boolean {
  try {
    if (existsSync(renderCachePath(outDir))) return false;
    return readdirSync(inventoryDir).filter((name) => /\.ya?ml$/.test(name)).length > (options.minClusters ?? DEFAULT_MIN_CLUSTERS);
  } catch {
    return false;
  }
}

/** One worker thread, started at once, given one task later. */
class PoolWorker {
  private readonly worker: Worker;
  private readonly reply: Promise<RenderReply>;
  private sent = false;

  constructor(script: string) {
    this.worker = new Worker(script);
    this.reply = new Promise<RenderReply>((resolve, reject) => {
      let reply: RenderReply | undefined;
      this.worker.once('message', (message: RenderReply) => (reply = message));
      this.worker.once('error', reject);
      this.worker.once('exit', (code) => (reply && code === 0 ? resolve(reply) : reject(new Error(`exited with code ${code} before answering`))));
    });
    // A pool closed without a task stops its workers: that is no failure.
    this.reply.catch(() => undefined);
  }

  async run(task: RenderTask): Promise<StagedCluster[]> {
    this.sent = true;
    this.worker.postMessage(task);
    const first = task.clusterNames[0];
    let reply: RenderReply;
    try {
      reply = await this.reply;
    } catch (err) {
      throw new Error(`render worker for ${first}..: ${err instanceof Error ? err.message : String(err)}`);
    }
    if ('clusters' in reply) return reply.clusters;
    if ('fileSystemError' in reply) {
      const { path, problem, fix, code } = reply.fileSystemError;
      throw new FileSystemError(path, problem, fix, code);
    }
    throw new Error(`render worker for ${first}..: ${reply.error}`);
  }

  async stop(): Promise<void> {
    if (!this.sent) await this.worker.terminate();
  }
}

/** The worker's side: renders and stages its clusters, and answers once. */
export function runRenderTask(task: RenderTask): RenderReply {
  const wanted = new Set(task.clusterNames);
  try {
    return { clusters: task.mesh.clusters.filter((c) => wanted.has(c.name)).map((cluster) => renderAndStage(task.mesh, task.secrets, cluster, task.staging)) };
  } catch (err) {
    if (err instanceof FileSystemError) return { fileSystemError: { path: err.path, problem: err.problem, fix: err.fix, code: err.code } };
    return { error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
  }
}
