/**
 * The renderer, loaded on first use: cdk8s, cdk8s-plus and every construct
 * are most of the bundle, and a synth with nothing to render (the common
 * re-run) never needs them.
 */
import type * as MeshManifests from '../mesh-manifests';
import type * as StageCluster from './stage-cluster';

export const renderAndStage: typeof StageCluster.renderAndStage = (...args) => (require('./stage-cluster') as typeof StageCluster).renderAndStage(...args);

export const meshWideFiles: typeof MeshManifests.meshWideFiles = (...args) => (require('../mesh-manifests') as typeof MeshManifests).meshWideFiles(...args);
