import { type ControllerBuilder, type ControllerOptions, anyOf, controller, predicates } from '@weft/reconcile-core';
import { GitRepositoryKind } from '@weft/git-source';
import { type Kustomization, KustomizationKind } from './kustomization.js';
import { conflictPartners } from './ownership-conflicts.js';
import { noteSource } from './source-cache.js';

/**
 * The controller builder for Kustomization objects: reconciles each object, the Kustomizations
 * that use a GitRepository when its artifact revision changes, the dependents of a Kustomization
 * when its readiness changes (so `dependsOn` chains move without waiting for `retryInterval`), and
 * both Kustomizations of an ownership conflict when either one's conflicts change.
 *
 * @remarks
 * Triggers are filtered as Flux's kustomize-controller filters them (reconcile-core predicates): a
 * Kustomization's own status writes trigger nothing (generation, annotations — a manual reconcile
 * request — and finalizers do), nor do a GitRepository's status writes that keep its revision.
 * Pass `predicate` in `options` to change the first. The reconcile deadline is a 1 h backstop above
 * `spec.timeout`, which bounds the apply and health checks.
 *
 * @example
 * ```ts
 * import { KustomizationReconciler, kustomizationController } from '@weft/delivery';
 *
 * const kustomizations = kustomizationController({ namespace: 'default', concurrency: 4 }).reconcile(new KustomizationReconciler({ namespace: 'default' }));
 * ```
 */
export function kustomizationController(options: ControllerOptions<Kustomization> = {}): ControllerBuilder<Kustomization> {
  const keyOf = (kustomization: Kustomization) => ({ namespace: kustomization.metadata.namespace ?? 'default', name: kustomization.metadata.name ?? '' });
  // spec.timeout bounds apply and health checks (5m by default, as in Flux); the runtime's own
  // per-reconcile deadline is only a backstop above it, or it would cut a health check off at the
  // moment it should report HealthCheckFailed.
  return controller(KustomizationKind, { name: 'kustomization', timeout: '1h', predicate: anyOf(predicates.generation, predicates.annotations, predicates.finalizers), ...options })
    .watches(
      GitRepositoryKind,
      (repository, store) => {
        // The reconcile this wakes reads its source from the reconciler's cache: tell it first.
        noteSource(repository);
        return store
          .list()
          .filter(
            (candidate) =>
              candidate.spec.sourceRef.kind === 'GitRepository' &&
              candidate.spec.sourceRef.name === repository.metadata.name &&
              (candidate.spec.sourceRef.namespace ?? candidate.metadata.namespace) === repository.metadata.namespace,
          )
          .map(keyOf);
      },
      { predicate: (repository) => repository.status?.artifact?.revision ?? '' },
    )
    .watches(
      KustomizationKind,
      (changed, store) => [
        ...store
          .list()
          .filter((candidate) =>
            (candidate.spec.dependsOn ?? []).some((dependency) => dependency.name === changed.metadata.name && (dependency.namespace ?? candidate.metadata.namespace) === changed.metadata.namespace),
          )
          .map(keyOf),
        ...conflictPartners(changed, store),
      ],
      { predicate: readiness },
    );
}

/** What dependents and conflict partners look at: Ready, the generation it is for, the revision applied, and the conflicts. */
function readiness(kustomization: Kustomization): string {
  const ready = kustomization.status?.conditions?.find((condition) => condition.type === 'Ready');
  return JSON.stringify([ready?.status, kustomization.status?.observedGeneration, kustomization.metadata.generation, kustomization.status?.lastAppliedRevision, kustomization.spec.suspend === true, kustomization.status?.conflicts ?? []]);
}
