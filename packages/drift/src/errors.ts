import { WeftError, describeObject, type ObjectRef } from '@weft/reconcile-core';

/**
 * A verb of `@weft/drift` failed for one object; the message starts with the object
 * (`Deployment/prod/web dry-run failed: …`) and, when known, the file it came from.
 *
 * @remarks
 * `retryable` follows the cause: a connection loss or conflict is retryable, an invalid
 * object is not. `cause` keeps the apiserver's error.
 * @throws Never (an error type).
 * @example
 * ```ts
 * catch (error) { if (isDriftObjectError(error)) console.error(error.object, error.source, error.message); }
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

/**
 * The server-side dry run of a set rejected at least one object, so nothing was applied.
 *
 * @remarks Not retryable: the set must change. `failures` names every rejected object; the
 * error's own `object` and message are the first.
 * @throws Never (an error type).
 * @example
 * ```ts
 * catch (error) { if (error instanceof DryRunError) for (const failure of error.failures) console.error(failure.message); }
 * ```
 */
export class DryRunError extends DriftObjectError {
  override name = 'DryRunError';
  /** Every object the dry run rejected, with the apiserver's reason. */
  readonly failures: readonly DriftObjectError[];
  constructor(failures: readonly DriftObjectError[]) {
    const first = failures[0]!;
    const more = failures.length > 1 ? ` (and ${failures.length - 1} more: ${failures.slice(1, 4).map((failure) => failure.message.split(' ')[0]).join(', ')}${failures.length > 4 ? ', …' : ''})` : '';
    super(first.object, `${first.message.slice(first.message.indexOf(' ') + 1)}; nothing was applied${more}`, { cause: first.cause, retryable: false });
    this.failures = failures;
    (this as { source: string | undefined }).source = first.source;
  }
}

/**
 * An apply would change an immutable field and neither the set nor the object asks for
 * `force` (recreate).
 *
 * @remarks Not retryable. Set `force: true` or annotate the object `weft.dev/force: enabled`.
 * @throws Never (an error type).
 * @example
 * ```ts
 * if (error instanceof DryRunError && error.failures.some((failure) => failure instanceof ImmutableFieldError)) await applySet(client, objects, { force: true });
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
 * @throws Never (an error type).
 * @example
 * ```ts
 * await applySet(client, objects).catch((error) => { if (error instanceof InvalidSetError) console.error(error.message); });
 * ```
 */
export class InvalidSetError extends WeftError {
  override name = 'InvalidSetError';
}

/**
 * Whether a value is a {@link DriftObjectError} (including {@link DryRunError} and {@link ImmutableFieldError}).
 *
 * @throws Never.
 * @example
 * ```ts
 * if (isDriftObjectError(error) && error.retryable) scheduleRetry();
 * ```
 */
export function isDriftObjectError(value: unknown): value is DriftObjectError {
  return value instanceof DriftObjectError;
}
