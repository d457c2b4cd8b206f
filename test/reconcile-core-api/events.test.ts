import { ConfigMapKind, EventKind, EventRecorder, KubeClient, NamespaceKind, type ObjectOf } from '@weft/reconcile-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { clusterKubeConfig, describeCluster, testNamespace } from '../support/cluster';

type ConfigMap = ObjectOf<typeof ConfigMapKind>;

describeCluster('EventRecorder against the real kube-apiserver', () => {
  let namespace: string;
  let client: KubeClient;

  beforeAll(async () => {
    namespace = await testNamespace('core-events');
    client = new KubeClient(clusterKubeConfig());
  });
  afterAll(() => client.close());

  it('writes events.k8s.io/v1 Events and aggregates repeats into one series', async () => {
    const subject = await client.create<ConfigMap>({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'subject', namespace }, data: {} });
    const errors: unknown[] = [];
    const recorder = new EventRecorder(client, { reportingController: 'weft.dev/test-controller', reportingInstance: 'replica-1', seriesFlushInterval: '100ms', onError: (error) => errors.push(error) });

    await recorder.publish(subject, { type: 'Warning', reason: 'ApplyFailed', action: 'Apply', note: 'first failure' });
    await Promise.all([1, 2, 3, 4].map((attempt) => recorder.publish(subject, { type: 'Warning', reason: 'ApplyFailed', action: 'Apply', note: `failure ${attempt}` })));
    await recorder.publish(subject, { type: 'Normal', reason: 'ReconciliationSucceeded', action: 'Reconcile', note: 'x'.repeat(2000) });
    await recorder.close();
    expect(errors).toEqual([]);

    const { items } = await client.listAll(EventKind, { namespace });
    const about = items.filter((event) => event.regarding.name === 'subject');
    expect(about).toHaveLength(2);
    const failed = about.find((event) => event.reason === 'ApplyFailed')!;
    expect(failed).toMatchObject({
      type: 'Warning',
      action: 'Apply',
      note: 'first failure',
      reportingController: 'weft.dev/test-controller',
      reportingInstance: 'replica-1',
      regarding: { apiVersion: 'v1', kind: 'ConfigMap', name: 'subject', namespace, uid: subject.metadata.uid },
    });
    expect(failed.series?.count).toBe(5);
    expect(Date.parse(failed.series!.lastObservedTime)).toBeGreaterThanOrEqual(Date.parse(failed.eventTime));
    const succeeded = about.find((event) => event.reason === 'ReconciliationSucceeded')!;
    expect(succeeded.series).toBeUndefined();
    expect(Buffer.byteLength(succeeded.note ?? '')).toBeLessThanOrEqual(1024);
  });

  it('puts events about cluster-scoped objects in the default namespace', async () => {
    const recorder = new EventRecorder(client, { reportingController: 'weft.dev/test-controller' });
    const ns = await client.get(NamespaceKind, namespace);
    await recorder.publish(ns, { type: 'Normal', reason: 'Observed', action: 'Watch' });
    const { items } = await client.listAll(EventKind, { namespace: 'default' });
    expect(items.some((event) => event.regarding.kind === 'Namespace' && event.regarding.name === namespace)).toBe(true);
  });

  it('reports a failed write to onError and never rejects', async () => {
    const errors: unknown[] = [];
    const recorder = new EventRecorder(client, { reportingController: 'weft.dev/test-controller', onError: (error) => errors.push(error) });
    await expect(recorder.publish({ group: '', version: 'v1', kind: 'ConfigMap', namespace: 'no-such-namespace-xyz', name: 'x' }, { type: 'Normal', reason: 'Test', action: 'Test' })).resolves.toBeUndefined();
    expect(errors).toHaveLength(1);
  });
});
