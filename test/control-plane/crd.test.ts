import {
  ApiextensionsV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { beforeAll, expect, it } from 'vitest';
import { clusterKubeConfig, describeCluster, testNamespace } from '../support/cluster';

const group = 'testkit.weft.dev';

function widgetCrd(plural: string): V1CustomResourceDefinition {
  return {
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      scope: 'Namespaced',
      names: { plural, singular: plural.replace(/s$/, ''), kind: 'Widget', listKind: 'WidgetList' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          subresources: { status: {} },
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: { type: 'object', properties: { size: { type: 'integer' } } },
                status: { type: 'object', properties: { phase: { type: 'string' } } },
              },
            },
          },
        },
      ],
    },
  };
}

describeCluster('CustomResourceDefinitions on the real apiserver', () => {
  let namespace: string;
  beforeAll(async () => {
    namespace = await testNamespace('cp-crd');
  });

  it('installs a CRD that becomes Established, then serves its custom resources and status subresource', async () => {
    const kubeConfig = clusterKubeConfig();
    const extensions = kubeConfig.makeApiClient(ApiextensionsV1Api);
    // A plural unique to this run, so re-runs against a kept cluster never collide.
    const plural = `widgets${Date.now().toString(36)}`;
    await extensions.createCustomResourceDefinition({ body: widgetCrd(plural) });

    let established = false;
    for (let attempt = 0; attempt < 100 && !established; attempt++) {
      const crd = await extensions.readCustomResourceDefinition({ name: `${plural}.${group}` });
      established = crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ?? false;
      if (!established) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(established).toBe(true);

    const custom = kubeConfig.makeApiClient(CustomObjectsApi);
    // Discovery of a just-Established CRD can lag a moment behind; retry the first create briefly.
    let created: { metadata?: { generation?: number } } | undefined;
    for (let attempt = 0; attempt < 50 && !created; attempt++) {
      created = await custom
        .createNamespacedCustomObject({
          group,
          version: 'v1',
          namespace,
          plural,
          body: { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'w1' }, spec: { size: 3 }, status: { phase: 'ignored' } },
        })
        .catch(async (error: { code?: number }) => {
          if (error.code !== 404) throw error;
          await new Promise((resolve) => setTimeout(resolve, 100));
          return undefined;
        });
    }
    expect(created?.metadata?.generation).toBe(1);

    // With a status subresource, status sent on create is dropped...
    const fresh = (await custom.getNamespacedCustomObject({ group, version: 'v1', namespace, plural, name: 'w1' })) as {
      status?: { phase?: string };
    };
    expect(fresh.status).toBeUndefined();

    // ...and status is written through /status without bumping generation.
    const patched = (await custom.patchNamespacedCustomObjectStatus(
      { group, version: 'v1', namespace, plural, name: 'w1', body: { status: { phase: 'Ready' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )) as { status?: { phase?: string }; metadata?: { generation?: number } };
    expect(patched.status?.phase).toBe('Ready');
    expect(patched.metadata?.generation).toBe(1);

    await extensions.deleteCustomResourceDefinition({ name: `${plural}.${group}` });
  });
});
