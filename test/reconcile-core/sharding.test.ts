import { ConfigMapKind, controller, createLogger, done, Manager, shardLabel, type ShardSpec } from '@weft/reconcile-core';
import { eventually } from '@weft/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { clusterKubeConfig, describeCluster, testNamespace } from '../support/cluster';
import { inParallel, transportFor } from './widgets';

describeCluster('reconcile-core sharding on the real apiserver', () => {
  const kubeConfig = clusterKubeConfig();
  const transport = transportFor(kubeConfig);
  let namespace: string;
  beforeAll(async () => {
    namespace = await testNamespace('rc-shards');
  });
  afterAll(() => transport.close());

  it('two shards split 1,000 objects with none reconciled by both, and the main instance takes the unlabelled ones', async () => {
    const names = Array.from({ length: 1_000 }, (_, i) => `cm-${String(i).padStart(4, '0')}`);
    const shardOfName = (i: number) => (i % 2 === 0 ? 'shard-a' : 'shard-b');
    await inParallel(names, 24, (name, i) =>
      transport.request('POST', `/api/v1/namespaces/${namespace}/configmaps`, { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { [shardLabel]: shardOfName(i) } } } }),
    );
    const unlabelled = ['plain-1', 'plain-2', 'plain-3'];
    await inParallel(unlabelled, 3, (name) => transport.request('POST', `/api/v1/namespaces/${namespace}/configmaps`, { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } } }));

    const seen = new Map<string, string[]>();
    const stop = new AbortController();
    const replicas: [string, ShardSpec][] = [
      ['shard-a', 'shard-a'],
      ['shard-b', 'shard-b'],
      ['main', { main: true }],
    ];
    const running = replicas.map(([replica, shard]) => {
      const manager = new Manager({ kubeConfig, shard, handleSignals: false, logger: createLogger({ level: 'silent' }) });
      manager.add(
        controller(ConfigMapKind, { namespace, concurrency: 4 }).reconcile(async (cm) => {
          // The kube-root-ca.crt ConfigMap the namespace controller adds is unlabelled too.
          if (cm.metadata.name !== 'kube-root-ca.crt') seen.set(cm.metadata.name, [...(seen.get(cm.metadata.name) ?? []), replica]);
          return done;
        }),
      );
      return manager.start({ signal: stop.signal });
    });
    try {
      await eventually('every object reconciled', () => seen.size === names.length + unlabelled.length, { timeoutMs: 60_000 });
      // Let late duplicates, if any, arrive before judging.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const byBoth = [...seen].filter(([, replicasSeen]) => new Set(replicasSeen).size > 1);
      expect(byBoth).toEqual([]);
      names.forEach((name, i) => expect(seen.get(name)?.[0]).toBe(shardOfName(i)));
      for (const name of unlabelled) expect(seen.get(name)).toEqual(['main']);
      const counts = [...seen.values()].reduce<Record<string, number>>((acc, [replica]) => ({ ...acc, [replica!]: (acc[replica!] ?? 0) + 1 }), {});
      expect(counts).toEqual({ 'shard-a': 500, 'shard-b': 500, main: 3 });
    } finally {
      stop.abort();
      await Promise.all(running);
    }
  });
});
