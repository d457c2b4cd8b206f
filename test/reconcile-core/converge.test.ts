import { randomBytes } from 'node:crypto';
import { eventually } from '@weft/testkit';
import { ConfigMapKind, controller, createLogger, isNotFoundError, Manager, type ReconcileOutcome } from '@weft/reconcile-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { clusterKubeConfig, describeCluster, testNamespace } from '../support/cluster';
import { inParallel, installWidgetCrd, listAll, removeWidgetCrd, transportFor, type Widget, widgetKind, WidgetReconciler, widgetsConverged } from './widgets';

const group = `converge-${randomBytes(3).toString('hex')}.weft.dev`;
const WidgetKind = widgetKind(group);
const count = 500;

describeCluster('reconcile-core controller on the real apiserver', () => {
  const kubeConfig = clusterKubeConfig();
  const transport = transportFor(kubeConfig);
  const reconciler = new WidgetReconciler(WidgetKind);
  const outcomes: ReconcileOutcome[] = [];
  const stop = new AbortController();
  let namespace: string;
  let manager: Manager;
  let running: Promise<void>;

  beforeAll(async () => {
    namespace = await testNamespace('rc-converge');
    await installWidgetCrd(transport, group);
    manager = new Manager({ kubeConfig, handleSignals: false, metrics: { port: 0, host: '127.0.0.1' }, logger: createLogger({ level: 'warn' }), onOutcome: (outcome) => outcomes.push(outcome) });
    manager.add(controller(WidgetKind, { namespace, concurrency: 8 }).owns(ConfigMapKind).reconcile(reconciler));
    running = manager.start({ signal: stop.signal });
  });

  afterAll(async () => {
    stop.abort();
    await running;
    await removeWidgetCrd(transport, group);
    transport.close();
  });

  const widgetsPath = () => `/apis/${group}/v1/namespaces/${namespace}/widgets`;
  const configMapsPath = () => `/api/v1/namespaces/${namespace}/configmaps`;

  const converged = () => widgetsConverged(transport, group, namespace);

  it(`converges ${count} custom resources and their owned children`, async () => {
    const names = Array.from({ length: count }, (_, i) => `w-${String(i).padStart(4, '0')}`);
    await inParallel(names, 16, (name, i) =>
      transport.request('POST', widgetsPath(), { body: { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name, namespace }, spec: { size: i } } }),
    );
    await eventually(`${count} widgets converged`, converged, { timeoutMs: 90_000 });
    const widgets = await listAll<Widget>(transport, widgetsPath());
    expect(widgets).toHaveLength(count);
    expect(manager.ready).toBe(true);
    const metrics = await (await fetch(`http://127.0.0.1:${manager.healthPort}/metrics`)).text();
    expect(metrics).toMatch(/controller_runtime_reconcile_total\{controller="widget",result="success"\} \d+/);
    expect((await fetch(`http://127.0.0.1:${manager.healthPort}/readyz`)).status).toBe(200);

    // Spec changes and a deleted child are reconciled too (the child through owns()).
    await inParallel(names.slice(0, 50), 16, (name) =>
      transport.request('PATCH', `${widgetsPath()}/${name}`, { body: { spec: { size: 10_000 } }, contentType: 'application/merge-patch+json' }),
    );
    await transport.request('DELETE', `${configMapsPath()}/w-0400-child`);
    await eventually('changes converged', async () => (await converged()) && (await listAll(transport, configMapsPath())).some((cm) => (cm as { metadata: { name: string } }).metadata.name === 'w-0400-child'), { timeoutMs: 60_000 });
    const errors = outcomes.filter((outcome) => outcome.result === 'error');
    expect(errors.filter((outcome) => outcome.terminal)).toEqual([]);
  });

  it('runs the finalizer when a custom resource is deleted, then lets it go', async () => {
    await transport.request('DELETE', `${widgetsPath()}/w-0007`);
    await eventually('w-0007 gone', () => transport.request('GET', `${widgetsPath()}/w-0007`).then(() => false, (error: unknown) => isNotFoundError(error) || Promise.reject(error)), { timeoutMs: 60_000 });
    expect(reconciler.finalized).toEqual(['w-0007']);
  });
});
