import { describe, expect, it } from 'vitest';
import { computeStatus, type KubeObject } from '@weft/reconcile-core';
import { objectHealth } from '../health.js';

function object(apiVersion: string, kind: string, spec: unknown, status: unknown, generation = 1): KubeObject {
  return { apiVersion, kind, metadata: { name: 'x', namespace: 'ns', generation }, spec, status } as KubeObject;
}

describe('objectHealth', () => {
  it('Deployment: progressing through a rollout, healthy when available, failed past its deadline', () => {
    const spec = { replicas: 3 };
    expect(objectHealth(object('apps/v1', 'Deployment', spec, {}))).toMatchObject({ status: 'progressing' });
    expect(objectHealth(object('apps/v1', 'Deployment', spec, { observedGeneration: 1, replicas: 3, updatedReplicas: 2 }))).toEqual({ status: 'progressing', reason: 'Updated: 2/3' });
    expect(objectHealth(object('apps/v1', 'Deployment', spec, { observedGeneration: 1, replicas: 4, updatedReplicas: 3 }))).toEqual({ status: 'progressing', reason: 'Pending termination: 1' });
    expect(objectHealth(object('apps/v1', 'Deployment', spec, { observedGeneration: 1, replicas: 3, updatedReplicas: 3, availableReplicas: 1, readyReplicas: 3 }))).toEqual({ status: 'progressing', reason: 'Available: 1/3' });
    expect(objectHealth(object('apps/v1', 'Deployment', spec, { observedGeneration: 1, replicas: 3, updatedReplicas: 3, availableReplicas: 3, readyReplicas: 3 })).status).toBe('healthy');
    expect(objectHealth(object('apps/v1', 'Deployment', spec, { observedGeneration: 1, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'took too long' }] }))).toEqual({ status: 'failed', reason: 'progress deadline exceeded: took too long' });
  });

  it('any kind: progressing while observedGeneration lags, terminating while deleted', () => {
    expect(objectHealth(object('apps/v1', 'Deployment', {}, { observedGeneration: 1 }, 2))).toEqual({ status: 'progressing', reason: 'observed generation 1 of 2' });
    const deleting = object('v1', 'ConfigMap', undefined, undefined);
    deleting.metadata.deletionTimestamp = new Date();
    expect(objectHealth(deleting).status).toBe('terminating');
    expect(objectHealth(undefined).status).toBe('missing');
  });

  it('StatefulSet, DaemonSet, Job, Service, PVC', () => {
    expect(objectHealth(object('apps/v1', 'StatefulSet', { replicas: 2 }, { observedGeneration: 1, replicas: 2, readyReplicas: 2, currentReplicas: 2, updatedReplicas: 2, currentRevision: 'a', updateRevision: 'a' })).status).toBe('healthy');
    expect(objectHealth(object('apps/v1', 'StatefulSet', { replicas: 2 }, { observedGeneration: 1, replicas: 2, readyReplicas: 2, currentRevision: 'a', updateRevision: 'b', updatedReplicas: 1 })).status).toBe('progressing');
    expect(objectHealth(object('apps/v1', 'DaemonSet', {}, { observedGeneration: 1, desiredNumberScheduled: 3, currentNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 2, numberReady: 3 }))).toEqual({ status: 'progressing', reason: 'Available: 2/3' });
    expect(objectHealth(object('batch/v1', 'Job', {}, { conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }] }))).toEqual({ status: 'failed', reason: 'Job failed: BackoffLimitExceeded' });
    expect(objectHealth(object('batch/v1', 'Job', {}, { conditions: [{ type: 'Complete', status: 'True' }], succeeded: 1 })).status).toBe('healthy');
    expect(objectHealth(object('batch/v1', 'Job', {}, { active: 1 })).status).toBe('progressing');
    // kstatus calls a started Job Current; drift waits for it to complete.
    const running = object('batch/v1', 'Job', {}, { startTime: '2026-12-03T10:00:00Z', active: 1 });
    expect(computeStatus(running).status).toBe('Current');
    expect(objectHealth(running)).toEqual({ status: 'progressing', reason: 'Job in progress. active: 1, succeeded: 0, failed: 0' });
    expect(objectHealth({ ...running, metadata: { ...running.metadata, deletionTimestamp: new Date('2026-12-03T10:01:00Z') } }).status).toBe('terminating');
    expect(objectHealth(object('v1', 'Service', { type: 'LoadBalancer' }, {})).status).toBe('progressing');
    expect(objectHealth(object('v1', 'Service', { type: 'ClusterIP', clusterIP: '10.0.0.1' }, {})).status).toBe('healthy');
    expect(objectHealth(object('v1', 'PersistentVolumeClaim', {}, { phase: 'Pending' })).status).toBe('progressing');
    expect(objectHealth(object('v1', 'PersistentVolumeClaim', {}, { phase: 'Bound' })).status).toBe('healthy');
    expect(objectHealth(object('v1', 'PersistentVolumeClaim', {}, { phase: 'Lost' })).status).toBe('failed');
  });

  it('custom resources: Ready with observedGeneration, Stalled, Reconciling', () => {
    const ready = (status: string, observedGeneration = 2) => ({ conditions: [{ type: 'Ready', status, reason: 'R', message: 'm', observedGeneration }] });
    expect(objectHealth(object('example.com/v1', 'Widget', {}, ready('True'), 2)).status).toBe('healthy');
    expect(objectHealth(object('example.com/v1', 'Widget', {}, ready('True', 1), 2))).toEqual({ status: 'progressing', reason: 'Ready condition observed generation 1 of 2' });
    expect(objectHealth(object('example.com/v1', 'Widget', {}, ready('False'), 2)).status).toBe('progressing');
    expect(objectHealth(object('example.com/v1', 'Widget', {}, { conditions: [{ type: 'Stalled', status: 'True', reason: 'BadSpec', message: 'no' }] }))).toEqual({ status: 'failed', reason: 'BadSpec: no' });
    expect(objectHealth(object('v1', 'ConfigMap', undefined, undefined)).status).toBe('healthy');
  });
});
