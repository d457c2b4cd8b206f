// bench/ has no dependencies of its own: client-node is loaded from reconcile-core's, the same copy Weft uses.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The part of client-node's informer API the baselines use. */
export interface BaselineInformer<T> {
  on(verb: 'add' | 'update' | 'delete' | 'error', callback: (object: T) => void): void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

interface ClientNode {
  KubeConfig: new () => { loadFromFile(path: string): void; makeApiClient<A>(api: new (...args: never[]) => A): A };
  CoreV1Api: new (...args: never[]) => { listNamespacedConfigMap(request: { namespace: string }): Promise<{ items: unknown[]; metadata?: { resourceVersion?: string } }> };
  makeInformer<T>(kubeConfig: unknown, path: string, list: () => Promise<unknown>): BaselineInformer<T>;
}

export async function loadClientNode(): Promise<ClientNode> {
  const resolved = createRequire(join(root, 'packages', 'reconcile-core', 'package.json')).resolve('@kubernetes/client-node');
  return (await import(pathToFileURL(resolved).href)) as ClientNode;
}

/** A `makeInformer` over the ConfigMaps of one namespace, listed with CoreV1Api as client-node's docs show. */
export async function configMapInformer<T>(kubeconfigPath: string, namespace: string): Promise<BaselineInformer<T>> {
  const clientNode = await loadClientNode();
  const kubeConfig = new clientNode.KubeConfig();
  kubeConfig.loadFromFile(kubeconfigPath);
  const core = kubeConfig.makeApiClient(clientNode.CoreV1Api);
  return clientNode.makeInformer<T>(kubeConfig, `/api/v1/namespaces/${namespace}/configmaps`, () => core.listNamespacedConfigMap({ namespace }));
}
