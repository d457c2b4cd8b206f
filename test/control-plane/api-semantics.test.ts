import {
  ApiException,
  CoreV1Api,
  KubernetesObjectApi,
  PatchStrategy,
  Watch,
  setHeaderOptions,
  type V1ConfigMap,
} from '@kubernetes/client-node';
import { beforeAll, expect, it } from 'vitest';
import { clusterKubeConfig, describeCluster, testNamespace } from '../support/cluster';

describeCluster('real kube-apiserver through @kubernetes/client-node', () => {
  let namespace: string;
  let core: CoreV1Api;

  beforeAll(async () => {
    namespace = await testNamespace('cp-api');
    core = clusterKubeConfig().makeApiClient(CoreV1Api);
  });

  const configMap = (name: string, labels: Record<string, string> = {}, data: Record<string, string> = {}): V1ConfigMap => ({
    metadata: { name, namespace, labels },
    data,
  });

  it('creates, gets and lists ConfigMaps with a label selector', async () => {
    await core.createNamespacedConfigMap({ namespace, body: configMap('web', { tier: 'front' }, { a: '1' }) });
    await core.createNamespacedConfigMap({ namespace, body: configMap('db', { tier: 'back' }) });

    const web = await core.readNamespacedConfigMap({ name: 'web', namespace });
    expect(web.data).toEqual({ a: '1' });
    expect(web.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);

    const front = await core.listNamespacedConfigMap({ namespace, labelSelector: 'tier=front' });
    expect(front.items.map((item) => item.metadata?.name)).toEqual(['web']);
  });

  it('watches a ConfigMap through ADDED, MODIFIED and DELETED', async () => {
    const seen: string[] = [];
    const done = new Promise<void>((resolve) => {
      void new Watch(clusterKubeConfig())
        .watch(
          `/api/v1/namespaces/${namespace}/configmaps`,
          { fieldSelector: 'metadata.name=watched' },
          (type: string, object: V1ConfigMap) => {
            seen.push(`${type}:${object.data?.['step'] ?? ''}`);
            if (type === 'DELETED') resolve();
          },
          () => undefined,
        )
        .then(async (controller) => {
          await core.createNamespacedConfigMap({ namespace, body: configMap('watched', {}, { step: '1' }) });
          await core.patchNamespacedConfigMap(
            { name: 'watched', namespace, body: { data: { step: '2' } } },
            setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
          );
          await core.deleteNamespacedConfigMap({ name: 'watched', namespace });
          await done;
          controller.abort();
        });
    });
    await done;
    expect(seen).toEqual(['ADDED:1', 'MODIFIED:2', 'DELETED:2']);
  });

  it('rejects an update carrying a stale resourceVersion with 409 Conflict', async () => {
    const created = await core.createNamespacedConfigMap({ namespace, body: configMap('contended', {}, { v: '1' }) });
    await core.replaceNamespacedConfigMap({ name: 'contended', namespace, body: { ...created, data: { v: '2' } } });

    const stale = core.replaceNamespacedConfigMap({ name: 'contended', namespace, body: { ...created, data: { v: '3' } } });
    const error = await stale.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiException);
    expect((error as ApiException<unknown>).code).toBe(409);
    expect(String((error as ApiException<string>).body)).toContain('the object has been modified');
  });

  it('records a server-side apply under its field manager in managedFields', async () => {
    const objects = KubernetesObjectApi.makeApiClient(clusterKubeConfig());
    const desired: V1ConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'applied', namespace }, data: { owned: 'yes' } };
    const applied = await objects.patch(
      desired,
      undefined,
      undefined,
      'weft-test',
      true,
      PatchStrategy.ServerSideApply,
    );
    const entry = applied.metadata?.managedFields?.find((field) => field.manager === 'weft-test');
    expect(entry?.operation).toBe('Apply');
    expect(entry?.fieldsV1).toEqual({ 'f:data': { 'f:owned': {} } });
  });
});
