import { timeoutSignal } from '@weft/reconcile-core';
import * as git from 'isomorphic-git';
import { GitAuthError, GitFetchError, GitRefNotFoundError, GitSourceError, GitTimeoutError } from '../errors.js';
import { type GitAuth, authHeaders, checkTransport, httpClient, remoteEndpoint } from './transport.js';
import type { HttpClient } from 'isomorphic-git';

/** A ref as the server advertises it. */
export interface AdvertisedRef {
  ref: string;
  oid: string;
  /** For an annotated tag, the commit it points to. */
  peeled?: string;
  /** For a symbolic ref (HEAD), its target. */
  target?: string;
}

/** Options shared by every network verb. */
export interface RemoteOptions {
  auth?: GitAuth;
  /** Milliseconds before the operation fails with {@link GitTimeoutError} (Flux's default: 60s). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Flux's default `spec.timeout`. */
export const DEFAULT_TIMEOUT_MS = 60_000;

/**
 * Lists the refs of a remote repository with one request (`GET info/refs`, protocol v1),
 * the cheap check Weft makes before deciding whether to fetch at all.
 *
 * @remarks
 * Annotated tags come with their peeled commit; `HEAD` with its target branch.
 *
 * @throws {@link GitAuthError} on HTTP 401/403.
 * @throws {@link GitTimeoutError} past `timeoutMs`.
 * @throws {@link GitFetchError} on any other network or HTTP failure.
 * @throws {@link UnsupportedGitFeatureError} for SSH URLs.
 * @example
 * ```ts
 * import { listRemoteRefs } from '@weft/git-source';
 * const refs = await listRemoteRefs(url, { auth: { username: 'u', password: 'p' } });
 * ```
 */
export async function listRemoteRefs(url: string, options: RemoteOptions = {}): Promise<AdvertisedRef[]> {
  checkTransport(url);
  const endpoint = remoteEndpoint(url, options.auth);
  return withRemote(url, { ...options, ...(endpoint.auth ? { auth: endpoint.auth } : {}) }, async (http) => {
    const info = await git.getRemoteInfo2({ http, url: endpoint.url, headers: authHeaders(endpoint.auth), protocolVersion: 1 });
    return (info.refs ?? []).map((r) => ({
      ref: r.ref,
      oid: r.oid,
      ...(r.peeled ? { peeled: r.peeled } : {}),
      ...(r.target ? { target: r.target } : {}),
    }));
  });
}

/**
 * Runs one network operation with a fresh HTTP client, the timeout and the caller's
 * signal, translating isomorphic-git's errors into {@link GitSourceError}s.
 */
export async function withRemote<T>(url: string, options: RemoteOptions, work: (http: HttpClient) => Promise<T>): Promise<T> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  // Not AbortSignal.timeout(): past 2^31−1 ms (about 25 days) it aborts after 1 ms.
  const deadline = timeoutSignal(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, deadline.signal]) : deadline.signal;
  const { http, close } = httpClient(url, options.auth, signal);
  try {
    return await raceAbort(work(http), signal);
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    if (deadline.signal.aborted) throw new GitTimeoutError(url, timeoutMs);
    throw translateError(url, error);
  } finally {
    deadline.clear();
    close();
  }
}

/** isomorphic-git does not always notice an aborted request (e.g. while connecting); do not wait for it. */
function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function translateError(url: string, error: unknown): Error {
  if (error instanceof GitSourceError) return error;
  const code = (error as { code?: string }).code;
  const data = (error as { data?: { statusCode?: number; statusMessage?: string } }).data;
  if (code === 'HttpError' && (data?.statusCode === 401 || data?.statusCode === 403)) return new GitAuthError(url, data.statusCode);
  if (code === 'HttpError') return new GitFetchError(url, `HTTP ${data?.statusCode ?? '?'} ${data?.statusMessage ?? ''}`.trim(), error);
  if (code === 'NotFoundError') return new GitRefNotFoundError(url, (error as Error).message);
  const message = error instanceof Error ? error.message : String(error);
  return new GitFetchError(url, message, error);
}
