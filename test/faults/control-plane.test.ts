import { KubeConfig } from '@kubernetes/client-node';
import { ConfigMapKind, controller, createLogger, createStore, type KubeObject, type KubeTransport, Manager, reflect, watch, type WatchEvent } from '@weft/reconcile-core';
import { eventually, startControlPlane, type ControlPlane } from '@weft/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeCluster } from '../support/cluster';
import { inParallel, installWidgetCrd, listAll, transportFor, unconvergedWidgets, widgetKind, WidgetReconciler } from '../reconcile-core/widgets';
import { faultFigures } from './figures';
import { startTcpPartition, type TcpPartition } from './tcp-partition';

const group = 'faults.weft.dev';
const WidgetKind = widgetKind(group);
const namespace = 'default';
const widgetsPath = `/apis/${group}/v1/namespaces/${namespace}/widgets`;
const configMapsPath = `/api/v1/namespaces/${namespace}/configmaps`;
const names = Array.from({ length: 40 }, (_, i) => `w-${String(i).padStart(2, '0')}`);

// A private control plane: these faults restart its processes, which would hurt every other suite.
// The controllers reach it through a TCP proxy the partition case cuts.
describeCluster('faults on the real control plane (reconcile-core)', () => {
  const record = faultFigures('control plane');
  let controlPlane: ControlPlane;
  let proxy: TcpPartition;
  let transport: KubeTransport;
  let proxied: KubeTransport;
  const stop = new AbortController();
  let running: Promise<void> | undefined;
  let size = 1;

  const resize = (name: string, value: number) =>
    transport.request('PATCH', `${widgetsPath}/${name}`, { body: { spec: { size: value } }, contentType: 'application/merge-patch+json' });

  /** Writes changes one after another for `durationMs`, retrying each until the apiserver takes it; returns how many landed. */
  async function writeChanges(durationMs: number): Promise<number> {
    let written = 0;
    const end = Date.now() + durationMs;
    while (Date.now() < end) {
      const name = names[written % names.length]!;
      size += 1;
      // Until 60 s after the writing time, as long as an outage may last.
      await eventually(`the apiserver to take size ${size} of Widget ${name}`, () => resize(name, size).then(() => true), { timeoutMs: Math.max(0, end + 60_000 - Date.now()), intervalMs: 100 });
      written += 1;
    }
    return written;
  }

  /** Waits until every Widget is reconciled to its latest spec; returns the seconds it took. */
  async function converge(what: string): Promise<number> {
    const started = Date.now();
    await eventually(what, async () => (await unconvergedWidgets(transport, group, namespace)).length === 0, { timeoutMs: 90_000, intervalMs: 250 }).catch(async (error: unknown) => {
      throw new Error(`${(error as Error).message}; still unreconciled: ${(await unconvergedWidgets(transport, group, namespace)).join('; ')}`);
    });
    return (Date.now() - started) / 1000;
  }

  beforeAll(async () => {
    controlPlane = await startControlPlane();
    proxy = await startTcpPartition(controlPlane.server);
    transport = transportFor(controlPlane.kubeConfig);
    const viaProxy = new KubeConfig();
    viaProxy.loadFromString(controlPlane.kubeconfigYaml.replace(controlPlane.server, proxy.url));
    proxied = transportFor(viaProxy);
    await installWidgetCrd(transport, group);
    const manager = new Manager({ kubeConfig: viaProxy, handleSignals: false, logger: createLogger({ level: 'silent' }) });
    manager.add(controller(WidgetKind, { namespace, concurrency: 4 }).owns(ConfigMapKind).reconcile(new WidgetReconciler(WidgetKind)));
    running = manager.start({ signal: stop.signal });
    await inParallel(names, 10, (name) => transport.request('POST', widgetsPath, { body: { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name, namespace }, spec: { size } } }));
    await converge('the first convergence');
  }, 180_000);

  afterAll(async () => {
    stop.abort();
    await running?.catch(() => undefined);
    proxied?.close();
    transport?.close();
    await proxy?.close();
    await controlPlane?.stop();
  });

  it('kube-apiserver restarted mid-run: every change written around the restart is reconciled (0 left)', { timeout: 180_000 }, async () => {
    const writing = writeChanges(6_000);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const down = Date.now();
    await controlPlane.restartApiServer({ downtimeMs: 1_000 });
    const outage = (Date.now() - down) / 1000;
    const written = await writing;
    const seconds = await converge('convergence after the apiserver restart');
    const left = (await unconvergedWidgets(transport, group, namespace)).length;
    record({ fault: 'kube-apiserver restart', figure: 'changes written / left unreconciled', value: `${written} / ${left}`, bound: '0 left' });
    record({ fault: 'kube-apiserver restart', figure: 'outage; converged after writes', value: `${outage.toFixed(1)} s; ${seconds.toFixed(1)} s`, bound: '< 90 s' });
    expect(written).toBeGreaterThan(0);
    expect(left).toBe(0);
  });

  it('etcd killed and restarted mid-run: every change is reconciled (0 left)', { timeout: 180_000 }, async () => {
    const writing = writeChanges(6_000);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const down = Date.now();
    await controlPlane.restartEtcd({ kill: true, downtimeMs: 1_000 });
    const outage = (Date.now() - down) / 1000;
    const written = await writing;
    const seconds = await converge('convergence after the etcd restart');
    const left = (await unconvergedWidgets(transport, group, namespace)).length;
    record({ fault: 'etcd kill -9 + restart', figure: 'changes written / left unreconciled', value: `${written} / ${left}`, bound: '0 left' });
    record({ fault: 'etcd kill -9 + restart', figure: 'outage; converged after writes', value: `${outage.toFixed(1)} s; ${seconds.toFixed(1)} s`, bound: '< 90 s' });
    expect(left).toBe(0);
  });

  it('a watch expired (410) across a network partition: the deletes made in the gap are seen', { timeout: 180_000 }, async () => {
    const gapNames = Array.from({ length: 12 }, (_, i) => `gap-${String(i).padStart(2, '0')}`);
    await inParallel(gapNames, 6, (name) => transport.request('POST', configMapsPath, { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { fault: 'gap' } }, data: { v: '1' } } }));
    const { store, writer } = createStore<KubeObject>();
    const events: WatchEvent<KubeObject>[] = [];
    const subscription = watch(ConfigMapKind, { transport: proxied, namespace, labelSelector: 'fault=gap' })
      .pipe(reflect(writer))
      .subscribe((event) => events.push(event));
    try {
      await store.ready();
      expect(store.size).toBe(12);
      proxy.partition();
      const before = events.length;
      const deleted = gapNames.slice(0, 5);
      await inParallel(deleted, 5, (name) => transport.request('DELETE', `${configMapsPath}/${name}`));
      await inParallel(gapNames.slice(5, 8), 3, (name) => transport.request('PATCH', `${configMapsPath}/${name}`, { body: { data: { v: '2' } }, contentType: 'application/merge-patch+json' }));
      // The controller's Widgets change in the gap too.
      for (const name of names.slice(0, 5)) await resize(name, (size += 1));
      // A restarted apiserver's watch cache starts at the current revision: the old resourceVersion is gone (410).
      await controlPlane.restartApiServer();
      const healed = Date.now();
      proxy.heal();
      await eventually('the relist after 410', () => events.slice(before).some((event) => event.type === 'InitDone'), { timeoutMs: 60_000 });
      await eventually('the deletes after the relist', () => events.slice(before).filter((event) => event.type === 'Delete').length >= deleted.length, { timeoutMs: 10_000 });
      const relistSeconds = (Date.now() - healed) / 1000;
      const seen = events.slice(before).filter((event): event is Extract<WatchEvent<KubeObject>, { type: 'Delete' }> => event.type === 'Delete').map((event) => event.object.metadata.name);
      const server = await listAll<KubeObject>(transport, configMapsPath, { labelSelector: 'fault=gap' });
      expect(seen.sort()).toEqual(deleted);
      expect(store.list().map((object) => object.metadata.name).sort()).toEqual(server.map((object) => object.metadata.name).sort());
      expect((store.get(`${namespace}/gap-06`)?.['data'] as Record<string, string>)['v']).toBe('2');
      const seconds = await converge('the controller to converge after the partition');
      record({ fault: 'watch expired (410) in a partition', figure: 'deletes in the gap / seen', value: `${deleted.length} / ${seen.length}`, bound: 'all seen' });
      record({ fault: 'watch expired (410) in a partition', figure: 'relist after heal; controller converged', value: `${relistSeconds.toFixed(1)} s; ${seconds.toFixed(1)} s`, bound: '< 60 s' });
    } finally {
      subscription.unsubscribe();
      proxy.heal();
    }
  });
});
