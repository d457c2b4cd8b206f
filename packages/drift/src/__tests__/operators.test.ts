import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { inventoryId, objectRef, type KubeObject, type ObjectRef } from '@weft/reconcile-core';
import { applySet, type ApplyOutcome } from '../apply.js';
import { CancelledError, ClusterApiError, type ClusterClient } from '../cluster-client.js';

/** An in-memory stand-in for the apiserver verbs applySet uses; `hold` delays applies of matching names. */
function fakeCluster(options: { hold?: (name: string) => Promise<void>; reject?: (object: KubeObject) => string | undefined } = {}) {
  const store = new Map<string, KubeObject>();
  let version = 0;
  const idOf = (ref: ObjectRef) => inventoryId(ref);
  const client = {
    async get(ref: ObjectRef) {
      return structuredClone(store.get(idOf(ref)));
    },
    async list(apiVersion: string, kind: string, namespace: string | undefined) {
      const items = [...store.values()].filter((item) => item.apiVersion === apiVersion && item.kind === kind && item.metadata.namespace === namespace);
      return { items: structuredClone(items), resourceVersion: String(version) };
    },
    async isNamespaced() {
      return true;
    },
    resetDiscovery() {},
    async apply(object: KubeObject, call: { dryRun?: boolean; signal?: AbortSignal }) {
      const problem = options.reject?.(object);
      if (problem) throw new ClusterApiError(`ConfigMap/${object.metadata.name}: ${problem}`, 422, 'Invalid', []);
      if (!call.dryRun && options.hold) {
        await Promise.race([
          options.hold(object.metadata.name),
          new Promise((_, reject) => call.signal?.addEventListener('abort', () => reject(new CancelledError('cancelled')), { once: true })),
        ]);
      }
      const existing = store.get(idOf(objectRef(object)));
      const result = structuredClone({ ...object, metadata: { ...object.metadata, resourceVersion: call.dryRun ? existing?.metadata.resourceVersion : String(++version), managedFields: [{ manager: 'weft', operation: 'Apply' }] } });
      if (!call.dryRun) store.set(idOf(objectRef(object)), result);
      return structuredClone(result);
    },
    async delete(ref: ObjectRef) {
      return store.delete(idOf(ref));
    },
  };
  return { client: client as unknown as ClusterClient, store };
}

const configMap = (name: string, value: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'prod' }, data: { value } });

describe('the applySet operator', () => {
  it('applies each set, prunes what left git between sets, and keeps going after a failure', async () => {
    const { client, store } = fakeCluster({ reject: (object) => ((object['data'] as { value: string }).value === 'bad' ? 'data.value: Invalid value' : undefined) });
    const sets = new Subject<KubeObject[]>();
    const outcomes: ApplyOutcome[] = [];
    const done = new Promise<void>((resolve) => sets.pipe(applySet(client, { prune: true })).subscribe({ next: (outcome) => outcomes.push(outcome), complete: resolve }));
    const settle = () => new Promise((resolve) => setTimeout(resolve, 20));
    sets.next([configMap('a', '1'), configMap('b', '1')]);
    await settle();
    sets.next([configMap('a', '1'), configMap('c', 'bad')]);
    await settle();
    sets.next([configMap('a', '2')]);
    await settle();
    sets.complete();
    await done;
    expect(outcomes.map((outcome) => outcome.ok)).toEqual([true, false, true]);
    expect(outcomes[1]!.ok === false && outcomes[1]!.error.message).toMatch(/^ConfigMap\/prod\/c dry-run failed: .*nothing was applied/);
    const last = outcomes[2]!;
    if (!last.ok) throw new Error('unreachable');
    expect(last.result.entries.map((entry) => [entry.subject, entry.action])).toEqual([['ConfigMap/prod/a', 'configured']]);
    // The failed set changed nothing, so the pruning compares with the first set's inventory.
    expect(last.pruned.entries.map((entry) => [entry.subject, entry.action])).toEqual([['ConfigMap/prod/b', 'deleted']]);
    expect([...store.keys()]).toEqual(['prod_a__ConfigMap']);
  });

  it('lets the newest set win: a newer set aborts the apply of the previous one', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const { client, store } = fakeCluster({ hold: (name) => (name === 'slow' ? held : Promise.resolve()) });
    const sets = new Subject<KubeObject[]>();
    const outcomes: ApplyOutcome[] = [];
    const done = new Promise<void>((resolve) => sets.pipe(applySet(client)).subscribe({ next: (outcome) => outcomes.push(outcome), complete: resolve }));
    sets.next([configMap('slow', '1')]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    sets.next([configMap('fast', '1')]);
    sets.complete();
    await done;
    release();
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]!.ok && outcomes[0]!.result.entries.map((entry) => entry.subject)).toEqual(['ConfigMap/prod/fast']);
    expect(store.has(inventoryId(objectRef(configMap('slow', '1'))))).toBe(false);
  });
});
