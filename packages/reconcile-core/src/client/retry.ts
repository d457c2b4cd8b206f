import { ConnectionError, KubeApiError, ServerError, TimeoutError, TooManyRequestsError } from './errors.js';

/**
 * How {@link KubeClient} retries throttled and failed requests.
 *
 * @remarks
 * Defaults: 5 retries, 200 ms doubling to at most 30 s, with up to 20 % jitter; a server's
 * `Retry-After` replaces the computed delay (capped at `maxDelay`).
 */
export interface RetryPolicy {
  /** Retries after the first attempt (0 disables retries). Default 5. */
  readonly maxRetries: number;
  /** Delay before the first retry without `Retry-After`, in ms. Default 200. */
  readonly baseDelay: number;
  /** Upper bound of any delay, `Retry-After` included, in ms. Default 30 000. */
  readonly maxDelay: number;
}

/** The default {@link RetryPolicy}. */
export const defaultRetryPolicy: RetryPolicy = Object.freeze({ maxRetries: 5, baseDelay: 200, maxDelay: 30_000 });

/**
 * Requests that give the same result when repeated: reads, replaces, deletes, and merge or apply
 * patches. A JSON patch or a create may have taken effect before a 5xx or a broken connection,
 * so those are repeated only when the server said it did nothing (429, or any `Retry-After`).
 */
export function isIdempotent(method: string, contentType: string | undefined): boolean {
  if (method === 'GET' || method === 'HEAD' || method === 'PUT' || method === 'DELETE') return true;
  if (method === 'PATCH') return contentType === 'application/merge-patch+json' || contentType === 'application/apply-patch+yaml';
  return false;
}

/**
 * Whether a failed attempt should be retried, and after how long (ms); `undefined` means give up.
 *
 * @remarks
 * Retried: 429 always; any 5xx when the server sent `Retry-After` (as client-go does); 502, 503 and
 * 504 (and server timeouts) also without it when the request is idempotent; a refused connection or
 * a reset kept-alive connection always (nothing reached the server), other connection failures
 * when idempotent. Never retried:
 * a 500 without `Retry-After` (the apiserver answers 500 for deterministic failures, such as a patch
 * it cannot type, which no retry fixes), other 4xx, cancellations and client-side timeouts.
 * @example
 * ```ts
 * import { defaultRetryPolicy, retryDelay } from '@weft/reconcile-core';
 * retryDelay(error, 0, { method: 'GET' }, defaultRetryPolicy); // e.g. 184 (ms), or undefined to give up
 * ```
 */
export function retryDelay(error: unknown, attempt: number, request: { method: string; contentType?: string | undefined }, policy: RetryPolicy, random: () => number = Math.random): number | undefined {
  if (attempt >= policy.maxRetries || !(error instanceof KubeApiError)) return undefined;
  const idempotent = isIdempotent(request.method, request.contentType);
  let retry = false;
  if (error instanceof TooManyRequestsError) retry = true;
  else if (error instanceof ServerError || (error instanceof TimeoutError && error.source === 'server')) {
    retry = error.retryAfterSeconds !== undefined || (idempotent && error.code !== 500);
  }
  else if (error instanceof ConnectionError) retry = idempotent || error.staleConnection || (error.cause as { code?: string } | undefined)?.code === 'ECONNREFUSED';
  if (!retry) return undefined;
  if (error.retryAfterSeconds !== undefined) return Math.min(Math.max(0, error.retryAfterSeconds * 1000), policy.maxDelay);
  const exponential = Math.min(policy.baseDelay * 2 ** attempt, policy.maxDelay);
  return Math.round(exponential * (0.8 + 0.2 * random()));
}

/**
 * Parses an HTTP `Retry-After` header: delay-seconds or an HTTP date; `undefined` when absent or unreadable.
 *
 * @remarks Dates in the past give 0.
 * @example
 * ```ts
 * import { parseRetryAfter } from '@weft/reconcile-core';
 * parseRetryAfter('3'); // 3
 * ```
 */
export function parseRetryAfter(header: string | undefined, now: number = Date.now()): number | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}
