import { ConfigMapKind, controller, createLogger, Manager, type ReconcileOutcome } from '@weft/reconcile-core';
import { startControlPlane, eventually } from '@weft/testkit';
import { expect, it } from 'vitest';
import { describeCluster } from '../support/cluster';
import { inParallel, installWidgetCrd, listAll, transportFor, unconvergedWidgets, type Widget, widgetKind, WidgetReconciler, widgetsConverged } from './widgets';

const group = 'restart.weft.dev';
const WidgetKind = widgetKind(group);
const namespace = 'default';
const widgetsPath = `/apis/${group}/v1/namespaces/${namespace}/widgets`;

// A private control plane: restarting the shared apiserver would hurt every other suite.
describeCluster('reconcile-core across an apiserver restart', () => {
  // Under a loaded machine this file's control plane start, seeding and two convergences take most of a minute.
  it('reconciles every change made during and after the outage', { timeout: 150_000 }, async () => {
    await using controlPlane = await startControlPlane();
    const transport = transportFor(controlPlane.kubeConfig);
    await installWidgetCrd(transport, group);
    const reconciler = new WidgetReconciler(WidgetKind);
    const outcomes: ReconcileOutcome[] = [];
    const stop = new AbortController();
    const manager = new Manager({ kubeConfig: controlPlane.kubeConfig, handleSignals: false, logger: createLogger({ level: process.env['RC_DEBUG'] ? 'debug' : 'silent' }), onOutcome: (outcome) => outcomes.push(outcome) });
    manager.add(controller(WidgetKind, { namespace, concurrency: 4 }).owns(ConfigMapKind).reconcile(reconciler));
    const running = manager.start({ signal: stop.signal });
    try {
      const names = Array.from({ length: 100 }, (_, i) => `w-${String(i).padStart(3, '0')}`);
      const create = (name: string, size: number) => transport.request('POST', widgetsPath, { body: { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name, namespace }, spec: { size } } });
      const resize = (name: string, size: number) => transport.request('PATCH', `${widgetsPath}/${name}`, { body: { spec: { size } }, contentType: 'application/merge-patch+json' });
      await inParallel(names, 16, (name, i) => create(name, i));
      await eventually('first convergence', () => widgetsConverged(transport, group, namespace), { timeoutMs: 40_000 });

      // Changes sent while the apiserver is down land as soon as it is back, before the controller's watches reconnect.
      const restarted = controlPlane.restartApiServer({ downtimeMs: 1_500 });
      const giveUpAt = Date.now() + 60_000;
      const duringOutage = inParallel(names.slice(0, 20), 20, (name) =>
        eventually(`the apiserver to take size 5000 of Widget ${name}`, () => resize(name, 5_000).then(() => true), { timeoutMs: Math.max(0, giveUpAt - Date.now()), intervalMs: 100 }),
      );
      await restarted;
      await duringOutage;
      // And right after: resizes, creations and deletions (the deletions need the controller's finalizer).
      await inParallel(names.slice(20, 50), 16, (name) => resize(name, 7_000));
      await inParallel(['n-1', 'n-2', 'n-3', 'n-4', 'n-5'], 5, (name) => create(name, 42));
      const deleted = names.slice(90);
      await inParallel(deleted, 10, (name) => transport.request('DELETE', `${widgetsPath}/${name}`));

      await eventually('convergence after the restart', async () => (await widgetsConverged(transport, group, namespace)) && (await listAll<Widget>(transport, widgetsPath)).length === 95, { timeoutMs: 50_000 }).catch(async (error: unknown) => {
        const problems = await unconvergedWidgets(transport, group, namespace);
        const stuck = new Set(problems.map((problem) => `${namespace}/${problem.split(':')[0]}`));
        const recent = outcomes.filter((outcome) => stuck.has(outcome.key)).map((outcome) => `${outcome.key}:${outcome.result}:${String(outcome.error ?? '')}`);
        throw new Error(`${String(error)}\nnot converged: ${problems.slice(0, 20).join('; ')}\ntheir outcomes: ${recent.join(', ') || 'none'}`);
      });
      const widgets = await listAll<Widget>(transport, widgetsPath);
      expect(widgets.filter((widget) => widget.spec.size === 5_000).map((w) => w.metadata.name)).toEqual(names.slice(0, 20));
      expect(widgets.filter((widget) => widget.spec.size === 7_000)).toHaveLength(30);
      expect([...reconciler.finalized].sort()).toEqual(deleted);
      expect(outcomes.some((outcome) => outcome.key === 'default/n-5' && outcome.result === 'success')).toBe(true);
    } finally {
      stop.abort();
      await running;
      transport.close();
    }
  });
});
