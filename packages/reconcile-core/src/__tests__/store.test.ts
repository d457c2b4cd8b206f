import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../resource/objects.js';
import { createStore } from '../pipeline/store.js';

const cm = (namespace: string, name: string, labels: Record<string, string> = {}, data = 'x'): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace, name, labels }, data: { data } });

describe('createStore', () => {
  it('shows nothing of a list until InitDone, then swaps it in at once', async () => {
    const { store, writer } = createStore<KubeObject>();
    let ready = false;
    void store.ready().then(() => (ready = true));
    writer.apply({ type: 'Init' });
    writer.apply({ type: 'InitApply', object: cm('a', 'one') });
    expect(store.size).toBe(0);
    expect(store.isReady).toBe(false);
    writer.apply({ type: 'InitDone' });
    await Promise.resolve();
    expect(ready).toBe(true);
    expect(store.get('a/one')?.metadata.name).toBe('one');
    expect(store.get({ namespace: 'a', name: 'one' })).toBeDefined();
  });

  it('deep-freezes what it stores: a reader cannot change what another reads', () => {
    const { store, writer } = createStore<KubeObject>();
    writer.apply({ type: 'Init' });
    writer.apply({ type: 'InitApply', object: cm('a', 'one', { app: 'web' }) });
    writer.apply({ type: 'InitDone' });
    writer.apply({ type: 'Apply', object: cm('a', 'two') });
    for (const object of store.list()) {
      expect(() => {
        (object['data'] as Record<string, string>)['data'] = 'changed';
      }).toThrow(TypeError);
      expect(() => {
        object.metadata.labels!['app'] = 'changed';
      }).toThrow(TypeError);
      expect(() => {
        (object.metadata as { finalizers?: string[] }).finalizers = ['x'];
      }).toThrow(TypeError);
    }
    expect(store.get('a/one')).toEqual(cm('a', 'one', { app: 'web' }));
    expect(store.byIndex('label', 'app=web').map((object) => object.metadata.name)).toEqual(['one']);
  });

  it('keeps the old state readable during a relist and drops objects missing from the new list', () => {
    const { store, writer } = createStore<KubeObject>();
    writer.apply({ type: 'Init' });
    writer.apply({ type: 'InitApply', object: cm('a', 'one') });
    writer.apply({ type: 'InitApply', object: cm('a', 'two') });
    writer.apply({ type: 'InitDone' });
    writer.apply({ type: 'Init' });
    writer.apply({ type: 'InitApply', object: cm('a', 'two') });
    expect(store.list().map((o) => o.metadata.name).sort()).toEqual(['one', 'two']);
    writer.apply({ type: 'InitDone' });
    expect(store.list().map((o) => o.metadata.name)).toEqual(['two']);
  });

  it('applies Apply and Delete to the live state and to a list being buffered', () => {
    const { store, writer } = createStore<KubeObject>();
    writer.apply({ type: 'Init' });
    writer.apply({ type: 'InitDone' });
    writer.apply({ type: 'Apply', object: cm('a', 'one') });
    writer.apply({ type: 'Init' });
    writer.apply({ type: 'Apply', object: cm('a', 'two') });
    writer.apply({ type: 'Delete', object: cm('a', 'one') });
    expect(store.list().map((o) => o.metadata.name)).toEqual(['two']);
    writer.apply({ type: 'InitDone' });
    expect(store.list().map((o) => o.metadata.name)).toEqual(['two']);
  });

  it('indexes by namespace, label and custom functions, and updates indexes on change', () => {
    const { store, writer } = createStore<KubeObject>({ indexes: { data: (o) => [String((o['data'] as { data: string }).data)] } });
    writer.apply({ type: 'Init' });
    writer.apply({ type: 'InitApply', object: cm('a', 'one', { app: 'web' }, 'p') });
    writer.apply({ type: 'InitApply', object: cm('b', 'two', { app: 'web' }, 'q') });
    writer.apply({ type: 'InitDone' });
    expect(store.byIndex('namespace', 'a').map((o) => o.metadata.name)).toEqual(['one']);
    expect(store.byIndex('label', 'app=web')).toHaveLength(2);
    expect(store.byIndex('data', 'q').map((o) => o.metadata.name)).toEqual(['two']);
    writer.apply({ type: 'Apply', object: cm('b', 'two', { app: 'api' }, 'p') });
    expect(store.byIndex('label', 'app=web').map((o) => o.metadata.name)).toEqual(['one']);
    expect(store.byIndex('data', 'p').map((o) => o.metadata.name).sort()).toEqual(['one', 'two']);
    expect(store.byIndex('data', 'q')).toEqual([]);
    writer.apply({ type: 'Delete', object: cm('a', 'one') });
    expect(store.byIndex('namespace', 'a')).toEqual([]);
    expect(() => store.byIndex('nope', 'x')).toThrow(/no index named "nope"/);
  });

  it('rejects ready() with the signal reason when aborted first', async () => {
    const { store } = createStore<KubeObject>();
    const abort = new AbortController();
    const waiting = store.ready({ signal: abort.signal });
    abort.abort(new Error('shutting down'));
    await expect(waiting).rejects.toThrow('shutting down');
  });

  it('synced() waits for a relist in progress to be swapped in', async () => {
    const { store, writer } = createStore<KubeObject>();
    await expect(store.synced()).resolves.toBeUndefined();
    writer.apply({ type: 'Init' });
    writer.apply({ type: 'InitApply', object: cm('a', 'one') });
    expect(store.isSyncing).toBe(true);
    let synced = false;
    void store.synced().then(() => (synced = true));
    await Promise.resolve();
    expect(synced).toBe(false);
    writer.apply({ type: 'InitDone' });
    await Promise.resolve();
    expect(synced).toBe(true);
    expect(store.isSyncing).toBe(false);
  });
});
