// A private control plane for the merge differential suites: no controllers, so nothing but the
// test writes the objects between reading the live object and sending the operation.
import { MergeSchemaRegistry, type JsonObject } from '@weft/merge';
import { eventually, startControlPlane, type ControlPlane } from '@weft/testkit';
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
  // 100 attempts 200 ms apart, as long as a loaded apiserver may take to serve a new CRD.
  await eventually('the Widget CRD to be served', async () => {
    const result = await oracle.apply(probe, 'weft-test', true);
    if (!result.ok) throw new Error(`applying a Widget: ${result.code} ${result.message}`);
    return true;
  }, { timeoutMs: 20_000, intervalMs: 200 });
  await oracle.delete(probe);
}
