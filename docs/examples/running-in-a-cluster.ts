// The code samples of docs/running-in-a-cluster.md (each ```ts block of the guide is a verbatim
// part of this file; docs/examples/docs.test.ts checks that), type-checked by `pnpm typecheck`.
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import {
  ConfigMapKind,
  controller,
  createLogger,
  EventRecorder,
  KubeClient,
  LeadershipLostError,
  Manager,
  shardSelector,
} from '@weft/reconcile-core';
import { createGitOpsManager, gitOpsCrds } from '@weft/delivery';
import { ImagePolicyKind, ImageRepositoryKind, ImageUpdateAutomationKind, TagStore, imageAutomationControllers } from '@weft/image-automation';
import { CanaryKind, MetricTemplateKind, canaryController } from '@weft/progressive';
import { GreetingKind } from '../../examples/hello-reconciler/src/greeting.js';
import { GreetingReconciler } from '../../examples/hello-reconciler/src/greeting-reconciler.js';

export async function runInCluster(): Promise<void> {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromDefault(); // in a Pod: the service account's token and CA; locally: $KUBECONFIG

  const manager = new Manager({
    kubeConfig,
    logger: createLogger(), // JSON lines with controller-runtime's keys; LOG_LEVEL=debug for more
    recorder: new EventRecorder(new KubeClient(kubeConfig), { reportingController: 'hello.weft.dev/hello-reconciler' }),
    metrics: { port: 8080 }, // /metrics (Prometheus), /healthz, /readyz
    leaderElection: { name: 'hello-reconciler', namespace: process.env['POD_NAMESPACE'] ?? 'hello-system' },
    shard: process.env['SHARD_KEY'], // undefined: every object; 'shard1': only objects labelled sharding.fluxcd.io/key=shard1
    gracefulShutdownTimeout: '25s', // below the Pod's terminationGracePeriodSeconds (30 s)
  });
  manager.add(controller(GreetingKind, { concurrency: 4 }).owns(ConfigMapKind).reconcile(new GreetingReconciler()));

  try {
    await manager.start(); // until SIGTERM / SIGINT, then a graceful shutdown
  } catch (error) {
    // Lost the Lease: stop, and let the Deployment restart the Pod to compete again.
    if (error instanceof LeadershipLostError) process.exit(1);
    throw error;
  }
}

export function shards(): void {
  console.log(shardSelector('shard1')); // 'sharding.fluxcd.io/key in (shard1)'
  console.log(shardSelector({ keys: ['shard1', 'shard2'] })); // 'sharding.fluxcd.io/key in (shard1,shard2)'
  console.log(shardSelector({ main: true })); // '!sharding.fluxcd.io/key': the objects no shard claims
}

/** The CRDs of the operator below; docs/examples/running-in-a-cluster.test.ts installs them and runs it. */
export const gitOpsWithExtrasCrds = [...gitOpsCrds, ImageRepositoryKind.crd, ImagePolicyKind.crd, ImageUpdateAutomationKind.crd, CanaryKind.crd, MetricTemplateKind.crd];

export function gitOpsOperatorWithExtras(kubeConfig: KubeConfig, storageDir: string): Manager {
  const operator = createGitOpsManager({ kubeConfig, storageDir, leaderElection: { name: 'weft-gitops-operator', namespace: 'weft-system' } });
  for (const imageController of imageAutomationControllers({ tagStore: new TagStore(join(storageDir, 'image-tags')) })) operator.add(imageController);
  operator.add(canaryController({ defaultProvider: 'kubernetes', metricsServer: 'http://prometheus.monitoring:9090' }));
  return operator; // operator.start({ signal }), as any Manager
}
