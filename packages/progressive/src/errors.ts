/**
 * Typed errors of `@weft/progressive`, each naming the Canary.
 */
import { WeftError } from '@weft/reconcile-core';
import type { Canary } from './canary-types.js';

/**
 * The target's `spec.replicas` is owned by another field manager (a GitOps tool applying it from
 * git), and `targetScaling: Apply` does not take it over. Not retryable until the field is
 * released: drop `spec.replicas` from git (as with an HPA) or use `targetScaling: Patch`.
 */
export class TargetReplicasOwnedError extends WeftError {
  override readonly name = 'TargetReplicasOwnedError';
  constructor(
    readonly canary: Canary,
    readonly managers: readonly string[],
    cause: unknown,
  ) {
    super(
      `Canary/${canary.metadata.namespace}/${canary.metadata.name}: Deployment/${canary.metadata.namespace}/${canary.spec.targetRef.name} spec.replicas is owned by ${managers.join(', ')}; targetScaling Apply does not take it over (remove spec.replicas from the applied manifest, or set targetScaling: Patch)`,
      { cause, retryable: false },
    );
  }
}

/** Whether a value is a {@link TargetReplicasOwnedError}. */
export function isTargetReplicasOwnedError(error: unknown): error is TargetReplicasOwnedError {
  return error instanceof TargetReplicasOwnedError;
}
