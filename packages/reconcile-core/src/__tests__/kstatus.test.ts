import { describe, expect, it } from 'vitest';
import { computeStatus } from '../lifecycle/kstatus.js';

const object = (apiVersion: string, kind: string, spec: unknown, status: unknown, generation = 1) => ({ apiVersion, kind, metadata: { name: 'x', namespace: 'ns', generation }, spec, status });

describe('computeStatus', () => {
  it('no object, deletion and an unobserved generation come first', () => {
    expect(computeStatus(undefined)).toEqual({ status: 'NotFound', message: 'not found' });
    expect(computeStatus({ ...object('apps/v1', 'Deployment', {}, {}), metadata: { generation: 1, deletionTimestamp: '2026-01-01T00:00:00Z' } }).status).toBe('Terminating');
    expect(computeStatus(object('apps/v1', 'Deployment', {}, { observedGeneration: 1 }, 2))).toEqual({ status: 'InProgress', message: 'observed generation 1 of 2' });
  });

  it('Deployments: replicas updated, available and ready; a progress deadline is Failed', () => {
    const spec = { replicas: 3 };
    expect(computeStatus(object('apps/v1', 'Deployment', spec, {}))).toEqual({ status: 'InProgress', message: 'not observed by its controller yet' });
    expect(computeStatus(object('apps/v1', 'Deployment', spec, { observedGeneration: 1, replicas: 3, updatedReplicas: 2 }))).toEqual({ status: 'InProgress', message: 'Updated: 2/3' });
    expect(computeStatus(object('apps/v1', 'Deployment', spec, { observedGeneration: 1, replicas: 4, updatedReplicas: 3 }))).toEqual({ status: 'InProgress', message: 'Pending termination: 1' });
    expect(computeStatus(object('apps/v1', 'Deployment', spec, { observedGeneration: 1, replicas: 3, updatedReplicas: 3, availableReplicas: 1, readyReplicas: 3 }))).toEqual({ status: 'InProgress', message: 'Available: 1/3' });
    expect(computeStatus(object('apps/v1', 'Deployment', spec, { observedGeneration: 1, replicas: 3, updatedReplicas: 3, availableReplicas: 3, readyReplicas: 3 }))).toEqual({ status: 'Current', message: 'Deployment is available. Replicas: 3' });
    expect(computeStatus(object('apps/v1', 'Deployment', spec, { observedGeneration: 1, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'took too long' }] }))).toEqual({ status: 'Failed', message: 'progress deadline exceeded: took too long' });
  });

  it('StatefulSets, DaemonSets, Jobs, Services, claims and Pods', () => {
    expect(computeStatus(object('apps/v1', 'StatefulSet', { replicas: 2 }, { observedGeneration: 1, replicas: 2, readyReplicas: 2, currentReplicas: 2, updatedReplicas: 2, currentRevision: 'a', updateRevision: 'a' })).status).toBe('Current');
    expect(computeStatus(object('apps/v1', 'StatefulSet', { replicas: 2 }, { observedGeneration: 1, replicas: 2, readyReplicas: 2, currentRevision: 'a', updateRevision: 'b', updatedReplicas: 1 })).status).toBe('InProgress');
    expect(computeStatus(object('apps/v1', 'DaemonSet', {}, { observedGeneration: 1, desiredNumberScheduled: 3, currentNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 2, numberReady: 3 }))).toEqual({ status: 'InProgress', message: 'Available: 2/3' });
    expect(computeStatus(object('batch/v1', 'Job', {}, { conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }] }))).toEqual({ status: 'Failed', message: 'Job failed: BackoffLimitExceeded' });
    expect(computeStatus(object('batch/v1', 'Job', {}, { conditions: [{ type: 'Complete', status: 'True' }], succeeded: 1 })).status).toBe('Current');
    // As kstatus: a started Job is Current while it runs; one not started yet is InProgress.
    expect(computeStatus(object('batch/v1', 'Job', {}, { startTime: '2026-01-01T00:00:00Z', active: 1 })).status).toBe('Current');
    expect(computeStatus(object('batch/v1', 'Job', {}, {}))).toEqual({ status: 'InProgress', message: 'Job not started' });
    expect(computeStatus(object('v1', 'Service', { type: 'LoadBalancer' }, {})).status).toBe('InProgress');
    expect(computeStatus(object('v1', 'Service', { type: 'ClusterIP', clusterIP: '10.0.0.1' }, {}))).toEqual({ status: 'Current', message: 'Service is ready (10.0.0.1)' });
    expect(computeStatus(object('v1', 'PersistentVolumeClaim', {}, { phase: 'Pending' })).status).toBe('InProgress');
    expect(computeStatus(object('v1', 'PersistentVolumeClaim', {}, { phase: 'Bound' })).status).toBe('Current');
    expect(computeStatus(object('v1', 'PersistentVolumeClaim', {}, { phase: 'Lost' })).status).toBe('Failed');
    expect(computeStatus(object('v1', 'Pod', {}, { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] })).status).toBe('Current');
    expect(computeStatus(object('v1', 'Pod', {}, { phase: 'Failed', reason: 'Evicted' }))).toEqual({ status: 'Failed', message: 'Pod failed: Evicted' });
  });

  it('custom resources by their kstatus conditions: Stalled, Reconciling, Ready and its observedGeneration', () => {
    const ready = (status: string, observedGeneration = 2) => ({ conditions: [{ type: 'Ready', status, reason: 'R', message: 'm', observedGeneration }] });
    expect(computeStatus(object('example.com/v1', 'Widget', {}, ready('True'), 2))).toEqual({ status: 'Current', message: 'R: m' });
    expect(computeStatus(object('example.com/v1', 'Widget', {}, ready('True', 1), 2))).toEqual({ status: 'InProgress', message: 'Ready condition observed generation 1 of 2' });
    expect(computeStatus(object('example.com/v1', 'Widget', {}, ready('False'), 2)).status).toBe('InProgress');
    expect(computeStatus(object('example.com/v1', 'Widget', {}, { conditions: [{ type: 'Stalled', status: 'True', reason: 'BadSpec', message: 'no' }] }))).toEqual({ status: 'Failed', message: 'BadSpec: no' });
    expect(computeStatus(object('example.com/v1', 'Widget', {}, { conditions: [{ type: 'Reconciling', status: 'True', reason: 'Progressing', message: 'working' }] }))).toEqual({ status: 'InProgress', message: 'Progressing: working' });
    expect(computeStatus(object('v1', 'ConfigMap', undefined, undefined))).toEqual({ status: 'Current', message: 'no status conditions' });
  });
});
