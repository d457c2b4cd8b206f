import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CancelledError, InvalidError, KubeClient, type KubeObject } from '@weft/reconcile-core';
import { startApiServer, type InMemoryApiServer } from '@weft/testkit';
import { CancelledError as DriftCancelledError } from '../index.js';
import { applySet } from '../apply.js';
import { countChanges } from '../changeset.js';
import { diff } from '../diff.js';
import { DryRunError } from '../errors.js';
import { prune } from '../prune.js';
import { wait } from '../wait.js';
import { getLive } from '../requests.js';
import { configMap, invalidConfigMap } from './in-memory.js';

describe('the verbs of drift on the in-memory API server', () => {
  let api: InMemoryApiServer;
  /** Without retries of its own, so drift's waiting for an unavailable apiserver is what a test sees. */
  let client: KubeClient;
  beforeAll(async () => {
    api = await startApiServer();
    client = new KubeClient(api.kubeConfig, { retry: { maxRetries: 0 } });
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'verbs' } });
  });
  afterAll(async () => {
    client.close();
    await api.stop();
  });

  it('applies, diffs, waits for and prunes a set', async () => {
    const v1 = [configMap('verbs', 'a', { v: '1' }), configMap('verbs', 'b', { v: '1' })];
    expect(countChanges(await applySet(client, v1))).toEqual({ created: 2 });
    expect(countChanges(await applySet(client, v1))).toEqual({ unchanged: 2 });
    expect((await diff(client, [configMap('verbs', 'a', { v: '2' })])).map((entry) => entry.status)).toEqual(['drifted']);
    expect(await wait(client, v1, { timeout: 5_000 })).toMatchObject({ healthy: true, timedOut: false });
    const v2 = await applySet(client, [v1[0]!]);
    const pruned = await prune(client, (await applySet(client, v1)).inventory, v2.inventory);
    expect(countChanges(pruned)).toEqual({ deleted: 1 });
    expect(await getLive(client, { group: '', version: 'v1', kind: 'ConfigMap', namespace: 'verbs', name: 'b' })).toBeUndefined();
  });

  it('speaks reconcile-core\'s errors: a refused object is an InvalidError inside the DryRunError, a cancel its CancelledError', async () => {
    const refused = await applySet(client, [invalidConfigMap('verbs')]).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(DryRunError);
    expect((refused as DryRunError).failures[0]!.cause).toBeInstanceOf(InvalidError);
    expect((refused as DryRunError).message).toMatch(/^ConfigMap\/verbs\/Not_Valid dry-run failed: /);

    expect(DriftCancelledError).toBe(CancelledError);
    const controller = new AbortController();
    controller.abort();
    await expect(applySet(client, [configMap('verbs', 'c', {})], { signal: controller.signal })).rejects.toBeInstanceOf(CancelledError);
  });

  it('waits out an apiserver that answers 503 for a while, and gives up on a 500', async () => {
    const lift = api.faults.failRequests({ verb: 'get', resource: 'configmaps', code: 503, times: 4 });
    try {
      expect(countChanges(await applySet(client, [configMap('verbs', 'unavailable', { v: '1' })]))).toEqual({ created: 1 });
    } finally {
      lift();
    }
    const broken = api.faults.failRequests({ verb: 'get', resource: 'configmaps', code: 500 });
    try {
      const error = await applySet(client, [configMap('verbs', 'broken', { v: '1' })]).catch((thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(DryRunError);
      expect((error as DryRunError).message).toMatch(/injected fault/);
    } finally {
      broken();
    }
  });

  it('applies a CRD and its custom resources in one set: the resources wait for the kind to be served', async () => {
    const crd: KubeObject = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'gizmos.example.com' },
      spec: { group: 'example.com', scope: 'Namespaced', names: { plural: 'gizmos', singular: 'gizmo', kind: 'Gizmo' }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }] },
    };
    const gizmo: KubeObject = { apiVersion: 'example.com/v1', kind: 'Gizmo', metadata: { name: 'g', namespace: 'verbs' }, spec: { size: 1 } };
    const result = await applySet(client, [gizmo, crd]);
    expect(result.entries.map((entry) => [entry.subject, entry.action])).toEqual(
      expect.arrayContaining([
        ['CustomResourceDefinition/gizmos.example.com', 'created'],
        ['Gizmo/verbs/g', 'created'],
      ]),
    );
  });
});
