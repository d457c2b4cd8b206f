import { WeftError, errorGuard } from '@weft/reconcile-core';

/**
 * A version or constraint string that Masterminds semver rejects.
 *
 * @remarks
 * Never retryable: the same input always fails the same way. `input` is the
 * string as given, so a message can name the tag or the `spec.ref.semver` at fault.
 */
export class SemverError extends WeftError {
  override name = 'SemverError';
  /** The version or constraint string that was rejected. */
  readonly input: string;
  /** What was being parsed. */
  readonly kind: 'version' | 'constraint';
  constructor(kind: 'version' | 'constraint', input: string, reason: string) {
    super(`invalid semver ${kind} ${JSON.stringify(input)}: ${reason}`);
    this.input = input;
    this.kind = kind;
  }
}

/**
 * Whether a value is a {@link SemverError}.
 *
 * @example
 * ```ts
 * import { isSemverError, parseVersion } from '@weft/git-source';
 * try { parseVersion(tag); } catch (error) { if (isSemverError(error)) skip(tag); }
 * ```
 */
export const isSemverError = errorGuard(SemverError);
