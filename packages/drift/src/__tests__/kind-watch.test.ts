import diagnostics from 'node:diagnostics_channel';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '@weft/reconcile-core';
import { eventually } from '@weft/testkit';
import { sharedKindWatch, type KindWatchListener } from '../kind-watch.js';
import { configMap, inMemoryCluster } from './in-memory.js';

/** A listener that records what it is told. */
function recorder(names: readonly string[]) {
  const told: { name: string; data: unknown }[] = [];
  const errors: Error[] = [];
  let listed = 0;
  const listener: KindWatchListener = {
    names: new Set(names),
    onObject: (name, live) => told.push({ name, data: live?.['data'] }),
    onListed: () => listed++,
    onError: (error) => errors.push(error),
  };
  return { listener, told, errors, listed: () => listed };
}

describe('sharedKindWatch on the in-memory API server', () => {
  let cluster: Awaited<ReturnType<typeof inMemoryCluster>>;
  const requests = { lists: 0, watches: 0 };
  const countConfigMapRequests = (message: unknown): void => {
    const path = (message as { request: { path: string } }).request.path;
    if (!path.startsWith('/api/v1/namespaces/shared/configmaps?')) return;
    if (/[?&]watch=(1|true)/.test(path)) requests.watches++;
    else requests.lists++;
  };
  beforeAll(async () => {
    cluster = await inMemoryCluster();
    await cluster.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shared' } });
    for (const name of ['a', 'b']) await cluster.client.create(configMap('shared', name, { v: '1' }));
    diagnostics.subscribe('http.client.request.start', countConfigMapRequests);
  });
  afterAll(async () => {
    diagnostics.unsubscribe('http.client.request.start', countConfigMapRequests);
    await cluster.stop();
  });
  afterEach(() => {
    requests.lists = 0;
    requests.watches = 0;
  });

  const edit = (name: string, v: string) => cluster.client.patch({ apiVersion: 'v1', kind: 'ConfigMap' }, name, { data: { v } }, { namespace: 'shared' });

  it('serves every listener of a kind and namespace from one list and one watch, each only its own names', async () => {
    const watch = sharedKindWatch(cluster.client, 'v1', 'ConfigMap', 'shared');
    expect(sharedKindWatch(cluster.client, 'v1', 'ConfigMap', 'shared')).toBe(watch);
    const first = recorder(['a', 'missing']);
    const second = recorder(['b']);
    const releases = [watch.add(first.listener), watch.add(second.listener)];
    try {
      await eventually('both listed', () => first.listed() === 1 && second.listed() === 1);
      expect(first.told).toEqual([{ name: 'a', data: { v: '1' } }, { name: 'missing', data: undefined }]);
      expect(second.told).toEqual([{ name: 'b', data: { v: '1' } }]);

      await edit('b', '2');
      await eventually('the edit of b', () => second.told.some((entry) => (entry.data as { v?: string } | undefined)?.v === '2'));
      expect(first.told).toHaveLength(2);

      // A listener added later reads its objects (a get each: the store may lag behind its caller's writes), on the same watch.
      const late = recorder(['b']);
      releases.push(watch.add(late.listener));
      await eventually('the late listener told', () => late.listed() === 1);
      expect(late.told).toEqual([{ name: 'b', data: { v: '2' } }]);
      expect(requests).toEqual({ lists: 1, watches: 1 });
      expect([...first.errors, ...second.errors, ...late.errors]).toEqual([]);
    } finally {
      for (const release of releases) release();
    }
  });

  it('tells every object again, once, after a relist, deletions made meanwhile included', async () => {
    const watch = sharedKindWatch(cluster.client, 'v1', 'ConfigMap', 'shared');
    const listener = recorder(['a', 'made-later']);
    const release = watch.add(listener.listener);
    try {
      await eventually('listed', () => listener.listed() === 1);
      const before = cluster.api.snapshot();
      await cluster.client.create(configMap('shared', 'made-later', { v: '1' }));
      await eventually('made-later seen', () => listener.told.some((entry) => entry.name === 'made-later' && entry.data !== undefined));
      listener.told.length = 0;
      // Back to the snapshot: watches are cut and get 410 Gone, so the watch lists again.
      cluster.api.restore(before);
      await eventually('listed again', () => listener.listed() === 2);
      expect(listener.told).toEqual([
        { name: 'a', data: { v: '1' } },
        { name: 'made-later', data: undefined },
      ]);
      expect(requests.lists).toBeGreaterThanOrEqual(2);
    } finally {
      release();
    }
  });

  it('closes with its last listener, and a later listener opens a new watch', async () => {
    const watch = sharedKindWatch(cluster.client, 'v1', 'ConfigMap', 'shared');
    const listener = recorder(['a']);
    watch.add(listener.listener)();
    const again = recorder(['a']);
    const release = sharedKindWatch(cluster.client, 'v1', 'ConfigMap', 'shared').add(again.listener);
    try {
      await eventually('listed', () => again.listed() === 1);
      expect(again.told).toEqual([{ name: 'a', data: { v: '1' } }]);
      expect(listener.listed()).toBe(0);
    } finally {
      release();
    }
  });

  it('reports a kind that is not served yet as an error and follows it once its CRD is there', async () => {
    const listener = recorder(['w']);
    const release = sharedKindWatch(cluster.client, 'example.com/v1', 'Widget', 'shared').add(listener.listener);
    try {
      await eventually('an error', () => listener.errors.length > 0);
      expect(listener.errors[0]!.name).toBe('UnknownKindError');
      const crd: KubeObject = {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: 'widgets.example.com' },
        spec: { group: 'example.com', scope: 'Namespaced', names: { plural: 'widgets', singular: 'widget', kind: 'Widget' }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }] },
      };
      await cluster.client.create(crd);
      cluster.client.mapper.invalidate('example.com/v1');
      await eventually('listed', () => listener.listed() === 1, { timeoutMs: 15_000 });
      expect(listener.told).toEqual([{ name: 'w', data: undefined }]);
    } finally {
      release();
    }
  });
});
