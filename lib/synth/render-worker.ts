/**
 * Worker thread entry (bundled as .build/render-worker.js): started early by
 * a RenderPool, it loads, waits for its one task, renders and stages those
 * clusters and answers with their paths and layouts.
 */
import { parentPort } from 'worker_threads';
import { RenderTask, runRenderTask } from './parallel-render';

parentPort!.once('message', (task: RenderTask) => parentPort!.postMessage(runRenderTask(task)));
