import { WeftError, errorGuard } from '@weft/reconcile-core';

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
 * import { isImageAutomationError, selectLatestTag } from '@weft/image-automation';
 * try { selectLatestTag(tags, spec); } catch (error) { if (isImageAutomationError(error)) console.warn(error.reason); }
 * ```
 */
export const isImageAutomationError = errorGuard(ImageAutomationError);

/** `spec.image` is not an image repository name (a scheme, a tag, bad characters). Not retryable: Flux stalls with `ImageURLInvalid`. */
export class ImageReferenceError extends ImageAutomationError {
  override name = 'ImageReferenceError';
  constructor(image: string, message: string) {
    super(`image ${JSON.stringify(image)}`, message, { reason: 'ImageURLInvalid' });
  }
}

/**
 * The registry refused the credentials, or asked for some and none were given (HTTP 401/403).
 * Not retryable until the Secret changes. The message never contains the credentials.
 */
export class RegistryAuthError extends ImageAutomationError {
  override name = 'RegistryAuthError';
  readonly status: number;
  constructor(repository: string, status: number, detail: string) {
    super(`registry ${repository}`, `authentication failed (HTTP ${status})${detail ? `: ${detail}` : ''}`, { reason: 'AuthenticationFailed' });
    this.status = status;
  }
}

/**
 * A registry request failed: the network, TLS, an HTTP error other than auth (after the
 * retries `Retry-After` allows), a response that is not what the distribution API says.
 * Retryable. `status` is the HTTP status when there was one.
 */
export class RegistryRequestError extends ImageAutomationError {
  override name = 'RegistryRequestError';
  readonly status: number | undefined;
  constructor(repository: string, message: string, options: { status?: number; cause?: unknown } = {}) {
    super(`registry ${repository}`, message, { reason: 'ReadOperationFailed', retryable: true, cause: options.cause });
    this.status = options.status;
  }
}

/** The repository or the manifest does not exist (HTTP 404). Retryable: it may be pushed later. */
export class RegistryNotFoundError extends RegistryRequestError {
  override name = 'RegistryNotFoundError';
}

/** A registry operation ran past its timeout (`spec.timeout`). Retryable. Cancellation by the caller's signal is not this error: the signal's reason is thrown. */
export class RegistryTimeoutError extends ImageAutomationError {
  override name = 'RegistryTimeoutError';
  constructor(repository: string, timeoutMs: number) {
    super(`registry ${repository}`, `operation timed out after ${timeoutMs}ms`, { reason: 'ReadOperationFailed', retryable: true });
  }
}

/** An object a spec refers to does not exist (yet): a GitRepository, an ImageRepository. Retryable. */
export class DependencyNotReadyError extends ImageAutomationError {
  override name = 'DependencyNotReadyError';
  constructor(subject: string, message: string) {
    super(subject, message, { reason: 'DependencyNotReady', retryable: true });
  }
}
