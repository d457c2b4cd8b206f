import {
  ApiextensionsV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { eventually } from '@weft/testkit';
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

    // 100 reads 100 ms apart before.
    await eventually(`CRD ${plural}.${group} to be Established`, async () => {
      const crd = await extensions.readCustomResourceDefinition({ name: `${plural}.${group}` });
      if (!crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) throw new Error(`its conditions: ${JSON.stringify(crd.status?.conditions ?? [])}`);
      return true;
    }, { timeoutMs: 10_000, intervalMs: 100 });

    const custom = kubeConfig.makeApiClient(CustomObjectsApi);
    // Discovery of a just-Established CRD can lag a moment behind; retry the first create briefly.
    // A 404 is "not yet"; any other error ends the wait (the signal) and fails the test.
    const refused = new AbortController();
    const created: { metadata?: { generation?: number } } = await eventually(`Widget w1 to be created in ${namespace}`, () =>
      custom
        .createNamespacedCustomObject({
          group,
          version: 'v1',
          namespace,
          plural,
          body: { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'w1' }, spec: { size: 3 }, status: { phase: 'ignored' } },
        })
        .catch((error: { code?: number }) => {
          if (error.code !== 404) refused.abort(error);
          throw error;
        }),
      { timeoutMs: 5_000, intervalMs: 100, signal: refused.signal },
    );
    expect(created.metadata?.generation).toBe(1);

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
