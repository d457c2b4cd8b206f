/**
 * Typed errors of `@weft/progressive`, each naming the Canary.
 */
import { errorGuard, TerminalError, WeftError } from '@weft/reconcile-core';
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

/**
 * A Canary whose spec cannot work as written (a field the chosen provider needs is missing). A
 * {@link TerminalError}: the Canary is not retried until it changes.
 */
export class InvalidCanaryError extends TerminalError {
  override readonly name = 'InvalidCanaryError';
  constructor(
    readonly canary: Canary,
    /** The field at fault, e.g. `spec.service.gatewayRefs`. */
    readonly field: string,
    problem: string,
  ) {
    super(`Canary/${canary.metadata.namespace}/${canary.metadata.name}: ${field} ${problem}`);
  }
}

/** Whether a value is an {@link InvalidCanaryError}. */
export const isInvalidCanaryError = errorGuard(InvalidCanaryError);
