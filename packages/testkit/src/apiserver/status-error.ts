import { type StatusCause, WeftError } from '@weft/reconcile-core';

// One `metav1.Status` cause type for the client that reads it and this server that sends it.
export type { StatusCause };

/** The `metav1.Status` body the apiserver answers a failed request with. */
export interface StatusBody {
  readonly kind: 'Status';
  readonly apiVersion: 'v1';
  readonly metadata: Record<string, never>;
  readonly status: 'Failure';
  readonly message: string;
  readonly reason: string;
  readonly details?: { name?: string; group?: string; kind?: string; uid?: string; causes?: StatusCause[]; retryAfterSeconds?: number };
  readonly code: number;
}

/** Names a resource the way the apiserver's messages do: `configmaps`, `deployments.apps`. */
export interface QualifiedResource {
  readonly group: string;
  readonly plural: string;
}

/**
 * A request the in-memory API server refuses, carried as the `metav1.Status` it answers with.
 *
 * @remarks
 * The reasons, codes and message shapes are the kube-apiserver's (`NotFound` 404, `AlreadyExists` 409,
 * `Conflict` 409, `Invalid` 422, `BadRequest` 400, `Expired`/`Gone` 410, …), so clients that branch on
 * them behave the same against both servers. Not retryable unless the reason says so (`Conflict`,
 * `ServiceUnavailable`, `TooManyRequests`).
 * @example
 * ```ts
 * import { StatusError } from '@weft/testkit';
 * const explain = (error: unknown) => (error instanceof StatusError ? `${error.code} ${error.status.reason}` : String(error));
 * ```
 */
export class StatusError extends WeftError {
  override name = 'StatusError';
  constructor(readonly status: StatusBody) {
    super(status.message, { retryable: ['Conflict', 'ServiceUnavailable', 'TooManyRequests', 'Timeout'].includes(status.reason) });
  }
  /** The HTTP status code. */
  get code(): number {
    return this.status.code;
  }
}

function qualified(resource: QualifiedResource): string {
  return resource.group === '' ? resource.plural : `${resource.plural}.${resource.group}`;
}

function details(resource: QualifiedResource, name: string): StatusBody['details'] {
  return resource.group === '' ? { name, kind: resource.plural } : { name, group: resource.group, kind: resource.plural };
}

/** Builds a Status error from its parts. */
export function statusError(code: number, reason: string, message: string, extra?: StatusBody['details']): StatusError {
  return new StatusError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(extra === undefined ? {} : { details: extra }),
    code,
  });
}

/** 404 `configmaps "web" not found`. */
export function notFound(resource: QualifiedResource, name: string): StatusError {
  return statusError(404, 'NotFound', `${qualified(resource)} "${name}" not found`, details(resource, name));
}

/** 409 `configmaps "web" already exists`. */
export function alreadyExists(resource: QualifiedResource, name: string): StatusError {
  return statusError(409, 'AlreadyExists', `${qualified(resource)} "${name}" already exists`, details(resource, name));
}

/** 409 Conflict for a write against a stale object, or a failed precondition. */
export function conflict(resource: QualifiedResource, name: string, why: string): StatusError {
  return statusError(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(resource)} "${name}": ${why}`, details(resource, name));
}

/** 422 Invalid with one cause per bad field. */
export function invalid(resource: QualifiedResource & { kind: string }, name: string, causes: StatusCause[]): StatusError {
  const groupKind = resource.group === '' ? resource.kind : `${resource.kind}.${resource.group}`;
  const list = causes.map((cause) => (cause.field ? `${cause.field}: ${cause.message}` : cause.message));
  const message = `${groupKind} "${name}" is invalid: ${list.length === 1 ? list[0] : `[${list.join(', ')}]`}`;
  const base = resource.group === '' ? { name, kind: resource.kind } : { name, group: resource.group, kind: resource.kind };
  return statusError(422, 'Invalid', message, { ...base, causes });
}

/**
 * 422 Invalid for a patch whose result the apiserver cannot take (strict decoding errors, another
 * kind): its `patch` cause, with no kind or name (` "" is invalid: patch: …`).
 */
export function invalidPatch(message: string): StatusError {
  const cause = { reason: 'FieldValueInvalid', message, field: 'patch' };
  return statusError(422, 'Invalid', ` "" is invalid: patch: ${message}`, { causes: [cause] });
}

/** 400 BadRequest. */
export function badRequest(message: string): StatusError {
  return statusError(400, 'BadRequest', message);
}

/** 405 MethodNotAllowed. */
export function methodNotAllowed(verb: string): StatusError {
  return statusError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource (${verb})`);
}

/** 410 Expired: a resourceVersion older than the kept history. */
export function expired(message: string): StatusError {
  return statusError(410, 'Expired', message);
}

/** 403 Forbidden. */
export function forbidden(resource: QualifiedResource, name: string, why: string): StatusError {
  return statusError(403, 'Forbidden', `${qualified(resource)} "${name}" is forbidden: ${why}`, details(resource, name));
}

/** 404 for a path that names no resource the server serves. */
export function pathNotFound(): StatusError {
  return statusError(404, 'NotFound', 'the server could not find the requested resource');
}

/** 415 UnsupportedMediaType for a PATCH content type the server does not take. */
export function unsupportedMediaType(contentType: string): StatusError {
  return statusError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json (got ${contentType})`);
}
