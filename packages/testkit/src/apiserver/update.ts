import { present } from './present.js';
import { isDryRun, type ApiResponse, type ResourceRequest, type ServerState } from './server-state.js';
import { badRequest, notFound } from './status-error.js';
import { isJsonObject, type StoredObject } from './stored-object.js';
import { admitWrite, commitWrite, requireNamespace } from './write-object.js';
import { replaceScale } from './scale.js';

/**
 * PUT of an object (or of its `status` / `scale` subresource), with optimistic concurrency on
 * `metadata.resourceVersion`.
 *
 * @throws {@link StatusError} 404 when absent (no create-on-update), 409 Conflict when stale, 422 Invalid.
 */
export function replaceObject(state: ServerState, request: ResourceRequest, body: unknown): ApiResponse {
  if (!isJsonObject(body)) throw badRequest('the body of an update must be a JSON object');
  if (request.subresource === 'scale') return replaceScale(state, request, body);
  requireNamespace(state, request, false);
  const previous = state.store.get(request.resource, request.namespace, request.name!);
  if (!previous) throw notFound(request.resource, request.name!);
  const sent = body as StoredObject;
  const admitted = admitWrite(state, request, previous, { ...sent, metadata: sent.metadata ?? {} }, { replace: true });
  const stored = commitWrite(state, request.resource, previous, admitted, isDryRun(request.query));
  return { code: 200, body: present(request.resource, stored) };
}
