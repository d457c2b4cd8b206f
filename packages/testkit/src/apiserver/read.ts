import { present } from './present.js';
import { compileFieldSelector, compileLabelSelector } from './selectors.js';
import type { ApiResponse, ResourceRequest, ServerState } from './server-state.js';
import { badRequest, expired, notFound } from './status-error.js';
import type { StoredObject } from './stored-object.js';
import { serializedList } from './serialized.js';
import { toTable } from './table.js';

/**
 * GET of one object.
 *
 * @throws {@link StatusError} 404 NotFound.
 */
export function getObject(state: ServerState, request: ResourceRequest, asTable: boolean): ApiResponse {
  const object = state.store.get(request.resource, request.namespace, request.name!);
  if (!object) throw notFound(request.resource, request.name!);
  const shown = present(request.resource, object);
  if (asTable) return { code: 200, body: toTable(state.registry, request.resource, [shown], { resourceVersion: object.metadata.resourceVersion }) };
  return { code: 200, body: shown };
}

interface ContinueToken {
  readonly v: string;
  readonly rv: number;
  readonly start: string;
}

function decodeContinue(token: string, oldest: number): ContinueToken {
  let decoded: ContinueToken;
  try {
    decoded = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as ContinueToken;
  } catch {
    throw badRequest('continue key is not valid: illegal base64 data');
  }
  if (decoded.v !== 'meta.k8s.io/v1' || typeof decoded.start !== 'string') throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  if (decoded.rv < oldest) {
    throw expired('The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results.');
  }
  return decoded;
}

function keyOf(object: StoredObject): string {
  return object.metadata.namespace ? `${object.metadata.namespace}/${object.metadata.name}` : object.metadata.name!;
}

/**
 * GET of a collection: label and field selectors, `limit` and `continue` (keys in etcd order), as a
 * list or as a Table.
 *
 * @remarks A continued list shows the objects as they are now, not as of the first page's resourceVersion.
 * @throws {@link StatusError} 400 for bad selectors, 404 for a missing namespace, 410 for an expired continue token.
 */
export function listObjects(state: ServerState, request: ResourceRequest, asTable: boolean): ApiResponse {
  const { resource, query } = request;
  const byLabel = compileLabelSelector(query.get('labelSelector') ?? undefined);
  const byField = compileFieldSelector(query.get('fieldSelector') ?? undefined, resource);
  const limit = Number(query.get('limit') ?? '0');
  const token = query.get('continue');
  const start = token ? decodeContinue(token, state.store.oldestWatchable).start : '';
  const resourceVersion = state.store.resourceVersion;
  const matching: StoredObject[] = [];
  let remaining = 0;
  let next: string | undefined;
  for (const object of state.store.list(resource, request.namespace)) {
    if (start && keyOf(object) < start) continue;
    if (!byLabel(object) || !byField(object)) continue;
    if (limit > 0 && matching.length >= limit) {
      remaining += 1;
      continue;
    }
    matching.push(object);
  }
  if (remaining > 0) next = Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: resourceVersion, start: `${keyOf(matching[matching.length - 1]!)}\u0000` })).toString('base64');
  const hasSelectors = Boolean(query.get('labelSelector') || query.get('fieldSelector'));
  const metadata: Record<string, unknown> = {
    resourceVersion: String(resourceVersion),
    ...(next ? { continue: next } : {}),
    ...(next && !hasSelectors ? { remainingItemCount: remaining } : {}),
  };
  if (asTable) return { code: 200, body: toTable(state.registry, resource, matching.map((object) => present(resource, object)), metadata) };
  return { code: 200, body: serializedList(resource, metadata, matching) };
}
