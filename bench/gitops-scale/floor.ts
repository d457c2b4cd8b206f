// The cluster's floor (BENCH_FLOOR=1): the same objects applied in one applySet from this process
// and waited for with drift's wait, no git, no build, no controllers. How fast this control plane
// and kwok make the fleet's Deployments Ready on this machine, whoever applies them.
import { parse } from 'yaml';
import { applySet, wait } from '@weft/drift';
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeClient, type KubeObject } from '@weft/reconcile-core';
import { appName, fleetFiles } from './fleet';

export interface FloorFigures {
  objects: number;
  applyMs: number;
  readyMs: number;
}

export async function measureClusterFloor(kubeConfig: KubeConfig, apps: number, namespace: string): Promise<FloorFigures> {
  const files = fleetFiles(apps);
  const objects: KubeObject[] = [];
  for (let index = 0; index < apps; index++) {
    for (const kind of ['serviceaccount', 'configmap', 'service', 'deployment']) {
      const object = parse(files[`apps/${appName(index)}/${kind}.yaml`]!) as KubeObject;
      objects.push({ ...object, metadata: { ...object.metadata, namespace } });
    }
  }
  const client = new KubeClient(kubeConfig);
  try {
    await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } } as KubeObject, { fieldManager: 'bench-floor' });
    const started = performance.now();
    const applied = await applySet(client, objects, { fieldManager: 'bench-floor', concurrency: 32 });
    const applyMs = performance.now() - started;
    const result = await wait(client, objects, { timeout: 300_000, interval: 500, concurrency: 32 });
    const readyMs = performance.now() - started;
    if (!result.healthy) {
      const stuck = [...result.failed, ...result.progressing];
      throw new Error(`floor: ${stuck.length} objects not healthy after ${(readyMs / 1000).toFixed(1)} s (timed out: ${result.timedOut}), e.g. ${stuck.slice(0, 3).map((item) => `${item.subject}: ${item.status} ${item.reason}`).join('; ')}`);
    }
    return { objects: applied.entries.length, applyMs, readyMs };
  } finally {
    client.close();
  }
}
