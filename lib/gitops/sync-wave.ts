/**
 * Argo CD has no dependsOn: within one Application it applies objects wave by
 * wave (annotation `argocd.argoproj.io/sync-wave`, lower first) and starts a
 * wave only once every object of the waves before it is synced and healthy
 * (Argo CD docs, user-guide/sync-waves). Each stage of lib/output/stages.ts is
 * one wave, so Argo CD applies the stages in the order Flux's dependsOn chain
 * does: the CA and Cilium before the mesh objects, the mesh before services
 * and policies, the verification kit last.
 *
 * Why waves on the objects of one Application per cluster, and not one
 * Application per stage ordered by waves in an app of apps: since Argo CD 1.8
 * an Application has no health of its own for its parent to wait on unless
 * argocd-cm restores the check (Argo CD docs, operator-manual/health, "Argocd
 * App"), so the waves of such a parent would not wait for anything.
 *
 * The CA stage is wave 0, the wave Argo CD gives an object without the
 * annotation ("Hooks and resources are assigned to wave zero by default"):
 * the SOPS-encrypted CA Secret is copied byte for byte, and an annotation added
 * to it would break its MAC, which covers the readable metadata too; it is in
 * its wave without one.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { Stage, STAGES } from '../output/stages';

export const SYNC_WAVE_ANNOTATION = 'argocd.argoproj.io/sync-wave';

/** The Argo CD sync wave of a stage: its position in the apply order, the CA stage 0. */
export function syncWave(stage: Stage): number {
  const wave = STAGES.indexOf(stage);
  if (wave < 0) throw new Error(`${stage.folder} is not a stage`);
  return wave;
}

/**
 * Puts the stage's wave on the metadata of every object under `scope`, and
 * nowhere else: not on pod templates (a changed template rolls the pods) nor
 * through kustomize commonAnnotations, which would also reach into them.
 */
export function addSyncWave(scope: Construct, stage: Stage): void {
  const wave = String(syncWave(stage));
  for (const child of scope.node.findAll()) {
    if (child instanceof ApiObject) child.metadata.addAnnotation(SYNC_WAVE_ANNOTATION, wave);
  }
}
