import { randomBytes } from 'node:crypto';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, describe, inject } from 'vitest';

const kubeconfigYaml = inject('weftKubeconfig');

/** Whether this run has a real control plane (always, when CI=true). */
export const hasCluster = kubeconfigYaml !== null;

/** `describe`, skipped when no real control plane could run here (never in CI). */
export const describeCluster = describe.skipIf(!hasCluster);

/** A fresh `KubeConfig` for the run's real control plane. */
export function clusterKubeConfig(): KubeConfig {
  if (kubeconfigYaml === null) throw new Error(`no real control plane: ${inject('weftClusterSkipReason')}`);
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(kubeconfigYaml);
  return kubeConfig;
}

/**
 * Creates a namespace with a unique name for one test file and deletes it after
 * the file's tests, so suites sharing the control plane never see each other's objects.
 */
export async function testNamespace(prefix: string): Promise<string> {
  const core = clusterKubeConfig().makeApiClient(CoreV1Api);
  const name = `${prefix}-${randomBytes(4).toString('hex')}`;
  await core.createNamespace({ body: { metadata: { name, labels: { 'weft.dev/test': 'true' } } } });
  afterAll(async () => {
    await core.deleteNamespace({ name }).catch(() => undefined);
  });
  return name;
}
