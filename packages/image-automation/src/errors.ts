import { WeftError } from '@weft/reconcile-core';

/**
 * The base of every error image-automation throws.
 *
 * @remarks
 * `subject` names what failed (a policy, an image repository, a file), so a message always
 * says which; `reason` is the short machine-readable word used as the status condition reason.
 * Messages never carry credentials: registry passwords and tokens are kept out of them.
 */
export class ImageAutomationError extends WeftError {
  override name = 'ImageAutomationError';
  /** What failed: `semver policy "^1"`, `registry 127.0.0.1:5000/app`, `deploy/app.yaml`. */
  readonly subject: string;
  /** A short machine-readable reason, used as the condition reason in status. */
  readonly reason: string;
  constructor(subject: string, message: string, options: { reason: string; cause?: unknown; retryable?: boolean }) {
    super(`${subject}: ${message}`, options);
    this.subject = subject;
    this.reason = options.reason;
  }
}

/**
 * A policy spec that can never select anything: no policy or an unknown one, a semver range
 * Masterminds rejects, an order other than `asc`/`desc`, a `filterTags.pattern` Go's regexp
 * rejects. Not retryable: Flux stalls the ImagePolicy (`Stalled`, reason `InvalidPolicy`).
 */
export class InvalidPolicyError extends ImageAutomationError {
  override name = 'InvalidPolicyError';
  constructor(policy: string, message: string, cause?: unknown) {
    super(policy, message, { reason: 'InvalidPolicy', cause });
  }
}

/**
 * A valid policy found no tag to select: the list was empty, the filter matched nothing, no
 * tag satisfied the range, or (numerical) a tag is not a number. Retryable: the next scan may
 * bring a tag that qualifies.
 */
export class NoTagSelectedError extends ImageAutomationError {
  override name = 'NoTagSelectedError';
  constructor(policy: string, message: string) {
    super(policy, message, { reason: 'Failure', retryable: true });
  }
}

/**
 * Whether a value is an {@link ImageAutomationError}.
 *
 * @example
 * ```ts
 * try { selectLatestTag(tags, spec); } catch (error) { if (isImageAutomationError(error)) console.warn(error.reason); }
 * ```
 */
export function isImageAutomationError(value: unknown): value is ImageAutomationError {
  return value instanceof ImageAutomationError;
}
