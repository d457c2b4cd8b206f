// The baseline: client-node's own informer (the same pinned copy Weft's packages use).
import * as clientNode from '@kubernetes/client-node';

/** The part of client-node's informer API the baselines use. */
export interface BaselineInformer<T> {
  on(verb: 'add' | 'update' | 'delete' | 'error', callback: (object: T) => void): void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** A `makeInformer` over the ConfigMaps of one namespace, listed with CoreV1Api as client-node's docs show. */
export async function configMapInformer<T>(kubeconfigPath: string, namespace: string): Promise<BaselineInformer<T>> {
  const kubeConfig = new clientNode.KubeConfig();
  kubeConfig.loadFromFile(kubeconfigPath);
  const core = kubeConfig.makeApiClient(clientNode.CoreV1Api);
  return clientNode.makeInformer(kubeConfig, `/api/v1/namespaces/${namespace}/configmaps`, () => core.listNamespacedConfigMap({ namespace })) as unknown as BaselineInformer<T>;
}
