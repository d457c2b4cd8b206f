import diagnostics from 'node:diagnostics_channel';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { KubeClient, type KubeObject } from '@weft/reconcile-core';
import { applySet, watchDrift, type DriftEvent } from '@weft/drift';
import { clusterKubeConfig, describeCluster, testNamespace } from '../support/cluster';
import { eventually } from '@weft/testkit';
import { configMap, deployment, kubectl, liveObject } from './drift-fixtures';

/** Collects every event of a stream, and resolves the first event that matches. */
function record(stream: ReturnType<typeof watchDrift>) {
  const events: DriftEvent[] = [];
  const subscription = stream.subscribe((event) => events.push(event));
  const next = (match: (event: DriftEvent) => boolean, timeoutMs = 10_000): Promise<DriftEvent> =>
    eventually('a drift event', async () => events.find(match), { timeoutMs });
  return { events, subscription, next };
}

describeCluster('watchDrift on a real apiserver', () => {
  let namespace: string;
  let client: KubeClient;
  beforeAll(async () => {
    namespace = await testNamespace('drift-watch');
    client = new KubeClient(clusterKubeConfig());
  });
  afterAll(() => client.close());

  const spec = (object: KubeObject | undefined) => object?.['spec'] as { replicas?: number; template: { spec: { containers: { image: string }[] } } };

  it('reports a kubectl edit by another manager, naming it, and reverts it', async () => {
    const web = deployment(namespace, 'reverted', { replicas: 2 });
    const settings = configMap(namespace, 'reverted-settings', { a: '1' });
    await applySet(client, [web, settings]);
    const watch = record(watchDrift(client, [web, settings], { mode: 'revert' }));
    try {
      await watch.next((event) => event.type === 'watching');
      const edited = Date.now();
      await kubectl(client.kubeConfig, ['patch', 'deployment', 'reverted', '-n', namespace, '--type=merge', '--field-manager=kubectl-edit', '-p', '{"spec":{"replicas":7}}']);
      const patched = Date.now();
      const drifted = await watch.next((event) => event.type === 'drifted');
      if (drifted.type !== 'drifted') throw new Error('unreachable');
      // How fast is bench/drift's business (detection in milliseconds); here only that it follows the edit.
      expect(drifted.detectedAt.getTime()).toBeGreaterThanOrEqual(edited);
      expect(drifted.subject).toBe(`Deployment/${namespace}/reverted`);
      expect(drifted.editedBy).toContain('kubectl-edit');
      expect(drifted.diff.changes).toEqual([{ path: '/spec/replicas', op: 'replace', live: 7, desired: 2 }]);
      const reverted = await watch.next((event) => event.type === 'reverted');
      expect(reverted).toMatchObject({ type: 'reverted', change: { action: 'configured' } });
      const live = await liveObject(client, { group: 'apps', version: 'v1', kind: 'Deployment', namespace, name: 'reverted' });
      expect(spec(live).replicas).toBe(2);
      expect(live?.metadata.managedFields?.map((entry) => entry.manager)).not.toContain('kubectl-edit');
      expect(edited).toBeLessThanOrEqual(patched);

      // A deleted object is drift too, and comes back.
      await kubectl(client.kubeConfig, ['delete', 'configmap', 'reverted-settings', '-n', namespace]);
      await watch.next((event) => event.type === 'reverted' && event.subject.endsWith('/reverted-settings'));
      expect(await liveObject(client, { group: '', version: 'v1', kind: 'ConfigMap', namespace, name: 'reverted-settings' })).toBeDefined();
      expect(watch.events.filter((event) => event.type === 'error')).toEqual([]);
    } finally {
      watch.subscription.unsubscribe();
    }
  });

  it('in report mode only reports (and records an Event)', async () => {
    const web = deployment(namespace, 'reported', { replicas: 1 });
    await applySet(client, [web]);
    const watch = record(watchDrift(client, [web], { mode: 'report' }));
    try {
      await watch.next((event) => event.type === 'watching');
      await kubectl(client.kubeConfig, ['set', 'image', 'deployment/reported', '-n', namespace, 'web=nginx:9.9']);
      const drifted = await watch.next((event) => event.type === 'drifted');
      expect(drifted).toMatchObject({ diff: { changes: [{ path: '/spec/template/spec/containers/0/image', live: 'nginx:9.9', desired: 'nginx:1.27' }] } });
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(watch.events.some((event) => event.type === 'reverted')).toBe(false);
      const live = await liveObject(client, { group: 'apps', version: 'v1', kind: 'Deployment', namespace, name: 'reported' });
      expect(spec(live).template.spec.containers[0]!.image).toBe('nginx:9.9');
      const events = await client.listAll({ apiVersion: 'v1', kind: 'Event' }, { namespace, fieldSelector: 'involvedObject.name=reported,reason=DriftDetected' });
      expect(events.items.length).toBeGreaterThan(0);
    } finally {
      watch.subscription.unsubscribe();
    }
  });

  it('shares one list and watch per kind and namespace between the watchDrifts of one client, and a late one starts from the live state', async () => {
    // Counts this process's list and watch requests of the two kinds in the namespace, as they leave for the apiserver.
    const counting = new KubeClient(clusterKubeConfig());
    const requests = { lists: 0, watches: 0 };
    const collections = [`/api/v1/namespaces/${namespace}/configmaps?`, `/apis/apps/v1/namespaces/${namespace}/deployments?`];
    const count = (message: unknown): void => {
      const path = (message as { request: { path: string } }).request.path;
      if (!collections.some((collection) => path.startsWith(collection))) return;
      if (/[?&]watch=(1|true)/.test(path)) requests.watches++;
      else requests.lists++;
    };
    diagnostics.subscribe('http.client.request.start', count);
    const sets = Array.from({ length: 5 }, (_, index) => [configMap(namespace, `shared-${index}`, { a: '1' }), deployment(namespace, `shared-${index}`, { replicas: 1 })]);
    await applySet(counting, sets.flat());
    requests.lists = 0;
    requests.watches = 0;
    const watches = sets.slice(0, 4).map((set) => record(watchDrift(counting, set, { mode: 'revert' })));
    try {
      for (const watch of watches) await watch.next((event) => event.type === 'synced');
      // Two kinds in one namespace: one list and one watch each, not one per object.
      expect(requests).toEqual({ lists: 2, watches: 2 });

      // Drift of one set's object reaches that set only.
      await kubectl(counting.kubeConfig, ['patch', 'configmap', 'shared-2', '-n', namespace, '--type=merge', '--field-manager=kubectl-edit', '-p', '{"data":{"a":"2"}}']);
      await watches[2]!.next((event) => event.type === 'reverted' && event.subject === `ConfigMap/${namespace}/shared-2`);
      expect(watches.filter((_, index) => index !== 2).flatMap((watch) => watch.events.filter((event) => event.type === 'drifted'))).toEqual([]);

      // A set subscribed after an edit sees the edit at once (from a get, on the shared watch).
      await kubectl(counting.kubeConfig, ['patch', 'configmap', 'shared-4', '-n', namespace, '--type=merge', '--field-manager=kubectl-edit', '-p', '{"data":{"a":"3"}}']);
      const late = record(watchDrift(counting, sets[4]!, { mode: 'report' }));
      watches.push(late);
      const drifted = await late.next((event) => event.type === 'drifted');
      expect(drifted).toMatchObject({ subject: `ConfigMap/${namespace}/shared-4`, diff: { changes: [{ path: '/data/a', live: '3', desired: '1' }] } });
      expect(requests.watches).toBe(2);

      // Released with its last subscriber: a new watchDrift opens new watches.
      for (const watch of watches) watch.subscription.unsubscribe();
      const again = record(watchDrift(counting, sets[0]!, { mode: 'report' }));
      watches.push(again);
      await again.next((event) => event.type === 'synced');
      expect(requests.watches).toBe(4);
      expect(watches.flatMap((watch) => watch.events.filter((event) => event.type === 'error'))).toEqual([]);
    } finally {
      for (const watch of watches) watch.subscription.unsubscribe();
      diagnostics.unsubscribe('http.client.request.start', count);
      counting.close();
    }
  });

  it('leaves objects that opted out alone', async () => {
    const optedOut = configMap(namespace, 'opted-out', { a: '1' }, { 'weft.dev/drift': 'disabled' });
    const watched = configMap(namespace, 'watched', { a: '1' });
    await applySet(client, [optedOut, watched]);
    const watch = record(watchDrift(client, [optedOut, watched], { mode: 'revert' }));
    try {
      await watch.next((event) => event.type === 'watching');
      await kubectl(client.kubeConfig, ['patch', 'configmap', 'opted-out', '-n', namespace, '--type=merge', '--field-manager=kubectl-edit', '-p', '{"data":{"a":"2"}}']);
      await kubectl(client.kubeConfig, ['patch', 'configmap', 'watched', '-n', namespace, '--type=merge', '--field-manager=kubectl-edit', '-p', '{"data":{"a":"2"}}']);
      await watch.next((event) => event.type === 'reverted');
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(watch.events.filter((event) => event.type === 'drifted').map((event) => (event as { subject: string }).subject)).toEqual([`ConfigMap/${namespace}/watched`]);
      expect((await liveObject(client, { group: '', version: 'v1', kind: 'ConfigMap', namespace, name: 'opted-out' }))?.['data']).toEqual({ a: '2' });
    } finally {
      watch.subscription.unsubscribe();
    }
  });
});
