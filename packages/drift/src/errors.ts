import { WeftError, describeObject, errorGuard, type ObjectRef } from '@weft/reconcile-core';

/**
 * A verb of `@weft/drift` failed for one object; the message starts with the object
 * (`Deployment/prod/web dry-run failed: …`) and, when known, the file it came from.
 *
 * @remarks
 * `retryable` follows the cause: a connection loss or conflict is retryable, an invalid
 * object is not. `cause` keeps the apiserver's error.
 * @example
 * ```ts
 * import { applySet, isDriftObjectError } from '@weft/drift';
 *
 * await applySet(client, [invalid]).catch((error) => {
 *   if (isDriftObjectError(error)) console.error(error.object, error.source, error.message);
 * });
 * ```
 */
export class DriftObjectError extends WeftError {
  override name = 'DriftObjectError';
  /** The object the error concerns. */
  readonly object: ObjectRef;
  /** The file the object came from, when the caller said so. */
  readonly source: string | undefined;
  constructor(object: ObjectRef, what: string, options: { cause?: unknown; retryable?: boolean; source?: string } = {}) {
    const from = options.source ? ` (from ${options.source})` : '';
    super(`${describeObject(object)}${from} ${what}`, options);
    this.object = object;
    this.source = options.source;
  }
}

/** What {@link DryRunError} says was undone when a dry run failed after stage one was written. */
export interface DryRunRollback {
  /** Namespaces and CRDs the apply created (so the objects that need them could be dry-run) and deleted again. */
  readonly rolledBack?: readonly string[];
  /** Those it created and could not delete again, with the reason. */
  readonly notRolledBack?: readonly string[];
  /** CRDs it changed for the same reason; they stay changed (deleting a CRD deletes its custom resources). */
  readonly keptChanged?: readonly string[];
}

/**
 * The server-side dry run of a set rejected at least one object, so nothing was applied (see
 * {@link DryRunError.rolledBack} for the one exception).
 *
 * @remarks Not retryable: the set must change. `failures` names every rejected object; the
 * error's own `object` and message are the first. When some objects could only be dry-run after
 * the Namespaces or CRDs they need were written, those that the apply created were deleted again
 * (`rolledBack`); the message says so, and names any it could not delete (`notRolledBack`) and
 * CRDs it changed and left changed (`keptChanged`).
 * @example
 * ```ts
 * import { applySet, DryRunError } from '@weft/drift';
 *
 * await applySet(client, [invalid]).catch((error) => {
 *   if (error instanceof DryRunError) for (const failure of error.failures) console.error(failure.message);
 * });
 * ```
 */
export class DryRunError extends DriftObjectError {
  override name = 'DryRunError';
  /** Every object the dry run rejected, with the apiserver's reason. */
  readonly failures: readonly DriftObjectError[];
  /** Stage-one objects created for the dry run and deleted again (`Kind/namespace/name`). */
  readonly rolledBack: readonly string[];
  /** Stage-one objects created for the dry run that could not be deleted again, with the reason. */
  readonly notRolledBack: readonly string[];
  /** CRDs changed for the dry run, left changed. */
  readonly keptChanged: readonly string[];
  constructor(failures: readonly DriftObjectError[], rollback: DryRunRollback = {}) {
    const first = failures[0]!;
    const more = failures.length > 1 ? ` (and ${failures.length - 1} more: ${failures.slice(1, 4).map((failure) => failure.message.split(' ')[0]).join(', ')}${failures.length > 4 ? ', …' : ''})` : '';
    const undone = [
      rollback.rolledBack?.length ? `; ${rollback.rolledBack.join(', ')}, created so the objects that need ${rollback.rolledBack.length === 1 ? 'it' : 'them'} could be dry-run, ${rollback.rolledBack.length === 1 ? 'was' : 'were'} deleted again` : '',
      rollback.notRolledBack?.length ? `; created for the dry run and NOT deleted again: ${rollback.notRolledBack.join(', ')}` : '',
      rollback.keptChanged?.length ? `; changed for the dry run and left changed: ${rollback.keptChanged.join(', ')}` : '',
    ].join('');
    const nothing = rollback.notRolledBack?.length || rollback.keptChanged?.length ? 'the rest was not applied' : 'nothing was applied';
    super(first.object, `${first.message.slice(first.message.indexOf(' ') + 1)}; ${nothing}${more}${undone}`, { cause: first.cause, retryable: false });
    this.failures = failures;
    this.rolledBack = rollback.rolledBack ?? [];
    this.notRolledBack = rollback.notRolledBack ?? [];
    this.keptChanged = rollback.keptChanged ?? [];
    (this as { source: string | undefined }).source = first.source;
  }
}

/**
 * Prune could not delete an object that left git (or it did not go away in time).
 *
 * @remarks `retryable` follows the apiserver's error; the set itself is applied. Keep the object
 * in the inventory so the next prune tries again.
 * @example
 * ```ts
 * import { prune, PruneError } from '@weft/drift';
 *
 * await prune(client, lastInventory, applied.inventory, { owner }).catch((error) => {
 *   if (error instanceof PruneError) console.error(`${error.message}; the set is applied`);
 * });
 * ```
 */
export class PruneError extends DriftObjectError {
  override name = 'PruneError';
}

/**
 * An apply would change an immutable field and neither the set nor the object asks for
 * `force` (recreate).
 *
 * @remarks Not retryable. Set `force: true` or annotate the object `weft.dev/force: enabled`.
 * @example
 * ```ts
 * import { applySet, DryRunError, ImmutableFieldError } from '@weft/drift';
 *
 * await applySet(client, objects).catch(async (error) => {
 *   if (error instanceof DryRunError && error.failures.some((failure) => failure instanceof ImmutableFieldError)) await applySet(client, objects, { force: true });
 * });
 * ```
 */
export class ImmutableFieldError extends DriftObjectError {
  override name = 'ImmutableFieldError';
}

/**
 * A set of objects is malformed: missing kind/name, or the same object twice; or an inventory
 * entry is not `<namespace>_<name>_<group>_<kind>`.
 *
 * @remarks Not retryable. Thrown before any request.
 * @example
 * ```ts
 * import { applySet, InvalidSetError } from '@weft/drift';
 *
 * await applySet(client, objects).catch((error) => { if (error instanceof InvalidSetError) console.error(error.message); });
 * ```
 */
export class InvalidSetError extends WeftError {
  override name = 'InvalidSetError';
}

/**
 * Whether a value is a {@link DriftObjectError} (including {@link DryRunError} and {@link ImmutableFieldError}).
 *
 * @example
 * ```ts
 * import { isDriftObjectError } from '@weft/drift';
 *
 * const worthRetrying = (error: unknown) => isDriftObjectError(error) && error.retryable;
 * ```
 */
export const isDriftObjectError = errorGuard(DriftObjectError);
