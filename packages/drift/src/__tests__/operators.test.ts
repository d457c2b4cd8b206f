import { Subject } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '@weft/reconcile-core';
import { applySet } from '../apply.js';
import { correctDrift } from '../correct-drift.js';
import type { ApplyOutcome, BuildOutcome, PipelineOutcome } from '../outcome.js';
import { eventually } from '@weft/testkit';
import { getLive } from '../requests.js';
import { configMap, inMemoryCluster, invalidConfigMap, recordWrites, settle } from './in-memory.js';

/** The operators on testkit's in-memory API server: the stream semantics, with a real apiserver protocol behind them. */
describe('the applySet and correctDrift operators', () => {
  let cluster: Awaited<ReturnType<typeof inMemoryCluster>>;
  beforeAll(async () => {
    cluster = await inMemoryCluster();
  });
  afterAll(() => cluster.stop());
  const built = (revision: string, objects: KubeObject[]): BuildOutcome => ({ ok: true, stage: 'build', revision, objects });

  it('applies each revision, prunes what left git, passes failed builds on, and keeps going after a refused one', async () => {
    const builds = new Subject<BuildOutcome>();
    const outcomes: ApplyOutcome[] = [];
    builds.pipe(applySet(cluster.client, { prune: true, owner: { name: 'one', namespace: 'default' } })).subscribe((outcome) => outcomes.push(outcome));
    builds.next(built('r1', [configMap('default', 'a', { v: '1' }), configMap('default', 'b', { v: '1' })]));
    await eventually('r1 applied', () => outcomes[0]);
    builds.next(built('r2', [configMap('default', 'a', { v: '2' }), invalidConfigMap('default')]));
    await eventually('r2 refused', () => outcomes[1]);
    const broken = new Error('kustomization.yaml: no such file');
    builds.next({ ok: false, stage: 'build', revision: 'r3', error: broken });
    await eventually('r3 passed on', () => outcomes[2]);
    builds.next(built('r4', [configMap('default', 'a', { v: '4' })]));
    await eventually('r4 applied', () => outcomes[3]);

    expect(outcomes.map((outcome) => [outcome.stage, outcome.revision, outcome.ok])).toEqual([
      ['apply', 'r1', true],
      ['apply', 'r2', false],
      ['build', 'r3', false],
      ['apply', 'r4', true],
    ]);
    expect(outcomes[1]!.ok === false && outcomes[1]!.error.message).toMatch(/^ConfigMap\/default\/Not_Valid dry-run failed: .*nothing was applied/);
    expect(outcomes[2]).toEqual({ ok: false, stage: 'build', revision: 'r3', error: broken });
    const last = outcomes[3]!;
    if (!last.ok || last.stage !== 'apply') throw new Error('unreachable');
    expect(last.result.entries.map((entry) => [entry.subject, entry.action])).toEqual([['ConfigMap/default/a', 'configured']]);
    // The refused revision changed nothing, so prune compares with r1's inventory.
    expect(last.pruned.entries.map((entry) => [entry.subject, entry.action])).toEqual([['ConfigMap/default/b', 'deleted']]);
    const a = await getLive(cluster.client, { group: '', version: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'a' });
    expect(a?.['data']).toEqual({ v: '4' });
    expect(a?.metadata.labels).toEqual({ 'weft.dev/name': 'one', 'weft.dev/namespace': 'default' });
    builds.complete();
  });

  it('lets the newest revision win: a newer one aborts the apply of the previous one', async () => {
    const builds = new Subject<BuildOutcome>();
    const outcomes: ApplyOutcome[] = [];
    const done = new Promise<void>((resolve) => builds.pipe(applySet(cluster.client)).subscribe({ next: (outcome) => outcomes.push(outcome), complete: resolve }));
    const lift = cluster.api.faults.addLatency({ verb: 'patch', resource: 'configmaps', delayMs: 2_000 });
    builds.next(built('slow', [configMap('default', 'slow', { v: '1' })]));
    await settle(100);
    lift();
    builds.next(built('fast', [configMap('default', 'fast', { v: '1' })]));
    builds.complete();
    await done;
    expect(outcomes.map((outcome) => outcome.revision)).toEqual(['fast']);
    // The slow revision's delayed request was a dry run; its write was never sent.
    await settle(2_200);
    expect(await getLive(cluster.client, { group: '', version: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'slow' })).toBeUndefined();
  });

  describe('correctDrift after applySet', () => {
    const owner = { name: 'shop', namespace: 'default' };
    const namespace = 'shop';
    let builds: Subject<BuildOutcome>;
    const outcomes: PipelineOutcome[] = [];
    let writes: ReturnType<typeof recordWrites>;
    const ofStage = (stage: string) => outcomes.filter((outcome) => outcome.stage === stage);
    const driftEvents = () => outcomes.flatMap((outcome) => (outcome.ok && outcome.stage === 'drift' ? [outcome.event.type] : []));

    beforeAll(async () => {
      await cluster.client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }, { fieldManager: 'test' });
      writes = recordWrites(cluster.client, 'v1', 'ConfigMap', namespace);
      await writes.ready;
      builds = new Subject<BuildOutcome>();
      builds.pipe(applySet(cluster.client, { prune: true, owner }), correctDrift(cluster.client, { mode: 'revert', owner })).subscribe((outcome) => outcomes.push(outcome));
    });
    afterAll(() => {
      writes.stop();
      builds.complete();
    });

    it('syncs a first revision with no drift events', async () => {
      builds.next(built('v1', [configMap(namespace, 'settings', { mode: 'fast' }), configMap(namespace, 'extra', { a: '1' })]));
      await eventually('watching', () => (driftEvents().includes('synced') ? true : undefined));
      expect(driftEvents()).toEqual(['watching', 'synced']);
      expect(writes.writes.map((write) => `${write.type} ${write.name}`).sort()).toEqual(['ADDED extra', 'ADDED settings']);
    });

    it('has a new revision written by the apply stage only, never taken for drift', async () => {
      outcomes.length = 0;
      writes.writes.length = 0;
      builds.next(built('v2', [configMap(namespace, 'settings', { mode: 'slow' })]));
      await eventually('v2 watched', () => (driftEvents().includes('synced') ? true : undefined));
      await settle();
      expect(ofStage('apply').map((outcome) => outcome.ok && outcome.revision)).toEqual(['v2']);
      expect(driftEvents()).toEqual(['watching', 'synced']);
      // One write of settings (the apply) and the prune of extra: nothing put v1 back.
      expect(writes.writes.map((write) => [write.type, write.name, write.data])).toEqual([
        ['MODIFIED', 'settings', { mode: 'slow' }],
        ['DELETED', 'extra', { a: '1' }],
      ]);
    });

    it('reverts an edit made behind git’s back, once', async () => {
      outcomes.length = 0;
      writes.writes.length = 0;
      await cluster.client.patch({ apiVersion: 'v1', kind: 'ConfigMap' }, 'settings', { data: { mode: 'edited' } }, { namespace, fieldManager: 'kubectl-edit' });
      await eventually('reverted', () => (driftEvents().includes('reverted') ? true : undefined));
      await settle();
      expect(driftEvents()).toEqual(['drifted', 'reverted']);
      expect(outcomes.every((outcome) => outcome.revision === 'v2')).toBe(true);
      expect(writes.writes.map((write) => [write.type, write.data])).toEqual([
        ['MODIFIED', { mode: 'edited' }],
        ['MODIFIED', { mode: 'slow' }],
      ]);
    });

    it('never writes any object of a refused revision, and keeps guarding the last applied one', async () => {
      outcomes.length = 0;
      writes.writes.length = 0;
      builds.next(built('v3', [configMap(namespace, 'settings', { mode: 'rejected' }), configMap(namespace, 'new', { a: '1' }), invalidConfigMap(namespace)]));
      await eventually('v3 refused', () => ofStage('apply')[0]);
      await settle();
      expect(ofStage('apply')).toMatchObject([{ ok: false, revision: 'v3' }]);
      expect(writes.writes).toEqual([]);
      // v2 is still guarded.
      await cluster.client.patch({ apiVersion: 'v1', kind: 'ConfigMap' }, 'settings', { data: { mode: 'edited-again' } }, { namespace, fieldManager: 'kubectl-edit' });
      await eventually('reverted to v2', () => (driftEvents().includes('reverted') ? true : undefined));
      const live = await getLive(cluster.client, { group: '', version: 'v1', kind: 'ConfigMap', namespace, name: 'settings' });
      expect(live?.['data']).toEqual({ mode: 'slow' });
    });

    it('passes a broken build on, and applies the fix that follows', async () => {
      outcomes.length = 0;
      builds.next({ ok: false, stage: 'build', revision: 'v4', error: new Error('kustomization.yaml: resources: missing.yaml: no such file') });
      builds.next(built('v5', [configMap(namespace, 'settings', { mode: 'fixed' })]));
      await eventually('v5 applied', () => ofStage('apply')[0]);
      expect(outcomes.filter((outcome) => outcome.stage !== 'drift').map((outcome) => [outcome.stage, outcome.revision, outcome.ok])).toEqual([
        ['build', 'v4', false],
        ['apply', 'v5', true],
      ]);
      const live = await getLive(cluster.client, { group: '', version: 'v1', kind: 'ConfigMap', namespace, name: 'settings' });
      expect(live?.['data']).toEqual({ mode: 'fixed' });
    });
  });
});
