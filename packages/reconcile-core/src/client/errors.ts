import { errorGuard, WeftError } from '../errors.js';
import type { ObjectRef } from '../resource/objects.js';
import { describeTarget, isKubeStatus, targetObjectRef, type ApiTarget, type KubeStatus, type StatusCause } from './status.js';

/** What {@link KubeApiError} subclasses are built from. */
export interface KubeApiErrorInit {
  /** The verb that failed: `get`, `list`, `create`, `apply`, `patch`, `delete`, `watch`, … */
  readonly verb: string;
  readonly target: ApiTarget;
  /** HTTP status code; 0 when no response was received. */
  readonly code: number;
  readonly status?: KubeStatus | undefined;
  /** The server's `Retry-After` (or `details.retryAfterSeconds`), in seconds. */
  readonly retryAfterSeconds?: number | undefined;
  readonly cause?: unknown;
  /** Replaces the message taken from the Status. */
  readonly detail?: string;
}

/**
 * The base of every error {@link KubeClient} throws: names the object (`Kind/namespace/name`),
 * the verb, and keeps the `metav1.Status` the apiserver sent.
 *
 * @remarks
 * The message reads like fluxcd/pkg's: `ConfigMap/prod/web get failed: configmaps "web" not found`.
 * `retryable` states whether repeating the request later can succeed; each subclass documents its
 * policy. `status` is `undefined` only for failures that never reached the server
 * ({@link ConnectionError}, {@link CancelledError}, a client-side {@link TimeoutError}).
 *
 * @example
 * ```ts
 * import { isKubeApiError, ConfigMapKind } from '@weft/reconcile-core';
 * try { await client.get(ConfigMapKind, 'web', { namespace: 'prod' }); }
 * catch (error) { if (isKubeApiError(error)) console.log(error.code, error.reason, error.object); }
 * ```
 */
export class KubeApiError extends WeftError {
  override name = 'KubeApiError';
  readonly verb: string;
  readonly target: ApiTarget;
  readonly code: number;
  readonly status: KubeStatus | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(init: KubeApiErrorInit, retryable: boolean) {
    const detail = init.detail ?? init.status?.message ?? (init.code ? `HTTP ${init.code}` : 'request failed');
    super(`${describeTarget(init.target)} ${init.verb} failed: ${detail}`, { cause: init.cause, retryable });
    this.verb = init.verb;
    this.target = init.target;
    this.code = init.code;
    this.status = init.status;
    this.retryAfterSeconds = init.retryAfterSeconds;
  }

  /** The object concerned, when the request named one (not for list, watch or create without a name). */
  get object(): ObjectRef | undefined {
    return targetObjectRef(this.target);
  }

  /** `metav1.StatusReason` (`NotFound`, `Conflict`, …), or `''` when the server gave none. */
  get reason(): string {
    return this.status?.reason ?? '';
  }

  /** The field causes the server listed (validation failures, field-manager conflicts). */
  get causes(): readonly StatusCause[] {
    return this.status?.details?.causes ?? [];
  }
}

/**
 * 400 Bad Request: the request itself is malformed (a bad selector, a body that does not parse).
 *
 * @remarks Not retryable.
 * @example
 * ```ts
 * import { isBadRequestError } from '@weft/reconcile-core';
 * if (isBadRequestError(error)) throw new Error(`fix the request: ${error.message}`);
 * ```
 */
export class BadRequestError extends KubeApiError {
  override name = 'BadRequestError';
  constructor(init: KubeApiErrorInit) {
    super(init, false);
  }
}

/**
 * 401 Unauthorized: the credentials are missing, expired or not accepted.
 *
 * @remarks Not retryable with the same credentials.
 * @example
 * ```ts
 * import { isUnauthorizedError } from '@weft/reconcile-core';
 * if (isUnauthorizedError(error)) await refreshToken();
 * ```
 */
export class UnauthorizedError extends KubeApiError {
  override name = 'UnauthorizedError';
  constructor(init: KubeApiErrorInit) {
    super(init, false);
  }
}

/**
 * 403 Forbidden: RBAC (or an admission policy) refused the request.
 *
 * @remarks Not retryable until permissions change.
 * @example
 * ```ts
 * import { isForbiddenError } from '@weft/reconcile-core';
 * if (isForbiddenError(error)) log.warn({ object: error.object }, 'missing RBAC permission');
 * ```
 */
export class ForbiddenError extends KubeApiError {
  override name = 'ForbiddenError';
  constructor(init: KubeApiErrorInit) {
    super(init, false);
  }
}

