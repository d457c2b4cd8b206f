import { WeftError, errorGuard } from '@weft/reconcile-core';
import { redactSecrets, redactUrl } from './redact.js';

/**
 * The base of every error git-source throws; `url` is the repository (credentials
 * removed), so a message always says which repository failed.
 *
 * @remarks
 * `retryable` states the policy: network trouble, timeouts and missing refs (which may
 * be pushed later, as Flux retries them) are retryable; bad credentials, invalid URLs,
 * refused signatures, oversized repositories and unsupported features are not (retrying
 * the same spec fails the same way). Messages and `url` never carry credentials (see
 * {@link redactUrl}).
 */
export class GitSourceError extends WeftError {
  override name = 'GitSourceError';
  /** The repository URL, without any user info. */
  readonly url: string;
  /** A short machine-readable reason, used as the condition reason in status. */
  readonly reason: string;
  constructor(url: string, message: string, options: { reason: string; cause?: unknown; retryable?: boolean }) {
    super(`${redactUrl(url)}: ${redactSecrets(message, url)}`, {
      ...options,
      ...(options.cause !== undefined ? { cause: redactCause(options.cause, url) } : {}),
    });
    this.url = redactUrl(url);
    this.reason = options.reason;
  }
}

/**
 * A lower layer's error whose message or stack quotes the URL's secrets is replaced by a copy
 * without them (same name and code), so loggers that print causes print no secret either.
 */
function redactCause(cause: unknown, url: string): unknown {
  if (!(cause instanceof Error)) return typeof cause === 'string' ? redactSecrets(cause, url) : cause;
  const text = `${cause.message}\n${cause.stack ?? ''}`;
  if (redactSecrets(text, url) === text) return cause;
  const copy = new Error(redactSecrets(cause.message, url));
  copy.name = cause.name;
  copy.stack = redactSecrets(cause.stack ?? '', url);
  const code = (cause as { code?: unknown }).code;
  if (code !== undefined) Object.assign(copy, { code });
  return copy;
}

/** The server refused the credentials (HTTP 401/403). Not retryable until the Secret changes. */
export class GitAuthError extends GitSourceError {
  override name = 'GitAuthError';
  constructor(url: string, status: number) {
    super(url, `authentication failed (HTTP ${status}); check the credentials in the secret`, {
      reason: 'AuthenticationFailed',
    });
  }
}

/** A network error, an HTTP error other than auth, or a broken response. Retryable. */
export class GitFetchError extends GitSourceError {
  override name = 'GitFetchError';
  constructor(url: string, message: string, cause?: unknown) {
    super(url, message, { reason: 'GitOperationFailed', cause, retryable: true });
  }
}

/** The git operation ran past its timeout (`spec.timeout`, 60s by default). Retryable. */
export class GitTimeoutError extends GitSourceError {
  override name = 'GitTimeoutError';
  constructor(url: string, timeoutMs: number) {
    super(url, `git operation timed out after ${timeoutMs}ms`, { reason: 'GitOperationFailed', retryable: true });
  }
}

/**
 * The requested branch, tag, semver range, ref name or commit does not exist on the remote.
 *
 * @remarks Retryable, as in Flux: source-controller reports `Ready=False` (reason
 * `GitOperationFailed`) with `Reconciling` reason `ProgressingWithRetry` and retries with backoff,
 * because the ref may be pushed later (a branch a pipeline is about to create, a tag not cut yet).
 */
export class GitRefNotFoundError extends GitSourceError {
  override name = 'GitRefNotFoundError';
  constructor(url: string, what: string) {
    super(url, `${what} not found`, { reason: 'GitOperationFailed', retryable: true });
  }
}

/**
 * Something isomorphic-git cannot do: SSH transport (`ssh://`, `git@host:path`) and
 * submodules (`recurseSubmodules: true`). Not retryable.
 */
export class UnsupportedGitFeatureError extends GitSourceError {
  override name = 'UnsupportedGitFeatureError';
  /** Which feature: `ssh` or `submodules`. */
  readonly feature: 'ssh' | 'submodules';
  constructor(url: string, feature: 'ssh' | 'submodules') {
    super(
      url,
      feature === 'ssh'
        ? 'SSH transport is not supported (isomorphic-git speaks only smart HTTP(S)); use an https:// URL with basic or bearer auth'
        : 'submodules are not supported (isomorphic-git cannot clone them); include the other repository with spec.include instead',
      { reason: 'UnsupportedFeature' },
    );
    this.feature = feature;
  }
}

/** The commit or tag signature did not verify against the trusted keys. */
export class GitVerificationError extends GitSourceError {
  override name = 'GitVerificationError';
  constructor(url: string, message: string) {
    super(url, message, { reason: 'InvalidCommitSignature' });
  }
}

/**
 * The repository content is larger than the configured limit (`maxSize`). Not retryable.
 *
 * @remarks `what` says which check refused it: `content`, the kept files added up (`size` is their
 * total so far); or `transfer`, the fetch itself, stopped once it had downloaded more than `limit`
 * bytes (twice `maxSize` plus 1 MiB), before the pack was all in memory.
 */
export class ArtifactTooLargeError extends GitSourceError {
  override name = 'ArtifactTooLargeError';
  readonly size: number;
  readonly limit: number;
  readonly what: 'content' | 'transfer';
  constructor(url: string, size: number, limit: number, what: 'content' | 'transfer' = 'content') {
    super(
      url,
      what === 'content'
        ? `repository content is ${size} bytes, over the limit of ${limit} bytes`
        : `fetch stopped after ${size} bytes, over the ${limit} bytes a repository within maxSize may transfer`,
      { reason: 'ArtifactTooLarge' },
    );
    this.size = size;
    this.limit = limit;
    this.what = what;
  }
}

/**
 * The artifact could not be stored (no space left, a read-only or missing directory): Flux's
 * `StorageOperationFailed`. Retryable (space may be freed); the previous artifact stays the latest,
 * whole, and nothing of the failed one is left behind.
 */
export class ArtifactStorageError extends GitSourceError {
  override name = 'ArtifactStorageError';
  /** The file system's error code (`ENOSPC`, `EROFS`, `EACCES`, …), when it gave one. */
  readonly code: string | undefined;
  constructor(url: string, cause: unknown) {
    const code = (cause as { code?: unknown } | undefined)?.code;
    const detail = typeof code === 'string' ? `${code}: ${(cause as Error).message.replace(/^[A-Z]+: /, '')}` : cause instanceof Error ? cause.message : String(cause);
    super(url, `storing the artifact failed (${detail}); the previous artifact is still served`, { reason: 'ArchiveOperationFailed', cause, retryable: true });
    this.code = typeof code === 'string' ? code : undefined;
  }
}

/**
 * Whether a value is a {@link GitSourceError}.
 *
 * @example
 * ```ts
 * import { fetchArtifact, isGitSourceError } from '@weft/git-source';
 * try { await fetchArtifact(options); } catch (error) { if (isGitSourceError(error)) console.log(error.reason); }
 * ```
 */
export const isGitSourceError = errorGuard(GitSourceError);

/**
 * A repository URL that cannot be fetched from as written: not a valid URL, or one whose user info
 * a parser would misread (an unencoded `/`, `?`, `#` or `@` in the credentials). Not retryable.
 */
export class InvalidGitUrlError extends GitSourceError {
  override name = 'InvalidGitUrlError';
  constructor(url: string, why: string) {
    super(url, `invalid repository URL: ${why}`, { reason: 'URLInvalid' });
  }
}
