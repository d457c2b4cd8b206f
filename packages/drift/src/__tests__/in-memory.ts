import { startApiServer, type InMemoryApiServer } from '@weft/testkit';
import { KubeClient, type KubeObject } from '@weft/reconcile-core';

/** A ConfigMap in `namespace`. */
export const configMap = (namespace: string, name: string, data: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data });

/** A ConfigMap the apiserver refuses (its name is not a DNS label): its dry run fails with 422. */
export const invalidConfigMap = (namespace: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Not_Valid', namespace }, data: {} });

/** The in-memory API server and a drift client on it, both closed by `stop`. */
export async function inMemoryCluster(): Promise<{ api: InMemoryApiServer; client: KubeClient; stop(): Promise<void> }> {
  const api = await startApiServer();
  const client = new KubeClient(api.kubeConfig);
  return {
    api,
    client,
    stop: async () => {
      client.close();
      await api.stop();
    },
  };
}

/** Every write event (ADDED, MODIFIED, DELETED) of one kind in a namespace from now on, by name: what the apiserver stored, whoever wrote it. */
export function recordWrites(client: KubeClient, apiVersion: string, kind: string, namespace: string): { readonly writes: { type: string; name: string; data: unknown }[]; ready: Promise<void>; stop(): void } {
  const writes: { type: string; name: string; data: unknown }[] = [];
  const controller = new AbortController();
  let started: () => void = () => {};
  const ready = new Promise<void>((resolve) => (started = resolve));
  void (async () => {
    const { resourceVersion } = await client.listAll({ apiVersion, kind }, { namespace, signal: controller.signal });
    started();
    for await (const event of client.watch({ apiVersion, kind }, { namespace, resourceVersion, signal: controller.signal })) {
      if (event.type !== 'BOOKMARK') writes.push({ type: event.type, name: event.object.metadata.name, data: event.object['data'] });
    }
  })().catch(() => undefined);
  return { writes, ready, stop: () => controller.abort() };
}

/** Lets the event loop and the loopback server run for a while. */
export const settle = (ms = 300) => new Promise((resolve) => setTimeout(resolve, ms));
