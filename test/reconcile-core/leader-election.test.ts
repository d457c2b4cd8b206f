import { ConfigMapKind, controller, createLogger, done, Manager } from '@weft/reconcile-core';
import { eventually } from '@weft/testkit';
import { beforeAll, expect, it } from 'vitest';
import { clusterKubeConfig, describeCluster, testNamespace } from '../support/cluster';
import { inParallel, transportFor } from './widgets';

describeCluster('reconcile-core leader election on the real apiserver', () => {
  const kubeConfig = clusterKubeConfig();
  let namespace: string;
  beforeAll(async () => {
    namespace = await testNamespace('rc-leader');
  });

  it('only the leader reconciles; when it stops, the other takes over within one lease duration', async () => {
    const transport = transportFor(kubeConfig);
    const names = Array.from({ length: 20 }, (_, i) => `cm-${i}`);
    await inParallel(names, 10, (name) => transport.request('POST', `/api/v1/namespaces/${namespace}/configmaps`, { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { app: 'le' } }, data: { v: '0' } } }));
    const leaseDurationMs = 6_000;
    const reconciledBy: Record<string, { name: string; at: number }[]> = { a: [], b: [] };
    const stops = { a: new AbortController(), b: new AbortController() };
    const managers = (['a', 'b'] as const).map((replica) => {
      const manager = new Manager({
        kubeConfig,
        handleSignals: false,
        logger: createLogger({ level: 'silent' }),
        leaderElection: { name: 'rc-leader-test', namespace, identity: `replica-${replica}`, leaseDuration: '6s', renewDeadline: '4s', retryPeriod: '1s' },
      });
      manager.add(
        controller(ConfigMapKind, { namespace, labelSelector: 'app=le', concurrency: 4 }).reconcile(async (cm) => {
          reconciledBy[replica]!.push({ name: cm.metadata.name, at: Date.now() });
          return done;
        }),
      );
      return { replica, manager, running: manager.start({ signal: stops[replica].signal }) };
    });
    try {
      await eventually('a leader to reconcile everything', () => managers.some(({ replica }) => new Set(reconciledBy[replica]!.map((r) => r.name)).size === names.length), { timeoutMs: 30_000 });
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const leader = managers.find(({ manager }) => manager.isLeader)!;
      const standby = managers.find(({ manager }) => !manager.isLeader)!;
      expect(leader).toBeDefined();
      expect(standby).toBeDefined();
      expect(reconciledBy[standby.replica]).toEqual([]);
      expect(await leader.manager.metrics.registry.getSingleMetricAsString('leader_election_master_status')).toContain('leader_election_master_status{name="rc-leader-test"} 1');

      // Stop the leader as SIGTERM would: it finishes, releases the Lease, and the standby takes over.
      const stoppedAt = Date.now();
      stops[leader.replica].abort();
      await leader.running;
      await eventually('the standby to take over', () => reconciledBy[standby.replica]!.length >= names.length, { timeoutMs: leaseDurationMs });
      const tookOverAfter = reconciledBy[standby.replica]![0]!.at - stoppedAt;
      expect(tookOverAfter).toBeLessThan(leaseDurationMs);
      expect(standby.manager.isLeader).toBe(true);

      // Changes now reach the new leader only.
      const before = reconciledBy[leader.replica]!.length;
      await transport.request('PATCH', `/api/v1/namespaces/${namespace}/configmaps/cm-3`, { body: { data: { v: '1' } }, contentType: 'application/merge-patch+json' });
      await eventually('the new leader to reconcile the change', () => reconciledBy[standby.replica]!.filter((r) => r.name === 'cm-3').length >= 2, { timeoutMs: 10_000 });
      expect(reconciledBy[leader.replica]).toHaveLength(before);
    } finally {
      for (const stop of Object.values(stops)) stop.abort();
      await Promise.allSettled(managers.map(({ running }) => running));
      transport.close();
    }
  });

  it('a leader that dies without releasing the Lease is replaced once the Lease expires', async () => {
    const leaseDurationMs = 4_000;
    const retryPeriodMs = 1_000;
    const started: Record<string, number[]> = { c: [], d: [] };
    const stops = { c: new AbortController(), d: new AbortController() };
    const managers = (['c', 'd'] as const).map((replica) => {
      const manager = new Manager({
        kubeConfig,
        handleSignals: false,
        logger: createLogger({ level: 'silent' }),
        // releaseOnCancel: false makes a stop look like a crash to the other replica: the Lease stays held until it expires.
        leaderElection: { name: 'rc-leader-crash', namespace, identity: `replica-${replica}`, leaseDuration: '4s', renewDeadline: '3s', retryPeriod: '1s', releaseOnCancel: false },
      });
      manager.add(
        controller(ConfigMapKind, { namespace, labelSelector: 'app=le', name: 'crash' }).reconcile(async () => {
          started[replica]!.push(Date.now());
          return done;
        }),
      );
      return { replica, manager, running: manager.start({ signal: stops[replica].signal }) };
    });
    try {
      await eventually('a leader', () => managers.some(({ manager }) => manager.isLeader), { timeoutMs: 20_000 });
      const leader = managers.find(({ manager }) => manager.isLeader)!;
      const standby = managers.find(({ manager }) => !manager.isLeader)!;
      await eventually('the leader to reconcile', () => started[leader.replica]!.length > 0, { timeoutMs: 10_000 });
      const killedAt = Date.now();
      stops[leader.replica].abort();
      await leader.running;
      await eventually('the standby to take over', () => standby.manager.isLeader, { timeoutMs: leaseDurationMs + 3 * retryPeriodMs });
      const tookOverAfter = Date.now() - killedAt;
      // client-go's bound: the lease duration after the last renewal the follower saw, plus one (jittered) retry period.
      expect(tookOverAfter).toBeLessThan(leaseDurationMs + 2 * retryPeriodMs);
      expect(tookOverAfter).toBeGreaterThan(leaseDurationMs - 2 * retryPeriodMs);
      await eventually('the new leader to reconcile', () => started[standby.replica]!.length > 0, { timeoutMs: 10_000 });
    } finally {
      for (const stop of Object.values(stops)) stop.abort();
      await Promise.allSettled(managers.map(({ running }) => running));
    }
  });
});
