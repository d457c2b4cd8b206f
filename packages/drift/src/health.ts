import type { KubeObject } from '@weft/reconcile-core';

/** An object's health, as kstatus computes it: `healthy` (Current), `progressing` (InProgress), `failed`, `terminating`, or `missing`. */
export type HealthStatus = 'healthy' | 'progressing' | 'failed' | 'terminating' | 'missing';

/** An object's health and why. */
export interface Health {
  readonly status: HealthStatus;
  readonly reason: string;
}

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  observedGeneration?: number;
}

/**
 * The health of one live object, with kstatus's rules.
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
 *   (kstatus calls a running Job Current; Weft waits for completion).
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
 *
 * objectHealth(await client.get(webRef)); // in memory nothing rolls out: { status: 'progressing', reason: … }
 * ```
 */
export function objectHealth(object: KubeObject | undefined): Health {
  if (!object) return { status: 'missing', reason: 'not found' };
  if (object.metadata.deletionTimestamp) return { status: 'terminating', reason: 'being deleted' };
  const status = (object['status'] ?? {}) as Record<string, unknown>;
  const generation = object.metadata.generation;
  const observed = status['observedGeneration'];
  if (typeof generation === 'number' && typeof observed === 'number' && observed < generation) {
    return { status: 'progressing', reason: `observed generation ${observed} of ${generation}` };
  }
  const group = object.apiVersion.includes('/') ? object.apiVersion.slice(0, object.apiVersion.indexOf('/')) : '';
  const builtIn = `${group}/${object.kind}`;
  switch (builtIn) {
    case 'apps/Deployment':
      return deploymentHealth(object, status);
    case 'apps/StatefulSet':
      return statefulSetHealth(object, status);
    case 'apps/DaemonSet':
      return daemonSetHealth(status);
    case 'batch/Job':
      return jobHealth(status);
    case '/Service':
      return serviceHealth(object, status);
    case '/PersistentVolumeClaim':
      return claimHealth(status);
    case '/Pod':
      return podHealth(status);
    default:
      return conditionHealth(object, status);
  }
}

function count(status: Record<string, unknown>, field: string): number {
  const value = status[field];
  return typeof value === 'number' ? value : 0;
}

function conditionsOf(status: Record<string, unknown>): Condition[] {
  return Array.isArray(status['conditions']) ? (status['conditions'] as Condition[]) : [];
}

function condition(status: Record<string, unknown>, type: string): Condition | undefined {
  return conditionsOf(status).find((item) => item.type === type);
}

function specReplicas(object: KubeObject): number {
  const replicas = (object['spec'] as { replicas?: number } | undefined)?.replicas;
  return typeof replicas === 'number' ? replicas : 1;
}

