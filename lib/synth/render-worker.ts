/**
 * Worker thread entry (bundled as .build/render-worker.js): renders the
 * clusters it is given and sends their files back.
 */
import { parentPort, workerData } from 'worker_threads';
import { renderClusterFiles } from '../mesh-manifests';
import { RenderTask } from './parallel-render';

const { mesh, secrets, clusterNames } = workerData as RenderTask;
const wanted = new Set(clusterNames);
parentPort!.postMessage(mesh.clusters.filter((c) => wanted.has(c.name)).map((cluster) => renderClusterFiles(mesh, secrets, cluster)));
