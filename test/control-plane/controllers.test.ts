import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { eventually } from '@weft/testkit';
import { beforeAll, expect, it } from 'vitest';
import { clusterKubeConfig, describeCluster, testNamespace } from '../support/cluster';

describeCluster('controllers, scheduler and kwok nodes', () => {
  let namespace: string;
  beforeAll(async () => {
    namespace = await testNamespace('cp-ctrl');
  });

  it('rolls a Deployment of 3 replicas out to 3 ready Pods, and garbage-collects them when it is deleted', async () => {
    const kubeConfig = clusterKubeConfig();
    const apps = kubeConfig.makeApiClient(AppsV1Api);
    const core = kubeConfig.makeApiClient(CoreV1Api);
    const labels = { app: 'web' };
    await apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: 'web', labels },
        spec: {
          replicas: 3,
          selector: { matchLabels: labels },
          template: { metadata: { labels }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } },
        },
      },
    });

    const ready = await eventually('3 ready replicas', async () => {
      const deployment = await apps.readNamespacedDeployment({ name: 'web', namespace });
      return deployment.status?.readyReplicas === 3 ? deployment : undefined;
    }, { timeoutMs: 60_000, intervalMs: 250 });
    expect(ready.status?.availableReplicas).toBe(3);
    const pods = await core.listNamespacedPod({ namespace, labelSelector: 'app=web' });
    expect(pods.items).toHaveLength(3);
    for (const pod of pods.items) {
      expect(pod.spec?.nodeName).toMatch(/^kwok-node-/);
      expect(pod.status?.phase).toBe('Running');
    }
    const replicaSets = await apps.listNamespacedReplicaSet({ namespace, labelSelector: 'app=web' });
    expect(replicaSets.items).toHaveLength(1);

    await apps.deleteNamespacedDeployment({ name: 'web', namespace, propagationPolicy: 'Background' });
    await eventually('ReplicaSet and Pods to be garbage-collected', async () => {
      const [sets, remaining] = await Promise.all([
        apps.listNamespacedReplicaSet({ namespace, labelSelector: 'app=web' }),
        core.listNamespacedPod({ namespace, labelSelector: 'app=web' }),
      ]);
      return sets.items.length === 0 && remaining.items.length === 0 ? true : undefined;
    }, { timeoutMs: 60_000, intervalMs: 250 });
  });
});
