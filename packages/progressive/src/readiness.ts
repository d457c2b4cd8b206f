/**
 * Whether a Deployment has rolled out, with Flagger's rules: the controller has seen the latest
 * generation, every replica is updated, no old replica is left, enough are available (the ready
 * threshold, a percentage), and the progress deadline has not passed.
 */
import type { Readiness } from './advance.js';

/** A Deployment status condition, as readiness reads it. */
export interface DeploymentCondition {
  readonly type?: string;
  readonly status?: string;
  readonly reason?: string;
  readonly lastUpdateTime?: string | Date;
}
/** The fields of a Deployment that readiness reads (any apps/v1 Deployment fits). */
export interface DeploymentLike {
  readonly metadata?: { readonly name?: string; readonly generation?: number };
  readonly spec?: { readonly replicas?: number };
  readonly status?: { readonly observedGeneration?: number; readonly updatedReplicas?: number; readonly replicas?: number; readonly availableReplicas?: number; readonly conditions?: readonly DeploymentCondition[] };
}

/**
 * Flagger's `isDeploymentReady`.
 *
 * @param deadlineSeconds - the Canary's `progressDeadlineSeconds` (Flagger's default 600).
 * @param readyThreshold - the percentage of updated replicas that must be available (default 100).
 * @remarks Pure. `retriable: false` means the rollout is stuck past the deadline: roll back.
 */
export function deploymentReadiness(deployment: DeploymentLike, deadlineSeconds: number, readyThreshold: number, now: Date): Readiness {
  const status = deployment.status ?? {};
  if ((deployment.metadata?.generation ?? 0) > (status.observedGeneration ?? 0)) {
    return { ready: false, retriable: true, message: 'waiting for rollout to finish: observed deployment generation less than desired generation' };
  }
  const conditions = status.conditions ?? [];
  const progressing = conditions.find((condition) => condition.type === 'Progressing');
  let retriable = true;
  if (progressing) {
    const available = conditions.find((condition) => condition.type === 'Available');
    if (available && available.status === 'False' && available.reason === 'MinimumReplicasUnavailable' && available.lastUpdateTime) {
      retriable = new Date(available.lastUpdateTime).getTime() + deadlineSeconds * 1000 >= now.getTime();
    }
  }
  const updated = status.updatedReplicas ?? 0;
  const wanted = deployment.spec?.replicas;
  const threshold = Math.trunc(updated * (readyThreshold / 100));
  if (progressing?.reason === 'ProgressDeadlineExceeded') return { ready: false, retriable: false, message: `deployment "${deployment.metadata?.name}" exceeded its progress deadline` };
  if (wanted !== undefined && updated < wanted) return { ready: false, retriable, message: `waiting for rollout to finish: ${updated} out of ${wanted} new replicas have been updated` };
  if ((status.replicas ?? 0) > updated) return { ready: false, retriable, message: `waiting for rollout to finish: ${(status.replicas ?? 0) - updated} old replicas are pending termination` };
  if ((status.availableReplicas ?? 0) < threshold) return { ready: false, retriable, message: `waiting for rollout to finish: ${status.availableReplicas ?? 0} of ${threshold} (readyThreshold ${readyThreshold}%) updated replicas are available` };
  return { ready: true };
}
