/**
 * The base of every error Weft throws, so callers can tell Weft's errors from
 * others with one `instanceof` (or {@link isWeftError}). Subclasses name the
 * object they concern and state their retry policy.
 */
export class WeftError extends Error {
  override name = 'WeftError';
  /** Whether retrying the same operation later can succeed (network, conflict, throttling). */
  readonly retryable: boolean;
  constructor(message: string, options: { cause?: unknown; retryable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryable = options.retryable ?? false;
  }
}

/**
 * The type guard of an error class: `errorGuard(NotFoundError)` is `isNotFoundError`. One
 * implementation for every `is…Error` of Weft's packages.
 *
 * @remarks An `instanceof` check, so subclasses match; an error thrown by another copy of the
 * package that defines the class (a duplicated install) does not: compare `error.name` there.
 * @example
 * ```ts
 * import { WeftError, errorGuard } from '@weft/reconcile-core';
 * class GitSourceError extends WeftError {}
 * const isGitSourceError = errorGuard(GitSourceError);
 * ```
 */
export function errorGuard<E>(type: abstract new (...args: never[]) => E): (value: unknown) => value is E {
  return (value: unknown): value is E => value instanceof type;
}

/**
 * Whether a value is a {@link WeftError}.
 *
 * @example
 * ```ts
 * import { isWeftError } from '@weft/reconcile-core';
 * try { await work(); } catch (error) { if (isWeftError(error) && error.retryable) scheduleRetry(); }
 * ```
 */
export const isWeftError = errorGuard(WeftError);
