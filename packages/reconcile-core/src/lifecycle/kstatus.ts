import { getCondition, ReadyCondition, ReconcilingCondition, StalledCondition, type Condition } from './conditions.js';

/** kstatus' summary of an object. */
export type KStatus = 'Current' | 'InProgress' | 'Failed' | 'Terminating' | 'NotFound';

/** What {@link computeStatus} finds: the summary and why, as kstatus' `Result`. */
export interface KStatusResult {
  readonly status: KStatus;
  readonly message: string;
}

/** The fields of an object kstatus reads. */
export interface KStatusObject {
  readonly apiVersion?: string | undefined;
  readonly kind?: string | undefined;
  readonly metadata?: { readonly generation?: number | undefined; readonly deletionTimestamp?: unknown } | undefined;
  readonly spec?: unknown;
  readonly status?: unknown;
}

type Status = Record<string, unknown>;

/**
 * The kstatus of an object (sigs.k8s.io/cli-utils `kstatus.Compute`), with why: whether it has
 * reached the state its spec asks for.
 *
 * @remarks
 * - No object: `NotFound`. Being deleted: `Terminating`. `status.observedGeneration` behind
 *   `metadata.generation`: `InProgress` (its controller has not seen the change yet).
 * - Deployment: `Failed` on `ProgressDeadlineExceeded`; `InProgress` until updated, available
 *   and ready replicas reach `spec.replicas` and no old replica remains.
 * - StatefulSet: `InProgress` until ready and updated replicas (above the partition) reach
 *   `spec.replicas` and `currentRevision` is `updateRevision` (`OnDelete`: once observed).
 * - DaemonSet: `InProgress` until scheduled, updated, available and ready pods reach `desiredNumberScheduled`.
 * - Job: `Failed` with a `Failed` condition, `Current` when `Complete`; a started Job is `Current`
 *   while it runs, as in kstatus (wait for `Complete` yourself if you need the result).
 * - Service: `LoadBalancer` is `InProgress` until it has an ingress; other types are `Current`.
 * - PersistentVolumeClaim: `Current` when `Bound`, `Failed` when `Lost`. Pod: `Current` when
 *   `Ready` or `Succeeded`, `Failed` when `Failed`.
 * - Anything else, by its kstatus conditions: `Failed` when `Stalled=True`; `InProgress` when
 *   `Reconciling=True`, or when `Ready` is not `True` or was observed for an older generation;
 *   `Current` when `Ready=True`, or when it has no `Ready` condition (ConfigMaps, Secrets, …).
 * @example
 * ```ts
 * import { computeStatus, DeploymentKind } from '@weft/reconcile-core';
 * const { status, message } = computeStatus(await client.get(DeploymentKind, 'web', { namespace }));
 * if (status === 'Failed') console.error(message);
 * ```
 */
export function computeStatus(object: KStatusObject | undefined): KStatusResult {
  if (!object) return result('NotFound', 'not found');
  if (object.metadata?.deletionTimestamp) return result('Terminating', 'being deleted');
  const status = (typeof object.status === 'object' && object.status !== null ? object.status : {}) as Status;
  const generation = object.metadata?.generation;
  const observed = status['observedGeneration'];
  if (typeof generation === 'number' && typeof observed === 'number' && observed < generation) return result('InProgress', `observed generation ${observed} of ${generation}`);
  const apiVersion = object.apiVersion ?? '';
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  switch (`${group}/${object.kind ?? ''}`) {
    case 'apps/Deployment':
      return deploymentStatus(object, status);
    case 'apps/StatefulSet':
      return statefulSetStatus(object, status);
    case 'apps/DaemonSet':
      return daemonSetStatus(status);
    case 'batch/Job':
      return jobStatus(status);
    case '/Service':
      return serviceStatus(object, status);
    case '/PersistentVolumeClaim':
      return claimStatus(status);
    case '/Pod':
      return podStatus(status);
    default:
      return conditionStatus(object, status);
  }
}

function result(status: KStatus, message: string): KStatusResult {
  return { status, message };
}

function count(status: Status, field: string): number {
  const value = status[field];
  return typeof value === 'number' ? value : 0;
}

function conditionOf(status: Status, type: string): Partial<Condition> | undefined {
  return Array.isArray(status['conditions']) ? getCondition(status['conditions'] as Condition[], type) : undefined;
}

function specOf<S>(object: KStatusObject): Partial<S> {
  return (typeof object.spec === 'object' && object.spec !== null ? object.spec : {}) as Partial<S>;
}

function specReplicas(object: KStatusObject): number {
  const replicas = specOf<{ replicas: number }>(object).replicas;
  return typeof replicas === 'number' ? replicas : 1;
}

const notObserved = result('InProgress', 'not observed by its controller yet');

