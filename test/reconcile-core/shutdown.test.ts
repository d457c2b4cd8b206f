import { ConfigMapKind, controller, createLogger, done, Manager, ManagerError } from '@weft/reconcile-core';
import { eventually } from '@weft/testkit';
import { beforeAll, expect, it } from 'vitest';
import { clusterKubeConfig, describeCluster, testNamespace } from '../support/cluster';
import { transportFor } from './widgets';

describeCluster('reconcile-core graceful shutdown on the real apiserver', () => {
  const kubeConfig = clusterKubeConfig();
  let namespace: string;
  beforeAll(async () => {
    namespace = await testNamespace('rc-shutdown');
    const transport = transportFor(kubeConfig);
    await transport.request('POST', `/api/v1/namespaces/${namespace}/configmaps`, { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'slow', labels: { app: 'shutdown' } } } });
    transport.close();
  });

  function slowManager(holdMs: number, gracefulShutdownTimeout: string) {
    const record = { started: 0, finished: 0, abortedWith: undefined as unknown, calls: 0 };
    const manager = new Manager({ kubeConfig, gracefulShutdownTimeout, logger: createLogger({ level: 'silent' }) });
    manager.add(
      controller(ConfigMapKind, { namespace, labelSelector: 'app=shutdown' }).reconcile(async (_cm, ctx) => {
        record.calls += 1;
        record.started = Date.now();
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, holdMs);
          ctx.signal.addEventListener('abort', () => {
            record.abortedWith = ctx.signal.reason;
            clearTimeout(timer);
            resolve();
          });
        });
        record.finished = Date.now();
        return done;
      }),
    );
    return { manager, record };
  }

  it('on SIGTERM, lets the in-flight reconcile finish, then stops', async () => {
    const sigtermListeners = process.listenerCount('SIGTERM');
    const { manager, record } = slowManager(1_500, '30s');
    const running = manager.start();
    await eventually('the slow reconcile to start', () => record.started > 0, { timeoutMs: 30_000 });
    expect(process.listenerCount('SIGTERM')).toBe(sigtermListeners + 1);
    // Call only the Manager's own handler: emitting SIGTERM on the process would reach the test runner too.
    const handler = process.listeners('SIGTERM').at(-1)!;
    handler('SIGTERM');
    await running;
    expect(record.finished).toBeGreaterThanOrEqual(record.started + 1_400);
    expect(record.abortedWith).toBeUndefined();
    expect(record.calls).toBe(1);
    expect(process.listenerCount('SIGTERM')).toBe(sigtermListeners);
  });

  it('aborts a reconcile that outlives the graceful shutdown timeout', async () => {
    const { manager, record } = slowManager(60_000, '500ms');
    const stop = new AbortController();
    const running = manager.start({ signal: stop.signal });
    await eventually('the slow reconcile to start', () => record.started > 0, { timeoutMs: 30_000 });
    const stoppedAt = Date.now();
    stop.abort();
    await running;
    expect(Date.now() - stoppedAt).toBeLessThan(5_000);
    expect(record.abortedWith).toBeDefined();
    await expect(manager.start()).rejects.toBeInstanceOf(ManagerError);
  });
});
