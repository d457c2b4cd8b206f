import { afterAll, beforeAll, expect, it } from 'vitest';
import { CancelledError, KubeClient, type KubeObject } from '@weft/reconcile-core';
import { applySet, wait } from '@weft/drift';
import { clusterKubeConfig, describeCluster, testNamespace } from '../support/cluster';
import { deployment, service } from './drift-fixtures';

describeCluster('wait and health on a real control plane (controllers and kwok nodes)', () => {
  let namespace: string;
  let client: KubeClient;
  beforeAll(async () => {
    namespace = await testNamespace('drift-wait');
    client = new KubeClient(clusterKubeConfig());
  });
  afterAll(() => client.close());

  it('waits for a real rollout: Deployment, StatefulSet, DaemonSet, Job and Service become healthy', async () => {
    const labels = (app: string) => ({ selector: { matchLabels: { app } }, template: { metadata: { labels: { app } }, spec: { containers: [{ name: 'main', image: 'nginx:1.27' }] } } });
    const objects: KubeObject[] = [
      deployment(namespace, 'web', { replicas: 3 }),
      service(namespace, 'web'),
      { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace }, spec: { replicas: 2, serviceName: 'db', ...labels('db') } },
      { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace }, spec: labels('agent') },
      { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'once', namespace }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox:1' }] } } } },
    ];
    await applySet(client, objects);
    const result = await wait(client, objects, { timeout: 90_000 });
    expect(result.objects.map((item) => [item.subject, item.status])).toEqual([
      [`Deployment/${namespace}/web`, 'healthy'],
      [`Service/${namespace}/web`, 'healthy'],
      [`StatefulSet/${namespace}/db`, 'healthy'],
      [`DaemonSet/${namespace}/agent`, 'healthy'],
      [`Job/${namespace}/once`, 'healthy'],
    ]);
    expect(result).toMatchObject({ healthy: true, timedOut: false });
  });

  it('judges a custom resource by its Ready condition and observedGeneration', async () => {
    const group = `health-${namespace}.example.com`;
    const crd: KubeObject = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `gadgets.${group}` },
      spec: {
        group,
        scope: 'Namespaced',
        names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget' },
        versions: [{ name: 'v1', served: true, storage: true, subresources: { status: {} }, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
      },
    };
    const gadget: KubeObject = { apiVersion: `${group}/v1`, kind: 'Gadget', metadata: { name: 'g', namespace }, spec: { size: 1 } };
    try {
      await applySet(client, [crd, gadget]);
      const setReady = async (status: string, observedGeneration: number) =>
        client.patchStatus({ apiVersion: `${group}/v1`, kind: 'Gadget' }, 'g', { status: { observedGeneration, conditions: [{ type: 'Ready', status, reason: status === 'True' ? 'Succeeded' : 'Installing', message: 'm', observedGeneration, lastTransitionTime: new Date().toISOString() }] } } as never, { type: 'merge', namespace });
      await setReady('False', 1);
      expect((await wait(client, [gadget], { timeout: 1_000 })).progressing[0]).toMatchObject({ status: 'progressing', reason: 'Installing: m' });
      await setReady('True', 1);
      expect((await wait(client, [gadget], { timeout: 5_000 })).healthy).toBe(true);
      await applySet(client, [crd, { ...gadget, spec: { size: 2 } }]); // generation 2, not yet observed
      const stale = await wait(client, [gadget], { timeout: 1_000 });
      expect(stale.progressing[0]?.reason).toBe('observed generation 1 of 2');
    } finally {
      await client.delete({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition' }, `gadgets.${group}`);
    }
  });

  it('reports a rollout that cannot finish as failed, with the reason', async () => {
    const stuck = deployment(namespace, 'stuck', { replicas: 1 });
    const spec = stuck['spec'] as { progressDeadlineSeconds?: number; template: { spec: Record<string, unknown> } };
    spec.progressDeadlineSeconds = 2;
    spec.template.spec['nodeSelector'] = { 'weft.dev/no-such-node': 'true' };
    await applySet(client, [stuck]);
    const result = await wait(client, [stuck], { timeout: 60_000 });
    expect(result.healthy).toBe(false);
    expect(result.failed.map((item) => item.subject)).toEqual([`Deployment/${namespace}/stuck`]);
    expect(result.failed[0]!.reason).toMatch(/progress deadline exceeded/);
  });

  it('times out with the progressing objects named, and stops at once when cancelled', async () => {
    const pending = deployment(namespace, 'pending', { replicas: 1 });
    (pending['spec'] as { template: { spec: Record<string, unknown> } }).template.spec['nodeSelector'] = { 'weft.dev/no-such-node': 'true' };
    await applySet(client, [pending]);
    const timedOut = await wait(client, [pending], { timeout: 1_500 });
    expect(timedOut).toMatchObject({ healthy: false, timedOut: true });
    expect(timedOut.progressing[0]).toMatchObject({ subject: `Deployment/${namespace}/pending`, status: 'progressing' });

    const controller = new AbortController();
    const started = Date.now();
    const waiting = wait(client, [pending], { timeout: 60_000, signal: controller.signal });
    setTimeout(() => controller.abort(new Error('a newer revision arrived')), 300);
    await expect(waiting).rejects.toThrow(CancelledError);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
