import { present } from './present.js';
import { isDryRun, type ApiResponse, type ResourceRequest, type ServerState } from './server-state.js';
import { alreadyExists, badRequest, methodNotAllowed } from './status-error.js';
import { isJsonObject, type StoredObject } from './stored-object.js';
import { admitWrite, commitWrite, requireNamespace } from './write-object.js';

/**
 * POST of a new object: name (or `generateName`), namespace checks, admission, 201 Created.
 *
 * @throws {@link StatusError} 409 AlreadyExists, 404 for a missing namespace, 403 for a terminating one, 422 Invalid.
 */
export function createObject(state: ServerState, request: ResourceRequest, body: unknown): ApiResponse {
  if (request.subresource !== undefined) throw methodNotAllowed('create');
  if (!isJsonObject(body)) throw badRequest('the body of a create must be a JSON object');
  const sent = body as StoredObject;
  requireNamespace(state, request, true);
  const admitted = admitWrite(state, request, undefined, sent);
  if (state.store.get(request.resource, request.namespace, admitted.metadata.name!)) throw alreadyExists(request.resource, admitted.metadata.name!);
  const stored = commitWrite(state, request.resource, undefined, admitted, isDryRun(request.query));
  return { code: 201, body: present(request.resource, stored) };
}