function deploymentStatus(object: KStatusObject, status: Status): KStatusResult {
  if (status['observedGeneration'] === undefined) return notObserved;
  const progressing = conditionOf(status, 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') return result('Failed', `progress deadline exceeded: ${progressing.message ?? ''}`.trim());
  const wanted = specReplicas(object);
  const updated = count(status, 'updatedReplicas');
  const total = count(status, 'replicas');
  const ready = count(status, 'readyReplicas');
  const available = count(status, 'availableReplicas');
  if (updated < wanted) return result('InProgress', `Updated: ${updated}/${wanted}`);
  if (total > updated) return result('InProgress', `Pending termination: ${total - updated}`);
  if (available < updated) return result('InProgress', `Available: ${available}/${updated}`);
  if (ready < wanted) return result('InProgress', `Ready: ${ready}/${wanted}`);
  return result('Current', `Deployment is available. Replicas: ${total}`);
}

function statefulSetStatus(object: KStatusObject, status: Status): KStatusResult {
  if (status['observedGeneration'] === undefined) return notObserved;
  const strategy = specOf<{ updateStrategy: { type?: string; rollingUpdate?: { partition?: number } } }>(object).updateStrategy;
  if (strategy?.type === 'OnDelete') return result('Current', 'OnDelete update strategy');
  const wanted = specReplicas(object);
  const ready = count(status, 'readyReplicas');
  const current = count(status, 'currentReplicas');
  const updated = count(status, 'updatedReplicas');
  const partition = strategy?.rollingUpdate?.partition ?? 0;
  if (count(status, 'replicas') < wanted) return result('InProgress', `Replicas: ${count(status, 'replicas')}/${wanted}`);
  if (ready < wanted) return result('InProgress', `Ready: ${ready}/${wanted}`);
  if (partition > 0) {
    const target = Math.max(0, wanted - partition);
    return updated < target ? result('InProgress', `Partitioned roll out: ${updated}/${target}`) : result('Current', `Partitioned roll out complete: ${updated}/${target}`);
  }
  if (status['currentRevision'] !== status['updateRevision']) return result('InProgress', `Waiting for updated replicas: ${updated}/${wanted}`);
  if (current < wanted) return result('InProgress', `Current: ${current}/${wanted}`);
  return result('Current', `All replicas scheduled as expected. Replicas: ${ready}`);
}

function daemonSetStatus(status: Status): KStatusResult {
  if (status['observedGeneration'] === undefined) return notObserved;
  const desired = count(status, 'desiredNumberScheduled');
  for (const [field, label] of [
    ['currentNumberScheduled', 'Scheduled'],
    ['updatedNumberScheduled', 'Updated'],
    ['numberAvailable', 'Available'],
    ['numberReady', 'Ready'],
  ] as const) {
    if (count(status, field) < desired) return result('InProgress', `${label}: ${count(status, field)}/${desired}`);
  }
  return result('Current', `All replicas scheduled as expected. Replicas: ${desired}`);
}

function jobStatus(status: Status): KStatusResult {
  const failed = conditionOf(status, 'Failed');
  if (failed?.status === 'True') return result('Failed', `Job failed: ${failed.reason ?? ''} ${failed.message ?? ''}`.trim());
  if (conditionOf(status, 'Complete')?.status === 'True') return result('Current', `Job completed. succeeded: ${count(status, 'succeeded')}`);
  if (status['startTime'] === undefined) return result('InProgress', 'Job not started');
  return result('Current', `Job in progress. active: ${count(status, 'active')}, succeeded: ${count(status, 'succeeded')}, failed: ${count(status, 'failed')}`);
}

function serviceStatus(object: KStatusObject, status: Status): KStatusResult {
  const spec = specOf<{ type: string; clusterIP: string }>(object);
  if (spec.type === 'LoadBalancer') {
    const ingress = (status['loadBalancer'] as { ingress?: unknown[] } | undefined)?.ingress ?? [];
    return ingress.length > 0 ? result('Current', 'load balancer has an ingress') : result('InProgress', 'waiting for a load balancer ingress');
  }
  return result('Current', `Service is ready${spec.clusterIP ? ` (${spec.clusterIP})` : ''}`);
}

function claimStatus(status: Status): KStatusResult {
  const phase = status['phase'];
  if (phase === 'Bound') return result('Current', 'PVC is Bound');
  if (phase === 'Lost') return result('Failed', 'PVC lost its volume');
  return result('InProgress', `PVC is ${typeof phase === 'string' ? phase : 'not bound'}`);
}

function podStatus(status: Status): KStatusResult {
  const phase = status['phase'];
  if (phase === 'Succeeded') return result('Current', 'Pod has completed successfully');
  if (phase === 'Failed') return result('Failed', `Pod failed: ${String(status['reason'] ?? '')} ${String(status['message'] ?? '')}`.trim());
  if (conditionOf(status, 'Ready')?.status === 'True') return result('Current', 'Pod is Ready');
  return result('InProgress', `Pod is ${typeof phase === 'string' ? phase : 'pending'} and not Ready`);
}

function conditionStatus(object: KStatusObject, status: Status): KStatusResult {
  const stalled = conditionOf(status, StalledCondition);
  if (stalled?.status === 'True') return result('Failed', `${stalled.reason ?? StalledCondition}: ${stalled.message ?? ''}`.trim());
  const reconciling = conditionOf(status, ReconcilingCondition);
  if (reconciling?.status === 'True') return result('InProgress', `${reconciling.reason ?? ReconcilingCondition}: ${reconciling.message ?? ''}`.trim());
  const ready = conditionOf(status, ReadyCondition);
  if (!ready) return result('Current', Array.isArray(status['conditions']) && status['conditions'].length > 0 ? 'no Ready condition' : 'no status conditions');
  const generation = object.metadata?.generation;
  if (typeof generation === 'number' && typeof ready.observedGeneration === 'number' && ready.observedGeneration < generation) {
    return result('InProgress', `Ready condition observed generation ${ready.observedGeneration} of ${generation}`);
  }
  if (ready.status === 'True') return result('Current', `${ready.reason ?? ReadyCondition}: ${ready.message ?? ''}`.trim());
  return result('InProgress', `${ready.reason ?? 'NotReady'}: ${ready.message ?? ''}`.trim());
}
