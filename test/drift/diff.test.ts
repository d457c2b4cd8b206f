import { afterAll, beforeAll, expect, it } from 'vitest';
import { KubeClient, type KubeObject } from '@weft/reconcile-core';
import { applySet, diff, DriftObjectError } from '@weft/drift';
import { clusterKubeConfig, describeCluster, testNamespace } from '../support/cluster';
import { configMap, deployment, kubectl, liveObject, service } from './drift-fixtures';

describeCluster('diff on a real apiserver', () => {
  let namespace: string;
  let client: KubeClient;
  beforeAll(async () => {
    namespace = await testNamespace('drift-diff');
    client = new KubeClient(clusterKubeConfig());
  });
  afterAll(() => client.close());

  it('reports in sync, drifted (structured and unified) and missing; defaults are never drift', async () => {
    const objects = [deployment(namespace, 'web', { replicas: 2 }), service(namespace, 'web'), configMap(namespace, 'settings', { mode: 'a' })];
    await applySet(client, objects);
    const inSync = await diff(client, [...objects, configMap(namespace, 'absent', {})]);
    expect(inSync.map((entry) => entry.status)).toEqual(['in-sync', 'in-sync', 'in-sync', 'missing']);

    await kubectl(client.kubeConfig, ['patch', 'deployment', 'web', '-n', namespace, '--type=merge', '--field-manager=kubectl-edit', '-p', '{"spec":{"replicas":5}}']);
    const [web] = await diff(client, objects);
    expect(web).toMatchObject({ subject: `Deployment/${namespace}/web`, status: 'drifted', changes: [{ path: '/spec/replicas', op: 'replace', live: 5, desired: 2 }] });
    expect(web!.unified).toContain(`--- live/Deployment/${namespace}/web`);
    expect(web!.unified).toMatch(/^-  replicas: 5$/m);
    expect(web!.unified).toMatch(/^\+  replicas: 2$/m);
  });

  it('masks Secret values in both diffs', async () => {
    const secret: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace }, stringData: { password: 'hunter2-in-git' } };
    await applySet(client, [secret]);
    await kubectl(client.kubeConfig, ['patch', 'secret', 'db', '-n', namespace, '--type=merge', '--field-manager=kubectl-edit', '-p', JSON.stringify({ data: { password: Buffer.from('changed-by-hand').toString('base64') } })]);
    const [entry] = await diff(client, [secret]);
    expect(entry!.status).toBe('drifted');
    const printed = JSON.stringify(entry);
    for (const secretText of ['hunter2-in-git', 'changed-by-hand', Buffer.from('hunter2-in-git').toString('base64'), Buffer.from('changed-by-hand').toString('base64')]) expect(printed).not.toContain(secretText);
    expect(entry!.changes).toEqual([{ path: '/data/password', op: 'replace', live: '***** (live)', desired: '***** (desired)' }]);
  });

  it('leaves spec.replicas to an HPA: ignored by field manager or by JSON pointer, and not taken back on apply', async () => {
    const web = deployment(namespace, 'scaled', { replicas: 1 });
    const hpa: KubeObject = {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'scaled', namespace },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'scaled' }, minReplicas: 1, maxReplicas: 5, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }] },
    };
    await applySet(client, [web, hpa]);
    // The HPA controller scales through the scale subresource as kube-controller-manager; do the same.
    await kubectl(client.kubeConfig, ['patch', 'deployment', 'scaled', '-n', namespace, '--subresource=scale', '--type=merge', '--field-manager=kube-controller-manager', '-p', '{"spec":{"replicas":4}}']);
    expect((await diff(client, [web]))[0]!.status).toBe('drifted');
    const byManager = [{ managers: ['kube-controller-manager'], target: { kind: 'Deployment' } }];
    expect((await diff(client, [web], { ignore: byManager }))[0]!.status).toBe('in-sync');
    expect((await diff(client, [web], { ignore: [{ paths: ['/spec/replicas'], target: { kind: 'Deployment', name: 'scal.*' } }] }))[0]!.status).toBe('in-sync');
    expect((await diff(client, [web], { ignore: [{ paths: ['/spec/replicas'], target: { kind: 'Deployment', name: 'other' } }] }))[0]!.status).toBe('drifted');

    const applied = await applySet(client, [web, hpa], { ignore: byManager });
    expect(applied.entries.map((entry) => entry.action)).toEqual(['unchanged', 'unchanged']);
    expect(((await liveObject(client, { group: 'apps', version: 'v1', kind: 'Deployment', namespace, name: 'scaled' }))?.['spec'] as { replicas: number }).replicas).toBe(4);
  });

  it('names the object when its dry run fails', async () => {
    const bad: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace }, data: { mode: 7 as unknown as string } };
    const error = await diff(client, [bad]).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(DriftObjectError);
    expect((error as Error).message).toMatch(new RegExp(`^ConfigMap/${namespace}/settings diff failed`));
  });
});
