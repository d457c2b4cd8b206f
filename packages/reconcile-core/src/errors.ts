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
 * Whether a value is a {@link WeftError}.
 *
 * @example
 * ```ts
 * try { await work(); } catch (error) { if (isWeftError(error) && error.retryable) scheduleRetry(); }
 * ```
 */
export function isWeftError(value: unknown): value is WeftError {
  return value instanceof WeftError;
}
