import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually, startControlPlane, type ControlPlane } from '@weft/testkit';
import { KubeClient } from '@weft/reconcile-core';
import { applySet, countChanges } from '@weft/drift';
import { describeCluster } from '../support/cluster';
import { configMap } from './drift-fixtures';

// Restarting an apiserver would disturb every other suite: this file starts a control plane of its own.
describeCluster('applySet across an apiserver restart', () => {
  let controlPlane: ControlPlane;
  let client: KubeClient;
  beforeAll(async () => {
    controlPlane = await startControlPlane({ controllers: false });
    client = new KubeClient(controlPlane.kubeConfig);
  });
  afterAll(async () => {
    client?.close();
    await controlPlane?.stop();
  });

  it('converges once the apiserver is back, with nothing duplicated', async () => {
    const objects = Array.from({ length: 300 }, (_, index) => configMap('default', `restart-${index}`, { index: String(index) }));
    // A slow-ish apply (concurrency 2) so that the restart lands in the middle of it.
    const applying = applySet(client, objects, { concurrency: 2 });
    // Restart once the writes have started (the dry run of the whole set comes first).
    const written = async () => (await client.listAll({ apiVersion: 'v1', kind: 'ConfigMap' }, { namespace: 'default' })).items.filter((item) => item.metadata.name.startsWith('restart-')).length;
    const before = await eventually('the first writes', async () => {
      const count = await written();
      return count > 0 ? count : undefined;
    });
    await controlPlane.restartApiServer({ downtimeMs: 1_000 });
    const result = await applying;
    expect(before).toBeLessThan(300);
    expect(result.entries).toHaveLength(300);
    expect(result.entries.every((entry) => entry.action === 'created' || entry.action === 'unchanged')).toBe(true);
    const listed = (await client.listAll({ apiVersion: 'v1', kind: 'ConfigMap' }, { namespace: 'default' })).items.filter((item) => item.metadata.name.startsWith('restart-'));
    expect(listed).toHaveLength(300);
    expect(new Set(listed.map((item) => item.metadata.uid)).size).toBe(300);
    expect(countChanges(await applySet(client, objects))).toEqual({ unchanged: 300 });
  });
});
