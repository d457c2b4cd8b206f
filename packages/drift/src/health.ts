import { computeStatus, getCondition, type Condition, type KStatus, type KubeObject } from '@weft/reconcile-core';

/** An object's health, as kstatus computes it: `healthy` (Current), `progressing` (InProgress), `failed`, `terminating`, or `missing`. */
export type HealthStatus = 'healthy' | 'progressing' | 'failed' | 'terminating' | 'missing';

/** An object's health and why. */
export interface Health {
  readonly status: HealthStatus;
  readonly reason: string;
}

const healthOf: Readonly<Record<KStatus, HealthStatus>> = { Current: 'healthy', InProgress: 'progressing', Failed: 'failed', Terminating: 'terminating', NotFound: 'missing' };

/**
 * The health of one live object: reconcile-core's `computeStatus` (kstatus's rules), in drift's
 * words, with one rule of drift's own: a Job is healthy only once it completed.
 *
 * @remarks
 * - Any object being deleted is `terminating`; any whose `status.observedGeneration` is behind
 *   `metadata.generation` is `progressing` (its controller has not seen the change yet).
 * - Deployment: `failed` on `ProgressDeadlineExceeded`; `progressing` until updated, ready and
 *   available replicas reach `spec.replicas` and no old replicas remain.
 * - StatefulSet: `progressing` until ready and updated replicas (above the partition) reach
 *   `spec.replicas` and `currentRevision` equals `updateRevision` (OnDelete: once observed).
 * - DaemonSet: `progressing` until scheduled, updated, ready and available pods reach `desiredNumberScheduled`.
 * - Job: `failed` on a `Failed` condition, `healthy` on `Complete`, else `progressing`
 *   (kstatus calls a running Job Current; Weft waits for completion, as Flux's health checks do).
 * - Service: `LoadBalancer` is `progressing` until it has an ingress; other types are `healthy`.
 * - PersistentVolumeClaim: `healthy` when `Bound`, `failed` when `Lost`, else `progressing`.
 * - Pod: `healthy` when Ready or Succeeded, `failed` when Failed.
 * - Anything else: `failed` when `Stalled=True`, `progressing` when `Reconciling=True` or `Ready`
 *   is not `True` (or its `observedGeneration` is behind), `healthy` when `Ready=True` or when it
 *   has no conditions at all (ConfigMaps, Secrets, …).
 * An object this function does not understand is judged by its conditions.
 * @example
 * ```ts
 * import { objectHealth } from '@weft/drift';
 * import { DeploymentKind } from '@weft/reconcile-core';
 *
 * objectHealth(await client.get(DeploymentKind, 'web', { namespace: 'shop' })); // in memory nothing rolls out: { status: 'progressing', reason: … }
 * ```
 */
export function objectHealth(object: KubeObject | undefined): Health {
  const { status, message } = computeStatus(object);
  if (object && isJob(object) && (status === 'Current' || status === 'InProgress')) return jobHealth(object);
  return { status: healthOf[status], reason: message };
}

function isJob(object: KubeObject): boolean {
  return object.kind === 'Job' && object.apiVersion.startsWith('batch/');
}

/** Runs after kstatus's own Job rule has ruled out Failed and Terminating: only completion is healthy. */
function jobHealth(object: KubeObject): Health {
  const status = (object['status'] ?? {}) as { conditions?: Condition[]; active?: number; succeeded?: number; failed?: number };
  const count = (value: number | undefined) => (typeof value === 'number' ? value : 0);
  if (getCondition(status.conditions ?? [], 'Complete')?.status === 'True') return { status: 'healthy', reason: `Job completed. succeeded: ${count(status.succeeded)}` };
  return { status: 'progressing', reason: `Job in progress. active: ${count(status.active)}, succeeded: ${count(status.succeeded)}, failed: ${count(status.failed)}` };
}
