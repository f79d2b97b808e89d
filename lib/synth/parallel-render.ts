/**
 * Renders a large mesh on every core: clusters render independently (no
 * construct tree spans two), so worker threads and this one take them one at
 * a time from a shared counter until none is left. Each thread scans and
 * stages the files it renders (lib/synth/stage-cluster.ts), so no file crosses
 * threads; the results come back in mesh order, and the tree is the one
 * rendering on one thread gives.
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

/** What the render threads share: the clusters to render, where to stage their files, and the counter they take them by. */
export interface RenderTask {
  readonly mesh: Mesh;
  readonly secrets: CommittedSecrets;
  /** Every cluster to render, by every thread. */
  readonly clusterNames: readonly string[];
  readonly staging: Staging;
  /**
   * The index of the next cluster nobody took yet, shared by the threads
   * (each takes one at a time), so that they all finish together whatever
   * each cluster costs; a failing thread sets it past the end to stop the others.
   */
  readonly next: Int32Array;
}

/** A cluster as one thread rendered it, with its place in the task. */
export interface TakenCluster {
  readonly index: number;
  readonly cluster: StagedCluster;
}

/** A worker's answer: its clusters, or why it failed (a FileSystemError keeps its parts across the thread). */
export type RenderReply =
  | { readonly clusters: TakenCluster[] }
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
  private readonly workers: PoolWorker[];

  constructor(private readonly options: ParallelRenderOptions) {
    const threads = options.workers ?? availableParallelism();
    this.workers = Array.from({ length: Math.max(0, threads - 1) }, () => new PoolWorker(options.workerScript));
  }

  /**
   * Renders and stages the clusters, the workers and this thread taking them
   * one at a time; the results in the clusters' order. Every worker has finished (or failed) before
   * this returns or throws, so a failure can discard the staging folder
   * without a worker still writing into it.
   */
  async render(mesh: Mesh, secrets: CommittedSecrets, clusters: readonly Cluster[], staging: Staging): Promise<StagedCluster[]> {
    const threads = Math.min(this.workers.length + 1, clusters.length);
    if (threads < 2 || clusters.length < (this.options.minClusters ?? DEFAULT_MIN_CLUSTERS)) {
      return clusters.map((cluster) => renderAndStage(mesh, secrets, cluster, staging));
    }
    const task: RenderTask = { mesh, secrets, clusterNames: clusters.map((c) => c.name), staging, next: new Int32Array(new SharedArrayBuffer(4)) };
    const pending = this.workers.slice(0, threads - 1).map((worker) => worker.run(task));
    let own: TakenCluster[] = [];
    let ownFailure: unknown;
    try {
      own = takeClusters(task);
    } catch (err) {
      ownFailure = err;
    }
    const settled = await Promise.allSettled(pending);
    if (ownFailure !== undefined) throw ownFailure;
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    const taken = [...settled.flatMap((s) => (s.status === 'fulfilled' ? s.value : [])), ...own];
    return taken.sort((a, b) => a.index - b.index).map((t) => t.cluster);
  }

  /** Stops the workers that got no task (those that did have ended). */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.stop()));
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

  async run(task: RenderTask): Promise<TakenCluster[]> {
    this.sent = true;
    this.worker.postMessage(task);
    let reply: RenderReply;
    try {
      reply = await this.reply;
    } catch (err) {
      throw new Error(`a render worker failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    if ('clusters' in reply) return reply.clusters;
    if ('fileSystemError' in reply) {
      const { path, problem, fix, code } = reply.fileSystemError;
      throw new FileSystemError(path, problem, fix, code);
    }
    throw new Error(`a render worker failed: ${reply.error}`);
  }

  async stop(): Promise<void> {
    if (!this.sent) await this.worker.terminate();
  }
}

/**
 * Takes clusters of the task one at a time until none is left, rendering and
 * staging each; on a failure, stops the other threads taking more.
 */
export function takeClusters(task: RenderTask): TakenCluster[] {
  const byName = new Map(task.mesh.clusters.map((c) => [c.name, c]));
  const taken: TakenCluster[] = [];
  try {
    for (let index = Atomics.add(task.next, 0, 1); index < task.clusterNames.length; index = Atomics.add(task.next, 0, 1)) {
      taken.push({ index, cluster: renderAndStage(task.mesh, task.secrets, byName.get(task.clusterNames[index])!, task.staging) });
    }
  } catch (err) {
    Atomics.store(task.next, 0, task.clusterNames.length);
    throw err;
  }
  return taken;
}

/** The worker's side: takes clusters until none is left, and answers once. */
export function runRenderTask(task: RenderTask): RenderReply {
  try {
    return { clusters: takeClusters(task) };
  } catch (err) {
    if (err instanceof FileSystemError) return { fileSystemError: { path: err.path, problem: err.problem, fix: err.fix, code: err.code } };
    return { error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
  }
}
