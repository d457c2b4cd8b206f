// The code samples of docs/drift.md, run: each ```ts block of the guide is a verbatim part of this
// file and its imports are this file's imports (docs.test.ts checks that), against testkit's
// in-memory API server.
import { applySet, correctDrift, diff, inventoryOf, prune, summarizeChangeSet, wait, watchDrift, type BuildOutcome, type PipelineOutcome } from '@weft/drift';
import { ConfigMapKind, isNotFoundError, KubeClient, type KubeObject } from '@weft/reconcile-core';
import { startApiServer, type InMemoryApiServer } from '@weft/testkit';
import { Subject } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

const configMap = (name: string, data: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'shop' }, data });

describe('docs/drift.md, run', () => {
  let api: InMemoryApiServer;
  let kubeConfig: InMemoryApiServer['kubeConfig'];
  const objects = [configMap('settings', { mode: 'fast' })];

  beforeAll(async () => {
    api = await startApiServer();
    kubeConfig = api.kubeConfig;
    const setup = new KubeClient(kubeConfig);
    await setup.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } }, { fieldManager: 'test' });
    await applySet(setup, [configMap('gone', { a: '1' })], { owner: { name: 'shop', namespace: 'default' } });
    setup.close();
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await api.stop();
  });

  it('applies, prunes, waits and guards a set', async () => {
    const previousInventory = inventoryOf([configMap('gone', { a: '1' })]);
    const client = new KubeClient(kubeConfig);
    const owner = { name: 'shop', namespace: 'default' };                // who applies: ownership labels

    const applied = await applySet(client, objects, { owner });             // staged, dry-run gated
    console.log(summarizeChangeSet(applied));                              // "ConfigMap/shop/settings created" …
    await prune(client, previousInventory, applied.inventory, { owner });  // what left git
    const health = await wait(client, applied.objects, { timeout: 120_000 }); // healthy / progressing / failed
    const watching = watchDrift(client, applied.objects, { mode: 'revert', owner }).subscribe(console.log);

    expect(summarizeChangeSet(applied)).toBe('ConfigMap/shop/settings created');
    expect(health.healthy).toBe(true);
    await expect(client.get(ConfigMapKind, 'gone', { namespace: 'shop' })).rejects.toSatisfy(isNotFoundError);
    await client.patch({ apiVersion: 'v1', kind: 'ConfigMap' }, 'settings', { data: { mode: 'edited' } }, { namespace: 'shop', fieldManager: 'kubectl-edit' });
    await vi.waitFor(() => expect(console.log).toHaveBeenCalledWith(expect.objectContaining({ type: 'reverted', subject: 'ConfigMap/shop/settings' })), { timeout: 10_000 });
    watching.unsubscribe();
    client.close();
  });

  it('leaves fields to others with ignore rules', async () => {
    const client = new KubeClient(kubeConfig);
    const owner = { name: 'shop', namespace: 'default' };
    const ignore = [
      // By JSON pointer (RFC 6901: "/" in a key is written "~1"), for the objects a target selects.
      { paths: ['/spec/replicas'], target: { kind: 'Deployment', labelSelector: 'autoscaling=enabled' } },
      { paths: ['/metadata/annotations/team~1owner'] },
      // Every field a field manager owns in the live object (Argo CD's managedFieldsManagers):
      // the HPA controller scales through the scale subresource as kube-controller-manager.
      { managers: ['kube-controller-manager'], target: { kind: 'Deployment' } },
    ];
    await diff(client, objects, { owner, ignore });
    await applySet(client, objects, { owner, ignore });
    const guarded = watchDrift(client, objects, { mode: 'revert', owner, ignore }).subscribe(console.log);
    await vi.waitFor(() => expect(console.log).toHaveBeenCalledWith({ type: 'synced', objects: 1 }));
    expect((await diff(client, objects, { owner, ignore })).map((entry) => entry.status)).toEqual(['in-sync']);
    guarded.unsubscribe();
    client.close();
  });

  it('corrects drift in a pipeline, after applySet', async () => {
    const client = new KubeClient(kubeConfig);
    const owner = { name: 'shop', namespace: 'default' };
    const ignore = [{ paths: ['/metadata/annotations/team~1owner'] }];
    const inventory = inventoryOf(objects);
    const builds = new Subject<BuildOutcome>();
    const seen: PipelineOutcome[] = [];
    const report = (outcome: PipelineOutcome) => seen.push(outcome);
    const corrected = builds.pipe(
      applySet(client, { prune: true, owner, inventory }),
      correctDrift(client, { mode: 'revert', owner, ignore }),
    ).subscribe(report);
    builds.next({ ok: true, stage: 'build', revision: 'v2', objects: [configMap('settings', { mode: 'slow' })] });
    await vi.waitFor(() => expect(seen.some((outcome) => outcome.ok && outcome.stage === 'drift' && outcome.event.type === 'synced')).toBe(true), { timeout: 10_000 });
    expect(seen.filter((outcome) => outcome.stage !== 'drift').map((outcome) => [outcome.stage, outcome.revision, outcome.ok])).toEqual([['apply', 'v2', true]]);
    corrected.unsubscribe();
    client.close();
  });
});