/**
 * 404 Not Found: the object (or the resource type, or the namespace) does not exist.
 *
 * @remarks Not retryable.
 * @example
 * ```ts
 * import { isNotFoundError, ConfigMapKind } from '@weft/reconcile-core';
 * const existing = await client.get(ConfigMapKind, 'web', { namespace }).catch((e) => (isNotFoundError(e) ? undefined : Promise.reject(e)));
 * ```
 */
export class NotFoundError extends KubeApiError {
  override name = 'NotFoundError';
  constructor(init: KubeApiErrorInit) {
    super(init, false);
  }
}

/**
 * 409 AlreadyExists: a create named an object that exists.
 *
 * @remarks Not retryable (the same create fails again); get or apply instead.
 * @example
 * ```ts
 * import { isAlreadyExistsError } from '@weft/reconcile-core';
 * await client.create(configMap).catch((e) => { if (!isAlreadyExistsError(e)) throw e; });
 * ```
 */
export class AlreadyExistsError extends KubeApiError {
  override name = 'AlreadyExistsError';
  constructor(init: KubeApiErrorInit) {
    super(init, false);
  }
}

/** One field a server-side apply could not take because another field manager owns it. */
export interface FieldManagerConflict {
  /** The manager that owns the field (`kubectl`, `helm`, …). */
  readonly manager: string;
  /** The field path (`.data.key`, `.spec.replicas`). */
  readonly field: string;
}

/**
 * 409 Conflict: a write carried a stale `resourceVersion` (optimistic concurrency), or a
 * server-side apply touched fields another field manager owns.
 *
 * @remarks
 * Retryable: re-read the object and try again (for a stale resourceVersion), or apply with
 * `force: true` (for {@link ConflictError.fieldManagerConflicts}).
 * @example
 * ```ts
 * import { isConflictError } from '@weft/reconcile-core';
 * if (isConflictError(error) && error.fieldManagerConflicts.length > 0) await client.apply(desired, { force: true });
 * ```
 */
export class ConflictError extends KubeApiError {
  override name = 'ConflictError';
  constructor(init: KubeApiErrorInit) {
    super(init, true);
  }

  /** The fields owned by other managers that a server-side apply would have changed. */
  get fieldManagerConflicts(): readonly FieldManagerConflict[] {
    return this.causes
      .filter((cause) => cause.reason === 'FieldManagerConflict')
      .map((cause) => ({ manager: /conflict with "([^"]*)"/.exec(cause.message ?? '')?.[1] ?? '', field: cause.field ?? '' }));
  }
}

/**
 * 410 Gone / Expired: a list or watch asked for a `resourceVersion` the server no longer has.
 *
 * @remarks Retryable by relisting from the current state (without the old resourceVersion).
 * @example
 * ```ts
 * import { isGoneError } from '@weft/reconcile-core';
 * if (isGoneError(error)) resourceVersion = undefined; // relist
 * ```
 */
export class GoneError extends KubeApiError {
  override name = 'GoneError';
  constructor(init: KubeApiErrorInit) {
    super(init, true);
  }
}

/** One invalid field of a 422 response. */
export interface FieldCause {
  /** The field path (`spec.replicas`, `metadata.name`). */
  readonly field: string;
  /** `FieldValueRequired`, `FieldValueInvalid`, `FieldValueNotSupported`, … */
  readonly reason: string;
  readonly message: string;
}

/**
 * 422 Invalid: the object failed validation (schema, CEL rules, built-in validation).
 *
 * @remarks Not retryable with the same object. {@link InvalidError.fields} lists each failing field.
 * @example
 * ```ts
 * import { isInvalidError } from '@weft/reconcile-core';
 * if (isInvalidError(error)) for (const f of error.fields) console.log(`${f.field}: ${f.message}`);
 * ```
 */
export class InvalidError extends KubeApiError {
  override name = 'InvalidError';
  constructor(init: KubeApiErrorInit) {
    super(init, false);
  }

