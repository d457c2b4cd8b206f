import { connect } from 'node:net';
import { ConfigMapKind, ConnectionError, GoneError, KubeClient, isConnectionError, type ObjectOf } from '@weft/reconcile-core';
import { eventually, startControlPlane, type ControlPlane } from '@weft/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeCluster } from '../support/cluster';

type ConfigMap = ObjectOf<typeof ConfigMapKind>;

// A private control plane: these tests restart the apiserver and compact etcd every 2 s, which the
// shared one must not see. Without the watch cache, a watch from a compacted resourceVersion reaches
// etcd and is answered 410 (the cache would still serve it from memory).
describeCluster('KubeClient through compaction and an apiserver restart (private control plane)', () => {
  let controlPlane: ControlPlane;
  let client: KubeClient;
  const namespace = 'default';

  beforeAll(async () => {
    controlPlane = await startControlPlane({ apiServerFlags: ['--etcd-compaction-interval=2s', '--watch-cache=false'] });
    // Retries span ~25 s: an apiserver restart on 2 busy cores can take 10 s or more.
    client = new KubeClient(controlPlane.kubeConfig, { retry: { maxRetries: 25, baseDelay: 200, maxDelay: 1000 } });
  });
  afterAll(async () => {
    client?.close();
    await controlPlane?.stop();
  });

  /** Until the apiserver's port refuses connections: the restart has stopped it (a fixed pause was not enough on a loaded machine). */
  const apiServerDown = () => {
    const { hostname, port } = new URL(controlPlane.kubeConfig.getCurrentCluster()!.server);
    return eventually('the apiserver to refuse connections', () =>
      new Promise<boolean>((resolve) => {
        const socket = connect({ host: hostname, port: Number(port) });
        socket.once('connect', () => {
          socket.destroy();
          resolve(false);
        });
        socket.once('error', () => resolve(true));
      }), { timeoutMs: 30_000, intervalMs: 20 });
  };
  const configMap = (name: string): ConfigMap => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels: { set: 'outage' } }, data: {} });

  it('throws GoneError for a watch from, and a continue token of, a compacted resourceVersion', async () => {
    await Promise.all(Array.from({ length: 6 }, (_, index) => client.create(configMap(`old-${index}`))));
    const firstPage = await client.list(ConfigMapKind, { namespace, labelSelector: 'set=outage', limit: 2 });
    expect(firstPage.continue).toBeTruthy();
    const oldVersion = firstPage.resourceVersion;

    // Keep writing while the apiserver compacts every 2 s, until the old version is gone.
    let round = 0;
    const watchError = await eventually(`a watch from compacted resourceVersion ${oldVersion} to fail with GoneError`, async () => {
      const stop = new AbortController();
      setTimeout(() => stop.abort(), 300);
      const ended = await (async () => {
        for await (const event of client.watch(ConfigMapKind, { namespace, resourceVersion: oldVersion, signal: stop.signal })) void event;
      })().catch((caught: unknown) => caught);
      if (ended instanceof GoneError) return ended;
      await client.apply(configMap(`churn-${round++ % 3}`));
      throw new Error(`the watch ended with ${ended === undefined ? 'no error' : String(ended)}`);
    }, { timeoutMs: 30_000, intervalMs: 500 });
    expect(watchError).toBeInstanceOf(GoneError);
    expect((watchError as GoneError).code).toBe(410);
    expect((watchError as GoneError).retryable).toBe(true);

    const expired = await client.list(ConfigMapKind, { namespace, labelSelector: 'set=outage', limit: 2, continue: firstPage.continue }).catch((caught: unknown) => caught);
    expect(expired).toBeInstanceOf(GoneError);
    expect((expired as GoneError).message).toContain('ConfigMap/default list failed:');
  });

  it('rides out an apiserver restart: a read during the outage retries until the apiserver is back', async () => {
    await client.create(configMap('survivor'));
    const watchEnded = (async () => {
      try {
        for await (const event of client.watch(ConfigMapKind, { namespace, fieldSelector: 'metadata.name=survivor' })) void event;
        return 'ended';
      } catch (error) {
        return isConnectionError(error) ? 'connection-error' : error;
      }
    })();

    const restarting = controlPlane.restartApiServer({ downtimeMs: 1500 });
    try {
      await apiServerDown();
      const started = Date.now();
      const read = await client.get(ConfigMapKind, 'survivor', { namespace, timeout: '60s' });
      expect(read.metadata.name).toBe('survivor');
      expect(Date.now() - started).toBeGreaterThan(500);
    } finally {
      await restarting;
    }
    // The watch does not reconnect by itself (the runtime's watch() does): it ends or reports the broken connection.
    expect(['ended', 'connection-error']).toContain(await watchEnded);
  });

  it('fails fast with ConnectionError when retries are exhausted while the apiserver is down', async () => {
    const impatient = new KubeClient(controlPlane.kubeConfig, { retry: { maxRetries: 1, baseDelay: 50 } });
    const restarting = controlPlane.restartApiServer({ downtimeMs: 2000 });
    try {
      await apiServerDown();
      const error = await impatient.get(ConfigMapKind, 'survivor', { namespace }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ConnectionError);
      expect((error as ConnectionError).retryable).toBe(true);
    } finally {
      impatient.close();
      await restarting;
    }
  });
});