function deploymentHealth(object: KubeObject, status: Record<string, unknown>): Health {
  if (status['observedGeneration'] === undefined) return { status: 'progressing', reason: 'not observed by its controller yet' };
  const progressing = condition(status, 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') return { status: 'failed', reason: `progress deadline exceeded: ${progressing.message ?? ''}`.trim() };
  const wanted = specReplicas(object);
  const updated = count(status, 'updatedReplicas');
  const total = count(status, 'replicas');
  const ready = count(status, 'readyReplicas');
  const available = count(status, 'availableReplicas');
  if (updated < wanted) return { status: 'progressing', reason: `Updated: ${updated}/${wanted}` };
  if (total > updated) return { status: 'progressing', reason: `Pending termination: ${total - updated}` };
  if (available < updated) return { status: 'progressing', reason: `Available: ${available}/${updated}` };
  if (ready < wanted) return { status: 'progressing', reason: `Ready: ${ready}/${wanted}` };
  return { status: 'healthy', reason: `Deployment is available. Replicas: ${total}` };
}

function statefulSetHealth(object: KubeObject, status: Record<string, unknown>): Health {
  if (status['observedGeneration'] === undefined) return { status: 'progressing', reason: 'not observed by its controller yet' };
  const spec = (object['spec'] ?? {}) as { updateStrategy?: { type?: string; rollingUpdate?: { partition?: number } } };
  if (spec.updateStrategy?.type === 'OnDelete') return { status: 'healthy', reason: 'OnDelete update strategy' };
  const wanted = specReplicas(object);
  const ready = count(status, 'readyReplicas');
  const current = count(status, 'currentReplicas');
  const updated = count(status, 'updatedReplicas');
  const partition = spec.updateStrategy?.rollingUpdate?.partition ?? 0;
  if (count(status, 'replicas') < wanted) return { status: 'progressing', reason: `Replicas: ${count(status, 'replicas')}/${wanted}` };
  if (ready < wanted) return { status: 'progressing', reason: `Ready: ${ready}/${wanted}` };
  if (partition > 0) {
    const target = Math.max(0, wanted - partition);
    return updated < target ? { status: 'progressing', reason: `Partitioned roll out: ${updated}/${target}` } : { status: 'healthy', reason: `Partitioned roll out complete: ${updated}/${target}` };
  }
  if (status['currentRevision'] !== status['updateRevision']) return { status: 'progressing', reason: `Waiting for updated replicas: ${updated}/${wanted}` };
  if (current < wanted) return { status: 'progressing', reason: `Current: ${current}/${wanted}` };
  return { status: 'healthy', reason: `All replicas scheduled as expected. Replicas: ${ready}` };
}

function daemonSetHealth(status: Record<string, unknown>): Health {
  if (status['observedGeneration'] === undefined) return { status: 'progressing', reason: 'not observed by its controller yet' };
  const desired = count(status, 'desiredNumberScheduled');
  for (const [field, label] of [
    ['currentNumberScheduled', 'Scheduled'],
    ['updatedNumberScheduled', 'Updated'],
    ['numberAvailable', 'Available'],
    ['numberReady', 'Ready'],
  ] as const) {
    if (count(status, field) < desired) return { status: 'progressing', reason: `${label}: ${count(status, field)}/${desired}` };
  }
  return { status: 'healthy', reason: `All replicas scheduled as expected. Replicas: ${desired}` };
}

function jobHealth(status: Record<string, unknown>): Health {
  const failed = condition(status, 'Failed');
  if (failed?.status === 'True') return { status: 'failed', reason: `Job failed: ${failed.reason ?? ''} ${failed.message ?? ''}`.trim() };
  if (condition(status, 'Complete')?.status === 'True') return { status: 'healthy', reason: `Job completed. succeeded: ${count(status, 'succeeded')}` };
  return { status: 'progressing', reason: `Job in progress. active: ${count(status, 'active')}, succeeded: ${count(status, 'succeeded')}, failed: ${count(status, 'failed')}` };
}

function serviceHealth(object: KubeObject, status: Record<string, unknown>): Health {
  const spec = (object['spec'] ?? {}) as { type?: string; clusterIP?: string };
  if (spec.type === 'LoadBalancer') {
    const ingress = (status['loadBalancer'] as { ingress?: unknown[] } | undefined)?.ingress ?? [];
    return ingress.length > 0 ? { status: 'healthy', reason: 'load balancer has an ingress' } : { status: 'progressing', reason: 'waiting for a load balancer ingress' };
  }
  return { status: 'healthy', reason: `Service is ready${spec.clusterIP ? ` (${spec.clusterIP})` : ''}` };
}

function claimHealth(status: Record<string, unknown>): Health {
  const phase = status['phase'];
  if (phase === 'Bound') return { status: 'healthy', reason: 'PVC is Bound' };
  if (phase === 'Lost') return { status: 'failed', reason: 'PVC lost its volume' };
  return { status: 'progressing', reason: `PVC is ${typeof phase === 'string' ? phase : 'not bound'}` };
}

function podHealth(status: Record<string, unknown>): Health {
  const phase = status['phase'];
  if (phase === 'Succeeded') return { status: 'healthy', reason: 'Pod has completed successfully' };
  if (phase === 'Failed') return { status: 'failed', reason: `Pod failed: ${String(status['reason'] ?? '')} ${String(status['message'] ?? '')}`.trim() };
  if (condition(status, 'Ready')?.status === 'True') return { status: 'healthy', reason: 'Pod is Ready' };
  return { status: 'progressing', reason: `Pod is ${typeof phase === 'string' ? phase : 'pending'} and not Ready` };
}

function conditionHealth(object: KubeObject, status: Record<string, unknown>): Health {
  const stalled = condition(status, 'Stalled');
  if (stalled?.status === 'True') return { status: 'failed', reason: `${stalled.reason ?? 'Stalled'}: ${stalled.message ?? ''}`.trim() };
  const reconciling = condition(status, 'Reconciling');
  if (reconciling?.status === 'True') return { status: 'progressing', reason: `${reconciling.reason ?? 'Reconciling'}: ${reconciling.message ?? ''}`.trim() };
  const ready = condition(status, 'Ready');
  if (!ready) return { status: 'healthy', reason: conditionsOf(status).length === 0 ? 'no status conditions' : 'no Ready condition' };
  const generation = object.metadata.generation;
  if (typeof generation === 'number' && typeof ready.observedGeneration === 'number' && ready.observedGeneration < generation) {
    return { status: 'progressing', reason: `Ready condition observed generation ${ready.observedGeneration} of ${generation}` };
  }
  if (ready.status === 'True') return { status: 'healthy', reason: `${ready.reason ?? 'Ready'}: ${ready.message ?? ''}`.trim() };
  return { status: 'progressing', reason: `${ready.reason ?? 'NotReady'}: ${ready.message ?? ''}`.trim() };
}
