import { present } from './present.js';
import { readPath, writePath, type ResourceDefinition } from './resources.js';
import { isDryRun, type ApiResponse, type ResourceRequest, type ServerState } from './server-state.js';
import { badRequest, conflict, notFound, statusError } from './status-error.js';
import { cloneObject, isJsonObject, type StoredObject } from './stored-object.js';
import { admitWrite, commitWrite } from './write-object.js';

function selectorString(selector: unknown): string {
  if (typeof selector === 'string') return selector;
  if (!isJsonObject(selector)) return '';
  const parts: string[] = [];
  for (const [key, value] of Object.entries(isJsonObject(selector['matchLabels']) ? selector['matchLabels'] : {})) parts.push(`${key}=${String(value)}`);
  for (const expression of Array.isArray(selector['matchExpressions']) ? (selector['matchExpressions'] as Record<string, unknown>[]) : []) {
    const values = (expression['values'] as string[] | undefined) ?? [];
    const op = String(expression['operator']);
    if (op === 'In') parts.push(`${String(expression['key'])} in (${values.join(',')})`);
    else if (op === 'NotIn') parts.push(`${String(expression['key'])} notin (${values.join(',')})`);
    else if (op === 'Exists') parts.push(String(expression['key']));
    else if (op === 'DoesNotExist') parts.push(`!${String(expression['key'])}`);
  }
  return parts.sort().join(',');
}

function scaleOf(resource: ResourceDefinition, object: StoredObject): Record<string, unknown> {
  const scale = resource.scale!;
  const selector = resource.crdName === undefined ? readPath(object, '.spec.selector') : scale.labelSelectorPath ? readPath(object, scale.labelSelectorPath) : undefined;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: object.metadata.name,
      ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}),
      uid: object.metadata.uid,
      resourceVersion: object.metadata.resourceVersion,
      creationTimestamp: object.metadata.creationTimestamp,
    },
    // Scale.spec.replicas is omitempty: zero replicas read as an empty spec, as from the apiserver.
    spec: Number(readPath(object, scale.specReplicasPath) ?? 0) === 0 ? {} : { replicas: Number(readPath(object, scale.specReplicasPath)) },
    status: { replicas: Number(readPath(object, scale.statusReplicasPath) ?? 0), ...(selector !== undefined ? { selector: selectorString(selector) } : {}) },
  };
}

function target(state: ServerState, request: ResourceRequest): StoredObject {
  if (!request.resource.scale) throw notFound(request.resource, request.name!);
  const object = state.store.get(request.resource, request.namespace, request.name!);
  if (!object) throw notFound(request.resource, request.name!);
  return object;
}

/** GET of the `scale` subresource (autoscaling/v1 Scale). */
export function getScale(state: ServerState, request: ResourceRequest): ApiResponse {
  return { code: 200, body: scaleOf(request.resource, target(state, request)) };
}

/** The current Scale of an object, for patching. */
export function currentScale(state: ServerState, request: ResourceRequest): Record<string, unknown> {
  return scaleOf(request.resource, target(state, request));
}

/**
 * PUT of the `scale` subresource: writes `spec.replicas` (or the CRD's specReplicasPath).
 *
 * @throws {@link StatusError} 409 for a stale resourceVersion, 422 for negative replicas.
 */
export function replaceScale(state: ServerState, request: ResourceRequest, body: Record<string, unknown>): ApiResponse {
  const previous = target(state, request);
  const metadata = isJsonObject(body['metadata']) ? body['metadata'] : {};
  if (metadata['resourceVersion'] && metadata['resourceVersion'] !== previous.metadata.resourceVersion) {
    throw conflict(request.resource, request.name!, 'the object has been modified; please apply your changes to the latest version and try again');
  }
  const replicas = isJsonObject(body['spec']) ? body['spec']['replicas'] : undefined;
  if (replicas === undefined || typeof replicas !== 'number') throw badRequest('scale spec.replicas must be a number');
  if (replicas < 0) {
    throw statusError(422, 'Invalid', `Scale.autoscaling "${request.name}" is invalid: spec.replicas: Invalid value: ${replicas}: must be greater than or equal to 0`, {
      name: request.name!, group: 'autoscaling', kind: 'Scale',
      causes: [{ reason: 'FieldValueInvalid', message: `Invalid value: ${replicas}: must be greater than or equal to 0`, field: 'spec.replicas' }],
    });
  }
  const next = cloneObject(previous);
  writePath(next, request.resource.scale!.specReplicasPath, replicas);
  const { resourceVersion: _rv, ...rest } = next.metadata;
  const admitted = admitWrite(state, request, previous, { ...next, metadata: rest });
  const stored = commitWrite(state, request.resource, previous, admitted, isDryRun(request.query));
  return { code: 200, body: scaleOf(request.resource, present(request.resource, stored)) };
}
