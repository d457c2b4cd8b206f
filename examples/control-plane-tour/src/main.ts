/**
 * A tour of the real control plane every Weft test runs against: start etcd,
 * kube-apiserver, the controller manager, the scheduler and kwok fake nodes;
 * roll out a Deployment with server-side apply; watch it become Ready; restart
 * the apiserver; and shut everything down.
 *
 * Run it with `npm run demo` from the repository root (it builds what it needs).
 */
import {
  AppsV1Api,
  CoreV1Api,
  KubernetesObjectApi,
  PatchStrategy,
  type V1Deployment,
} from '@kubernetes/client-node';
import { eventually, startControlPlane } from '@weft/testkit';

const started = Date.now();
function step(message: string): void {
  const seconds = ((Date.now() - started) / 1000).toFixed(1).padStart(5);
  console.log(`[${seconds}s] ${message}`);
}

async function main(): Promise<void> {
  step('starting etcd, kube-apiserver, controller manager, scheduler and 3 kwok nodes');
  await using cluster = await startControlPlane({ controllers: true });
  step(`control plane (Kubernetes ${cluster.versions.kubernetes}) ready at ${cluster.server}`);
  step(`  kubectl --kubeconfig ${cluster.kubeconfigPath} get nodes   # works while the tour runs`);

  const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
  const apps = cluster.kubeConfig.makeApiClient(AppsV1Api);
  const objects = KubernetesObjectApi.makeApiClient(cluster.kubeConfig);

  await core.createNamespace({ body: { metadata: { name: 'tour' } } });
  const deployment: V1Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'hello', namespace: 'tour' },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'hello' } },
      template: { metadata: { labels: { app: 'hello' } }, spec: { containers: [{ name: 'hello', image: 'nginx:1.27' }] } },
    },
  };
  const applied = await objects.patch(deployment, undefined, undefined, 'weft', true, PatchStrategy.ServerSideApply);
  const owner = applied.metadata?.managedFields?.map((entry) => `${entry.manager} (${entry.operation})`).join(', ');
  step(`server-side applied Deployment tour/hello; field managers: ${owner}`);

  await eventually('3 ready replicas', async () => {
    const current = await apps.readNamespacedDeployment({ name: 'hello', namespace: 'tour' });
    return current.status?.readyReplicas === 3 && current;
  }, { timeoutMs: 60_000, intervalMs: 250 });
  const pods = await core.listNamespacedPod({ namespace: 'tour' });
  step(`Deployment ready: ${pods.items.map((pod) => `${pod.metadata?.name} on ${pod.spec?.nodeName}`).join(', ')}`);

  step('restarting kube-apiserver (etcd keeps the state)');
  await cluster.restartApiServer();
  const after = await apps.readNamespacedDeployment({ name: 'hello', namespace: 'tour' });
  step(`apiserver back; Deployment still has ${after.status?.readyReplicas} ready replicas`);

  await apps.deleteNamespacedDeployment({ name: 'hello', namespace: 'tour' });
  await eventually('garbage collection', async () => (await core.listNamespacedPod({ namespace: 'tour' })).items.length === 0, { timeoutMs: 60_000, intervalMs: 250 });
  step('deleted the Deployment; the garbage collector removed its ReplicaSet and Pods');
  step('stopping the control plane');
}

main().then(
  () => step('tour complete'),
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
