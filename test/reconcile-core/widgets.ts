// Shared by the reconcile-core real-cluster suites: a Widget CRD of their own, bulk writes and polling.
import type { KubeConfig } from '@kubernetes/client-node';
import { eventually } from '@weft/testkit';
import { done, type KubeObject, kubeTransport, type KubeTransport, type ReconcileContext, Reconciler, type ResourceKind, resourceKind } from '@weft/reconcile-core';

export interface Widget extends KubeObject {
  spec: { size: number };
  status?: { observedGeneration?: number; size?: number };
}

/** A Widget kind under a group unique to one suite, so suites sharing the cluster never see each other's CRDs. */
export function widgetKind(group: string) {
  return resourceKind<Widget>({ apiVersion: `${group}/v1`, kind: 'Widget', plural: 'widgets', namespaced: true });
}

/** Installs the Widget CRD of `group` and waits until it is Established. */
export async function installWidgetCrd(transport: KubeTransport, group: string): Promise<void> {
  const name = `widgets.${group}`;
  await transport.request('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', {
    body: {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name },
      spec: {
        group,
        scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
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
                  status: { type: 'object', properties: { observedGeneration: { type: 'integer' }, size: { type: 'integer' } } },
                },
              },
            },
          },
        ],
      },
    },
  });
  await eventually(
    `CRD ${name} Established`,
    async () => {
      const crd = await transport.request<{ status?: { conditions?: { type: string; status: string }[] } }>('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
      return crd.status?.conditions?.some((condition) => condition.type === 'Established' && condition.status === 'True') ?? false;
    },
    { timeoutMs: 60_000 },
  );
  // Established can come a moment before the new API is served by discovery and the REST handler.
  // eventually() counts a throwing probe as "not yet".
  await eventually(`API ${group}/v1 served`, () => transport.request('GET', `/apis/${group}/v1/widgets`, { query: { limit: '1' } }).then(() => true), { timeoutMs: 60_000 });
}

/** Deletes the CRD of `group` (best effort). */
export async function removeWidgetCrd(transport: KubeTransport, group: string): Promise<void> {
  await transport.request('DELETE', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.${group}`).catch(() => undefined);
}

/** Runs `task` for each item with at most `limit` in flight. */
export async function inParallel<T>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      await task(items[index]!, index);
    }
  });
  await Promise.all(workers);
}

/** Lists every object of a collection path, following `continue`. */
export async function listAll<T>(transport: KubeTransport, path: string, query: Record<string, string> = {}): Promise<T[]> {
  const items: T[] = [];
  let continueToken: string | undefined;
  do {
    const page = await transport.request<{ items: T[]; metadata: { continue?: string } }>('GET', path, { query: { ...query, limit: '500', ...(continueToken ? { continue: continueToken } : {}) } });
    items.push(...page.items);
    continueToken = page.metadata.continue || undefined;
  } while (continueToken);
  return items;
}

export function transportFor(kubeConfig: KubeConfig): KubeTransport {
  return kubeTransport(kubeConfig);
}

/** Owns one ConfigMap per Widget (data.size = spec.size), reports observedGeneration, and records finalizations. */
export class WidgetReconciler extends Reconciler<Widget> {
  readonly finalized: string[] = [];
  constructor(private readonly kind: ResourceKind<Widget>) {
    super();
  }
  async reconcile(widget: Widget, ctx: ReconcileContext<Widget>) {
    const { name, namespace, uid, generation } = widget.metadata;
    await ctx.client.apply(
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `${name}-child`, namespace, ownerReferences: [{ apiVersion: widget.apiVersion, kind: 'Widget', name, uid: uid!, controller: true, blockOwnerDeletion: true }] },
        data: { size: String(widget.spec.size) },
      },
      { force: true, signal: ctx.signal },
    );
    if (widget.status?.observedGeneration !== generation || widget.status?.size !== widget.spec.size) {
      await ctx.client.patchStatus(this.kind, name, { status: { observedGeneration: generation, size: widget.spec.size } }, { namespace, signal: ctx.signal });
    }
    return done;
  }
  override async finalize(widget: Widget) {
    this.finalized.push(widget.metadata.name);
  }
}

/** The Widgets of the namespace not converged yet, each with why (missing child, wrong size, stale status, no finalizer). */
export async function unconvergedWidgets(transport: KubeTransport, group: string, namespace: string, finalizer = 'finalizers.weft.dev/widget'): Promise<string[]> {
  const [widgets, configMaps] = await Promise.all([
    listAll<Widget>(transport, `/apis/${group}/v1/namespaces/${namespace}/widgets`),
    listAll<{ metadata: { name: string }; data?: Record<string, string> }>(transport, `/api/v1/namespaces/${namespace}/configmaps`),
  ]);
  const children = new Map(configMaps.map((cm) => [cm.metadata.name, cm.data?.['size']]));
  const problems: string[] = [];
  for (const widget of widgets) {
    const name = widget.metadata.name;
    if (widget.metadata.deletionTimestamp !== undefined) problems.push(`${name}: being deleted`);
    else if (children.get(`${name}-child`) !== String(widget.spec.size)) problems.push(`${name}: child size ${children.get(`${name}-child`)} != ${widget.spec.size}`);
    else if (widget.status?.observedGeneration !== widget.metadata.generation) problems.push(`${name}: observedGeneration ${widget.status?.observedGeneration} != ${widget.metadata.generation}`);
    else if (!(widget.metadata.finalizers ?? []).includes(finalizer)) problems.push(`${name}: no finalizer`);
  }
  return problems;
}

/** Whether every Widget of the namespace has its child with the right size, an up-to-date status and the managed finalizer. */
export async function widgetsConverged(transport: KubeTransport, group: string, namespace: string, finalizer = 'finalizers.weft.dev/widget'): Promise<boolean> {
  return (await unconvergedWidgets(transport, group, namespace, finalizer)).length === 0;
}