  /** Each invalid field, as the server listed it. */
  get fields(): readonly FieldCause[] {
    return this.causes.map((cause) => ({ field: cause.field ?? '', reason: cause.reason ?? '', message: cause.message ?? '' }));
  }
}

/**
 * 429 Too Many Requests: API priority and fairness (or max-inflight) throttled the request.
 *
 * @remarks
 * Retryable. {@link KubeClient} already retried it, honouring `Retry-After`, before throwing this.
 * @example
 * ```ts
 * import { sleep, isTooManyRequestsError } from '@weft/reconcile-core';
 * if (isTooManyRequestsError(error)) await sleep((error.retryAfterSeconds ?? 1) * 1000);
 * ```
 */
export class TooManyRequestsError extends KubeApiError {
  override name = 'TooManyRequestsError';
  constructor(init: KubeApiErrorInit) {
    super(init, true);
  }
}

/**
 * 5xx (other than 504): the apiserver, an aggregated API or a webhook failed.
 *
 * @remarks `retryable` is true (a later attempt may succeed), but {@link KubeClient} retries a 500 only
 * when the server sent `Retry-After`: the apiserver answers 500 for some deterministic failures. 502/503
 * on idempotent requests were already retried (see {@link retryDelay}) before this was thrown.
 * @example
 * ```ts
 * import { requeueAfter, isServerError } from '@weft/reconcile-core';
 * if (isServerError(error)) requeueAfter('30s');
 * ```
 */
export class ServerError extends KubeApiError {
  override name = 'ServerError';
  constructor(init: KubeApiErrorInit) {
    super(init, true);
  }
}

/**
 * The request timed out: the client's own deadline passed (`source: 'client'`, including a
 * signal from `AbortSignal.timeout()`), or the server answered 504 / `ServerTimeout` (`source: 'server'`).
 *
 * @remarks
 * Retryable. A timed-out write may still have been applied by the server: re-read before repeating
 * a non-idempotent write. Distinct from {@link CancelledError}, which the caller asked for.
 * @example
 * ```ts
 * import { isTimeoutError, ConfigMapKind } from '@weft/reconcile-core';
 * await client.list(ConfigMapKind, { timeout: '5s' }).catch((e) => { if (isTimeoutError(e)) return retryLater(); throw e; });
 * ```
 */
export class TimeoutError extends KubeApiError {
  override name = 'TimeoutError';
  readonly source: 'client' | 'server';
  constructor(init: KubeApiErrorInit & { source: 'client' | 'server' }) {
    super(init, true);
    this.source = init.source;
  }
}

/**
 * The caller's `AbortSignal` aborted the request (or the wait before a retry).
 *
 * @remarks Not retryable: the caller asked to stop. `cause` holds the signal's reason.
 * @example
 * ```ts
 * import { isCancelledError } from '@weft/reconcile-core';
 * try { await client.get(kind, name, { signal }); } catch (e) { if (isCancelledError(e)) return; throw e; }
 * ```
 */
export class CancelledError extends KubeApiError {
  override name = 'CancelledError';
  constructor(init: KubeApiErrorInit) {
    super(init, false);
  }
}

/**
 * The apiserver could not be reached, or the connection broke before a response arrived
 * (`ECONNREFUSED`, `ECONNRESET`, TLS failures).
 *
 * @remarks Retryable (an apiserver restart shows up as this). `cause` holds the network error.
 * @example
 * ```ts
 * import { isConnectionError } from '@weft/reconcile-core';
 * if (isConnectionError(error)) log.warn({ error: error.message }, 'apiserver unreachable');
 * ```
 */
export class ConnectionError extends KubeApiError {
  override name = 'ConnectionError';
  /**
   * The request went out on a kept-alive connection that was reset (`ECONNRESET` on a reused
   * socket). Almost always the server had closed the idle connection and never saw the request,
   * so the client repeats it for any verb (Node's documented pattern); in the rare case of a server
   * crashing mid-request, a repeated create may then meet an {@link AlreadyExistsError}.
   */
  readonly staleConnection: boolean;
  constructor(init: KubeApiErrorInit & { staleConnection?: boolean }) {
    super(init, true);
    this.staleConnection = init.staleConnection ?? false;
  }
}

/**
 * Builds the typed error for a failed response from its status code and body.
 *
 * @remarks The `reason` of a `metav1.Status` decides first (409 is `AlreadyExists` or `Conflict`),
 * then the code. Codes without a class of their own give a plain {@link KubeApiError} (not retryable).
 * It returns the error for the caller to throw.
 * @example
 * ```ts
 * import { apiErrorFromResponse } from '@weft/reconcile-core';
 * throw apiErrorFromResponse({ verb: 'get', target, code: 404, body: { kind: 'Status', reason: 'NotFound', message: 'not found' } });
 * ```
 */
export function apiErrorFromResponse(response: { verb: string; target: ApiTarget; code: number; body: unknown; retryAfterSeconds?: number | undefined }): KubeApiError {
  const status: KubeStatus | undefined = isKubeStatus(response.body)
    ? response.body
    : typeof response.body === 'string' && response.body.trim() !== ''
      ? { kind: 'Status', status: 'Failure', code: response.code, message: response.body.trim().slice(0, 500) }
      : undefined;
  const init: KubeApiErrorInit = {
    verb: response.verb,
    target: response.target,
    code: response.code,
    status,
    retryAfterSeconds: response.retryAfterSeconds ?? status?.details?.retryAfterSeconds,
  };
  switch (status?.reason) {
    case 'NotFound':
      return new NotFoundError(init);
    case 'AlreadyExists':
      return new AlreadyExistsError(init);
    case 'Conflict':
      return new ConflictError(init);
    case 'Invalid':
      return new InvalidError(init);
    case 'Gone':
    case 'Expired':
      return new GoneError(init);
    case 'Forbidden':
      return new ForbiddenError(init);
    case 'Unauthorized':
      return new UnauthorizedError(init);
    case 'TooManyRequests':
      return new TooManyRequestsError(init);
    case 'Timeout':
    case 'ServerTimeout':
      return new TimeoutError({ ...init, source: 'server' });
    default:
      break;
  }
  switch (response.code) {
    case 400:
      return new BadRequestError(init);
    case 401:
      return new UnauthorizedError(init);
    case 403:
      return new ForbiddenError(init);
    case 404:
      return new NotFoundError(init);
    case 409:
      return new ConflictError(init);
    case 410:
      return new GoneError(init);
    case 422:
      return new InvalidError(init);
    case 429:
      return new TooManyRequestsError(init);
    case 504:
      return new TimeoutError({ ...init, source: 'server' });
    default:
      return response.code >= 500 ? new ServerError(init) : new KubeApiError(init, false);
  }
}

/*
 * Type guards, one per error class: `instanceof` checks, so an error thrown by another copy of
 * `@weft/reconcile-core` (a duplicated install) does not match; compare `error.name` there.
 */
/** Whether a value is a {@link KubeApiError} (any failed client request). */
export const isKubeApiError = errorGuard(KubeApiError);
/** Whether a value is a {@link BadRequestError}. */
export const isBadRequestError = errorGuard(BadRequestError);
/** Whether a value is an {@link UnauthorizedError}. */
export const isUnauthorizedError = errorGuard(UnauthorizedError);
/** Whether a value is a {@link ForbiddenError}. */
export const isForbiddenError = errorGuard(ForbiddenError);
/** Whether a value is a {@link NotFoundError}. */
export const isNotFoundError = errorGuard(NotFoundError);
/** Whether a value is an {@link AlreadyExistsError}. */
export const isAlreadyExistsError = errorGuard(AlreadyExistsError);
/** Whether a value is a {@link ConflictError}. */
export const isConflictError = errorGuard(ConflictError);
/** Whether a value is a {@link GoneError}. */
export const isGoneError = errorGuard(GoneError);
/** Whether a value is an {@link InvalidError}. */
export const isInvalidError = errorGuard(InvalidError);
/** Whether a value is a {@link TooManyRequestsError}. */
export const isTooManyRequestsError = errorGuard(TooManyRequestsError);
/** Whether a value is a {@link ServerError}. */
export const isServerError = errorGuard(ServerError);
/** Whether a value is a {@link TimeoutError}. */
export const isTimeoutError = errorGuard(TimeoutError);
/** Whether a value is a {@link CancelledError}. */
export const isCancelledError = errorGuard(CancelledError);
/** Whether a value is a {@link ConnectionError}. */
export const isConnectionError = errorGuard(ConnectionError);

/**
 * The typed error for an aborted call: {@link TimeoutError} when the client's deadline passed or the
 * signal's reason is a `TimeoutError` (from `AbortSignal.timeout()`), else {@link CancelledError}.
 * Internal: shared by the transport and the watch reader.
 */
export function abortedCallError(init: KubeApiErrorInit, reason: unknown, deadlinePassed: boolean): KubeApiError {
  if (deadlinePassed) return new TimeoutError({ ...init, source: 'client', detail: 'timed out waiting for the apiserver' });
  if (reason instanceof Error && reason.name === 'TimeoutError') return new TimeoutError({ ...init, source: 'client', cause: reason, detail: `timed out: ${reason.message}` });
  return new CancelledError({ ...init, cause: reason, detail: 'cancelled' });
}
