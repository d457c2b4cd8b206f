import { ConfigMapKind, createStore, isGoneError, type KubeObject, type KubeTransport, type RawWatchEvent, reflect, type TransportRequest, watch, type WatchEvent } from '@weft/reconcile-core';
import { startControlPlane, eventually } from '@weft/testkit';
import { expect, it } from 'vitest';
import { describeCluster } from '../support/cluster';
import { inParallel, listAll, transportFor } from './widgets';

const namespace = 'default';
const path = `/api/v1/namespaces/${namespace}/configmaps`;

/** Lets the test cut the watch connection and hold reconnects back, as a long network partition would. */
class PartitionedTransport implements KubeTransport {
  private gate: Promise<void> | undefined;
  private open = () => {};
  private readonly live = new Set<AbortController>();
  readonly watchResourceVersions: (string | undefined)[] = [];
  constructor(private readonly inner: KubeTransport) {}
  list(request: TransportRequest) {
    return this.inner.list(request);
  }
  async *watch(request: TransportRequest): AsyncIterable<RawWatchEvent> {
    while (this.gate) await this.gate;
    this.watchResourceVersions.push(request.query['resourceVersion']);
    const cut = new AbortController();
    const onAbort = () => cut.abort();
    request.signal.addEventListener('abort', onAbort, { once: true });
    this.live.add(cut);
    try {
      yield* this.inner.watch({ ...request, signal: cut.signal });
    } finally {
      this.live.delete(cut);
      request.signal.removeEventListener('abort', onAbort);
    }
  }
  request<R>(method: string, requestPath: string, options?: Parameters<KubeTransport['request']>[2]) {
    return this.inner.request<R>(method, requestPath, options);
  }
  close() {
    this.inner.close();
  }
  partition() {
    this.gate = new Promise((resolve) => (this.open = resolve));
    for (const cut of this.live) cut.abort();
  }
  heal() {
    this.gate = undefined;
    this.open();
  }
}

/** Whether the apiserver now answers a watch from `resourceVersion` with 410 Gone. */
async function isTooOld(transport: KubeTransport, resourceVersion: string): Promise<boolean> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), 2_000);
  try {
    for await (const event of transport.watch({ path, query: { watch: '1', resourceVersion }, accept: 'application/json', signal: abort.signal })) {
      return event.type === 'ERROR' && (event.object as { code?: number }).code === 410;
    }
    return false;
  } catch (error) {
    return isGoneError(error);
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
}

// A private control plane that compacts etcd every few seconds and has no watch cache, so an old resourceVersion really expires.
describeCluster('reconcile-core watch against an expired resourceVersion', () => {
  it('relists on 410 Gone and emits the objects deleted meanwhile as deletes', async () => {
    await using controlPlane = await startControlPlane({ apiServerFlags: ['--etcd-compaction-interval=2s', '--watch-cache=false'] });
    const transport = transportFor(controlPlane.kubeConfig);
    const names = Array.from({ length: 20 }, (_, i) => `cm-${String(i).padStart(2, '0')}`);
    await inParallel(names, 10, (name) => transport.request('POST', path, { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { test: 'relist' } }, data: { v: '1' } } }));

    const partitioned = new PartitionedTransport(transport);
    const { store, writer } = createStore<KubeObject>();
    const events: WatchEvent<KubeObject>[] = [];
    const subscription = watch(ConfigMapKind, { transport: partitioned, namespace, labelSelector: 'test=relist' })
      .pipe(reflect(writer))
      .subscribe((event) => events.push(event));
    try {
      await store.ready();
      expect(store.size).toBe(20);
      await eventually('the watch to open', () => partitioned.watchResourceVersions.length > 0, { timeoutMs: 60_000 });
      const watchedFrom = partitioned.watchResourceVersions.at(-1)!;

      partitioned.partition();
      const seenBefore = events.length;
      const deleted = names.slice(0, 5);
      await inParallel(deleted, 5, (name) => transport.request('DELETE', `${path}/${name}`));
      await inParallel(names.slice(5, 10), 5, (name) => transport.request('PATCH', `${path}/${name}`, { body: { data: { v: '2' } }, contentType: 'application/merge-patch+json' }));
      await inParallel(['new-1', 'new-2'], 2, (name) => transport.request('POST', path, { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { test: 'relist' } }, data: { v: '1' } } }));
      await eventually(`resourceVersion ${watchedFrom} to be compacted away`, () => isTooOld(transport, watchedFrom), { timeoutMs: 30_000 });

      partitioned.heal();
      await eventually('the relist', () => events.slice(seenBefore).some((event) => event.type === 'InitDone'), { timeoutMs: 30_000 });
      await eventually('the deletes after the relist', () => events.slice(seenBefore).filter((event) => event.type === 'Delete').length === 5, { timeoutMs: 10_000 });

      const after = events.slice(seenBefore);
      expect(partitioned.watchResourceVersions).toContain(watchedFrom);
      expect(after[0]?.type).toBe('Init');
      const initDone = after.findIndex((event) => event.type === 'InitDone');
      const deletes = after.filter((event): event is Extract<WatchEvent<KubeObject>, { type: 'Delete' }> => event.type === 'Delete');
      expect(deletes.map((event) => event.object.metadata.name).sort()).toEqual(deleted);
      expect(after.findIndex((event) => event.type === 'Delete')).toBeGreaterThan(initDone);
      expect(after.filter((event) => event.type === 'InitApply')).toHaveLength(17);

      const server = await listAll<KubeObject>(transport, path, { labelSelector: 'test=relist' });
      expect(store.list().map((object) => object.metadata.name).sort()).toEqual(server.map((object) => object.metadata.name).sort());
      expect((store.get(`${namespace}/cm-07`)?.['data'] as Record<string, string>)['v']).toBe('2');
      expect(store.get(`${namespace}/cm-00`)).toBeUndefined();
    } finally {
      subscription.unsubscribe();
      transport.close();
    }
  });
});
