// A private control plane for the merge differential suites: no controllers, so nothing but the
// test writes the objects between reading the live object and sending the operation.
import { setTimeout as sleep } from 'node:timers/promises';
import { MergeSchemaRegistry, type JsonObject } from '@weft/merge';
import { startControlPlane, type ControlPlane } from '@weft/testkit';
import { afterAll, beforeAll } from 'vitest';
import type { DifferentialContext } from './differential.ts';
import { ApiServerOracle } from './oracle.ts';
import { widgetApiVersion, widgetCrd } from './widget-crd.ts';

export interface MergeCluster extends DifferentialContext {
  readonly namespace: string;
}

/** Starts the control plane before the file's tests (with the Widget CRD installed) and stops it after. */
export function useMergeCluster(namespace: string): () => MergeCluster {
  let plane: ControlPlane | undefined;
  let cluster: MergeCluster | undefined;
  beforeAll(async () => {
    plane = await startControlPlane();
    const oracle = new ApiServerOracle(plane.kubeConfig);
    oracle.registerResource(widgetApiVersion, 'Widget', 'widgets', true);
    must(await oracle.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }, 'weft-test'));
    must(await oracle.create(widgetCrd, 'weft-test'));
    await waitForWidgets(oracle, namespace);
    cluster = { oracle, namespace, registry: MergeSchemaRegistry.builtin().withCrd(widgetCrd) };
  }, 180_000);
  afterAll(async () => {
    await plane?.stop();
  });
  return () => {
    if (cluster === undefined) throw new Error('the merge control plane is not running');
    return cluster;
  };
}

function must(result: { ok: boolean; message?: string }): void {
  if (!result.ok) throw new Error(`set-up failed: ${result.message}`);
}

async function waitForWidgets(oracle: ApiServerOracle, namespace: string): Promise<void> {
  const probe: JsonObject = { apiVersion: widgetApiVersion, kind: 'Widget', metadata: { name: 'probe', namespace }, spec: {} };
  for (let attempt = 0; attempt < 100; attempt++) {
    const result = await oracle.apply(probe, 'weft-test', true);
    if (result.ok) {
      await oracle.delete(probe);
      return;
    }
    await sleep(200);
  }
  throw new Error('the Widget CRD never became served');
}
