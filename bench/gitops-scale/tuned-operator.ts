// An experiment (BENCH_VARIANT=predicates): the gitops operator assembled as createGitOpsManager
// does, from the example's exported pieces, but with reconcile-core's trigger predicates, as
// Flux's kustomize-controller filters its events: a Kustomization reconciles when its generation,
// annotations or finalizers change (not on its own status writes), and when its GitRepository's
// artifact revision changes (not on each of the GitRepository's status writes).
import { join } from 'node:path';
import { createLogger } from '@weft/reconcile-core';
type Logger = ReturnType<typeof createLogger>;
import { EventRecorder, KubeClient, Manager, anyOf, controller, predicates, type ReconcileOutcome } from '@weft/reconcile-core';
import { ArtifactStorage, type GitRepository, GitRepositoryKind, GitRepositoryReconciler, gitRepositoryController } from '@weft/git-source';
import { ArtifactReader, type Kustomization, KustomizationKind, KustomizationReconciler } from '@weft/example-gitops-operator';
import type { KubeConfig } from '@kubernetes/client-node';

export interface TunedOptions {
  kubeConfig: KubeConfig;
  storageDir: string;
  namespace: string;
  logger: Logger;
  concurrency: number;
  onOutcome: (outcome: ReconcileOutcome) => void;
}

export function createTunedManager(options: TunedOptions): { manager: Manager; close(): Promise<void> } {
  const storage = new ArtifactStorage(join(options.storageDir, 'artifacts'));
  const kustomizations = new KustomizationReconciler({ artifacts: new ArtifactReader({ storage }), ...(process.env['BENCH_DRIFT_WATCH'] === '0' ? { driftWatch: false } : {}) });
  const recorderClient = new KubeClient(options.kubeConfig);
  const recorder = new EventRecorder(recorderClient, { reportingController: 'weft.dev/gitops-operator' });
  const manager = new Manager({ kubeConfig: options.kubeConfig, logger: options.logger, onOutcome: options.onOutcome, recorder, gracefulShutdownTimeout: '5s' });
  manager.add(gitRepositoryController({ namespace: options.namespace, concurrency: 2 }).reconcile(new GitRepositoryReconciler({ storage, cacheDir: join(options.storageDir, 'cache') })));
  const keyOf = (kustomization: Kustomization) => ({ namespace: kustomization.metadata.namespace ?? 'default', name: kustomization.metadata.name ?? '' });
  const usesSource = (candidate: Kustomization, repository: GitRepository) =>
    candidate.spec.sourceRef.kind === 'GitRepository' &&
    candidate.spec.sourceRef.name === repository.metadata.name &&
    (candidate.spec.sourceRef.namespace ?? candidate.metadata.namespace) === repository.metadata.namespace;
  manager.add(
    controller(KustomizationKind, {
      name: 'kustomization',
      namespace: options.namespace,
      concurrency: options.concurrency,
      predicate: anyOf(predicates.generation, predicates.annotations, predicates.finalizers),
    })
      .watches(GitRepositoryKind, (repository, store) => store.list().filter((candidate) => usesSource(candidate, repository)).map(keyOf), {
        predicate: (repository) => repository.status?.artifact?.revision ?? '',
      })
      .watches(
        KustomizationKind,
        (changed, store) =>
          store
            .list()
            .filter((candidate) => (candidate.spec.dependsOn ?? []).some((dependency) => dependency.name === changed.metadata.name && (dependency.namespace ?? candidate.metadata.namespace) === changed.metadata.namespace))
            .map(keyOf),
      )
      .reconcile(kustomizations),
  );
  return {
    manager,
    async close() {
      kustomizations.close();
      await recorder.close();
      recorderClient.close();
    },
  };
}
