import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '@weft/reconcile-core';
import { applySet } from '../apply.js';
import { DryRunError } from '../errors.js';
import { inventoryOf } from '../inventory.js';
import { prune } from '../prune.js';
import { watchDrift, type DriftEvent } from '../watch-drift.js';
import { eventually } from '@weft/testkit';
import { getLive } from '../requests.js';
import { configMap, inMemoryCluster, invalidConfigMap, recordWrites, settle } from './in-memory.js';

const a = { name: 'a', namespace: 'apps' };
const b = { name: 'b', namespace: 'apps' };
const ref = (name: string, namespace = 'ownership') => ({ group: '', version: 'v1', kind: 'ConfigMap', namespace, name });

/** Ownership labels and the dry-run gate's rollback, on testkit's in-memory API server. */
describe('ownership and the dry-run gate', () => {
  let cluster: Awaited<ReturnType<typeof inMemoryCluster>>;
  beforeAll(async () => {
    cluster = await inMemoryCluster();
    await cluster.client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ownership' } }, { fieldManager: 'test' });
  });
  afterAll(() => cluster.stop());

  it('labels what it applies, and leaves an object another owner holds alone (reported, not written, not in the inventory)', async () => {
    const first = await applySet(cluster.client, [configMap('ownership', 'shared', { from: 'a' })], { owner: a });
    expect(first.conflicts).toEqual([]);
    const writes = recordWrites(cluster.client, 'v1', 'ConfigMap', 'ownership');
    await writes.ready;
    const second = await applySet(cluster.client, [configMap('ownership', 'shared', { from: 'b' }), configMap('ownership', 'only-b', { v: '1' })], { owner: b });
    await settle();
    writes.stop();
    expect(second.conflicts).toEqual([{ ref: ref('shared'), subject: 'ConfigMap/ownership/shared', owner: a }]);
    expect(second.entries.map((entry) => [entry.subject, entry.action, entry.reason])).toEqual([
      ['ConfigMap/ownership/shared', 'skipped', 'owned by apps/a'],
      ['ConfigMap/ownership/only-b', 'created', undefined],
    ]);
    expect(second.inventory).toEqual(inventoryOf([configMap('ownership', 'only-b', {})]));
    expect(second.objects.map((object) => object.metadata.name)).toEqual(['only-b']);
    expect(writes.writes.map((write) => write.name)).toEqual(['only-b']);
    const live = await getLive(cluster.client, ref('shared'));
    expect(live?.metadata.labels).toEqual({ 'weft.dev/name': 'a', 'weft.dev/namespace': 'apps' });
    expect(live?.['data']).toEqual({ from: 'a' });
  });

  it('adopts an object whose owner gave it up (claimStands false), and reads Flux’s labels as the same owner', async () => {
    const adopted = await applySet(cluster.client, [configMap('ownership', 'shared', { from: 'b' })], { owner: b, claimStands: () => false });
    expect(adopted.conflicts).toEqual([]);
    expect((await getLive(cluster.client, ref('shared')))?.metadata.labels).toEqual({ 'weft.dev/name': 'b', 'weft.dev/namespace': 'apps' });

    await cluster.client.apply({ ...configMap('ownership', 'from-flux', { v: 'flux' }), metadata: { name: 'from-flux', namespace: 'ownership', labels: { 'kustomize.toolkit.fluxcd.io/name': 'a', 'kustomize.toolkit.fluxcd.io/namespace': 'apps' } } }, { fieldManager: 'kustomize-controller' });
    expect((await applySet(cluster.client, [configMap('ownership', 'from-flux', { v: 'weft' })], { owner: b })).conflicts).toMatchObject([{ owner: a }]);
    expect((await applySet(cluster.client, [configMap('ownership', 'from-flux', { v: 'weft' })], { owner: a })).conflicts).toEqual([]);
  });

  it('prunes only objects labelled for its own owner', async () => {
    await applySet(cluster.client, [configMap('ownership', 'mine', { v: '1' })], { owner: a });
    await cluster.client.apply(configMap('ownership', 'unlabelled', { v: '1' }), { fieldManager: 'weft' });
    const previous = inventoryOf([configMap('ownership', 'mine', {}), configMap('ownership', 'shared', {}), configMap('ownership', 'unlabelled', {}), configMap('ownership', 'from-flux', {})]);
    const pruned = await prune(cluster.client, previous, { entries: [] }, { owner: a, keep: (object) => (object.name === 'from-flux' ? 'declared by apps/c' : undefined) });
    expect(pruned.entries.map((entry) => [entry.subject, entry.action, entry.reason])).toEqual([
      ['ConfigMap/ownership/from-flux', 'skipped', 'declared by apps/c'],
      ['ConfigMap/ownership/mine', 'deleted', undefined],
      ['ConfigMap/ownership/shared', 'skipped', 'owned by apps/b'],
      ['ConfigMap/ownership/unlabelled', 'skipped', 'not labelled as owned by apps/a'],
    ]);
    expect(await getLive(cluster.client, ref('shared'))).toBeDefined();
  });

  it('never reverts an object another owner took over: a claimed event instead', async () => {
    const applied = await applySet(cluster.client, [configMap('ownership', 'contested', { from: 'a' })], { owner: a });
    const events: DriftEvent[] = [];
    const watching = watchDrift(cluster.client, applied.objects, { mode: 'revert', owner: a, recordEvents: false }).subscribe((event) => events.push(event));
    await eventually('synced', () => events.find((event) => event.type === 'synced'));
    await applySet(cluster.client, [configMap('ownership', 'contested', { from: 'b' })], { owner: b, claimStands: () => false });
    await eventually('claimed', () => events.find((event) => event.type === 'claimed'));
    await settle();
    watching.unsubscribe();
    expect(events.filter((event) => event.type !== 'watching' && event.type !== 'synced')).toEqual([{ type: 'claimed', ref: ref('contested'), subject: 'ConfigMap/ownership/contested', owner: b }]);
    expect((await getLive(cluster.client, ref('contested')))?.['data']).toEqual({ from: 'b' });
  });

  it('deletes again the Namespace it created when an object in it fails its dry run', async () => {
    const namespace: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'gated' } };
    const failure = await applySet(cluster.client, [namespace, configMap('gated', 'fine', { a: '1' }), invalidConfigMap('gated')], { owner: a }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DryRunError);
    const error = failure as DryRunError;
    expect(error.rolledBack).toEqual(['Namespace/gated']);
    expect(error.message).toMatch(/^ConfigMap\/gated\/Not_Valid dry-run failed: .*; nothing was applied; Namespace\/gated, created so the objects that need it could be dry-run, was deleted again$/);
    const left = await getLive(cluster.client, { group: '', version: 'v1', kind: 'Namespace', name: 'gated' });
    expect(left === undefined || left.metadata.deletionTimestamp !== undefined).toBe(true);
    expect(await getLive(cluster.client, ref('fine', 'gated'))).toBeUndefined();
  });

  it('writes nothing at all when the objects that fail need nothing from stage one', async () => {
    const namespace: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'untouched' } };
    const error = (await applySet(cluster.client, [namespace, invalidConfigMap('ownership')]).catch((caught: unknown) => caught)) as DryRunError;
    expect(error.rolledBack).toEqual([]);
    expect(await getLive(cluster.client, { group: '', version: 'v1', kind: 'Namespace', name: 'untouched' })).toBeUndefined();
  });
});
