/**
 * Two replicas of the Canary controller (flagger#1613): only the holder of the Lease ticks; when
 * it stops, the other takes the Lease over and carries the release on.
 */
import { CanaryKind, canaryController, MetricTemplateKind } from '@weft/progressive';
import { createLogger, installCRDs, KubeClient, LeaseKind, Manager, type KubeObject } from '@weft/reconcile-core';
import { eventually } from '@weft/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterKubeConfig, hasCluster, testNamespace } from '../support/cluster';
import { release, webDeployment } from './scenarios';

describe.skipIf(!hasCluster)('progressive: two controller replicas with Lease leader election', () => {
  let client: KubeClient;
  let namespace: string;
  const replicas: { name: string; stop: AbortController; running: Promise<void> }[] = [];

  beforeAll(async () => {
    client = new KubeClient(clusterKubeConfig());
    namespace = await testNamespace('pr-leader');
    await installCRDs(client, [CanaryKind, MetricTemplateKind]);
    for (const name of ['replica-a', 'replica-b']) {
      const stop = new AbortController();
      const manager = new Manager({ kubeConfig: clusterKubeConfig(), logger: createLogger({ level: 'silent' }), handleSignals: false, gracefulShutdownTimeout: '2s', leaderElection: { name: 'weft-progressive', namespace, identity: name, leaseDuration: '4s', renewDeadline: '3s', retryPeriod: '500ms' } });
      manager.add(canaryController({ defaultProvider: 'kubernetes', minInterval: '1s', controller: { namespace } }));
      replicas.push({ name, stop, running: manager.start({ signal: stop.signal }) });
    }
  });

  afterAll(async () => {
    for (const replica of replicas) replica.stop.abort();
    await Promise.all(replicas.map((replica) => replica.running.catch(() => undefined)));
    client?.close();
  });

  async function phase(): Promise<string | undefined> {
    return (await client.get(CanaryKind, 'web', { namespace })).status?.phase;
  }

  async function until(what: string, test: () => Promise<boolean>, timeoutMs = 90_000): Promise<void> {
    await eventually(what, async () => {
      if (!(await test())) throw new Error(`phase ${await phase()}`);
      return true;
    }, { timeoutMs, intervalMs: 250 });
  }

  it('one replica leads; after it stops, the other takes the Lease and finishes the release', async () => {
    await client.create(webDeployment(namespace));
    await client.create({ apiVersion: 'progressive.weft.dev/v1', kind: 'Canary', metadata: { name: 'web', namespace }, spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, service: { port: 80, targetPort: 8080 }, analysis: { interval: '1s', threshold: 2, iterations: 2 } } } as KubeObject);
    await until('Initialized', async () => (await phase()) === 'Initialized');
    const lease = await client.get(LeaseKind, 'weft-progressive', { namespace });
    const leader = lease.spec?.holderIdentity;
    expect(['replica-a', 'replica-b']).toContain(leader);

    const stopped = replicas.find((replica) => replica.name === leader)!;
    stopped.stop.abort();
    await stopped.running.catch(() => undefined);
    await release(client, namespace, 'v2');
    await until('Succeeded under the other replica', async () => (await phase()) === 'Succeeded');
    const after = await client.get(LeaseKind, 'weft-progressive', { namespace });
    expect(after.spec?.holderIdentity).not.toBe(leader);
  });
});
