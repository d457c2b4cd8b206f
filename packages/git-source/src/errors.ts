import { WeftError } from '@weft/reconcile-core';

/**
 * The base of every error git-source throws; `url` is the repository (credentials
 * removed), so a message always says which repository failed.
 *
 * @remarks
 * `retryable` states the policy: network trouble and timeouts are retryable; bad
 * credentials, missing refs, refused signatures, oversized repositories and
 * unsupported features are not (retrying the same spec fails the same way).
 */
export class GitSourceError extends WeftError {
  override name = 'GitSourceError';
  /** The repository URL, without any user info. */
  readonly url: string;
  /** A short machine-readable reason, used as the condition reason in status. */
  readonly reason: string;
  constructor(url: string, message: string, options: { reason: string; cause?: unknown; retryable?: boolean }) {
    super(`${redactUrl(url)}: ${message}`, options);
    this.url = redactUrl(url);
    this.reason = options.reason;
  }
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

/** The requested branch, tag, semver range, ref name or commit does not exist on the remote. */
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

/** The repository content is larger than the configured limit. */
export class ArtifactTooLargeError extends GitSourceError {
  override name = 'ArtifactTooLargeError';
  readonly size: number;
  readonly limit: number;
  constructor(url: string, size: number, limit: number) {
    super(url, `repository content is ${size} bytes, over the limit of ${limit} bytes`, { reason: 'ArtifactTooLarge' });
    this.size = size;
    this.limit = limit;
  }
}

/**
 * Whether a value is a {@link GitSourceError}.
 *
 * @example
 * ```ts
 * try { await fetchArtifact(options); } catch (error) { if (isGitSourceError(error)) console.log(error.reason); }
 * ```
 */
export function isGitSourceError(value: unknown): value is GitSourceError {
  return value instanceof GitSourceError;
}

/**
 * The URL without user info, for messages and status.
 *
 * @remarks Never throws: a string that is not a URL has any `//user@` part cut out.
 * @example
 * ```ts
 * redactUrl('https://bot:token@example.com/app.git'); // 'https://example.com/app.git'
 * ```
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username === '' && parsed.password === '') return url;
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^/@]*@/, '//');
  }
}
