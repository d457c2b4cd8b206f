import { apiVersionOf, type ResourceDefinition } from './resources.js';
import { isDryRun, type ApiResponse, type ResourceRequest, type ServerState } from './server-state.js';
import { badRequest, notFound, statusError } from './status-error.js';
import { cloneObject, isJsonObject, nowTimestamp, type StoredObject } from './stored-object.js';
import { compileFieldSelector, compileLabelSelector } from './selectors.js';
import { isCrdResource, onRemoved, requireNamespace } from './write-object.js';

/** `metav1.DeleteOptions`, from the body or the query. */
export interface DeleteOptions {
  readonly propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  readonly preconditions?: { uid?: string; resourceVersion?: string };
  readonly dryRun?: boolean;
}

/** Reads DeleteOptions from a DELETE's body and query. */
export function deleteOptionsOf(query: URLSearchParams, body: unknown): DeleteOptions {
  const fromBody = isJsonObject(body) ? body : {};
  const policy = (fromBody['propagationPolicy'] as string | undefined) ?? query.get('propagationPolicy') ?? undefined;
  const orphan = fromBody['orphanDependents'] ?? (query.get('orphanDependents') === null ? undefined : query.get('orphanDependents') === 'true');
  if (policy !== undefined && !['Background', 'Foreground', 'Orphan'].includes(policy)) {
    throw badRequest(`Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan"`);
  }
  const resolved = (policy ?? (orphan === true ? 'Orphan' : orphan === false ? 'Background' : undefined)) as DeleteOptions['propagationPolicy'];
  const dryRun = isDryRun(query) || (Array.isArray(fromBody['dryRun']) && (fromBody['dryRun'] as string[]).includes('All'));
  return {
    ...(resolved ? { propagationPolicy: resolved } : {}),
    ...(isJsonObject(fromBody['preconditions']) ? { preconditions: fromBody['preconditions'] as DeleteOptions['preconditions'] & object } : {}),
    dryRun,
  };
}

function successStatus(resource: ResourceDefinition, object: StoredObject): Record<string, unknown> {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: { name: object.metadata.name, ...(resource.group ? { group: resource.group } : {}), kind: resource.plural, uid: object.metadata.uid },
  };
}

/**
 * Deletes one object as the apiserver does: preconditions, then either removal, or — when finalizers
 * remain (its own, `foregroundDeletion` or `orphan`) — a `deletionTimestamp` and removal once they are gone.
 *
 * @returns 200 with a `Status` (removed now) or with the object (deletion pending).
 * @throws {@link StatusError} 404 when absent, 409 when a precondition fails.
 */
export function deleteObject(state: ServerState, request: ResourceRequest, options: DeleteOptions): ApiResponse {
  const { resource } = request;
  const existing = state.store.get(resource, request.namespace, request.name!);
  if (!existing) throw notFound(resource, request.name!);
  const { preconditions } = options;
  const failed = (what: string, expected: string, actual: string | undefined, hint: string) => {
    const groupKind = resource.group ? `${resource.kind}.${resource.group}` : resource.kind;
    return statusError(409, 'Conflict', `Operation cannot be fulfilled on ${groupKind} "${request.name}": the ${what} in the precondition (${expected}) does not match the ${what} in record (${actual ?? ''}). ${hint}`, {
      name: request.name!,
      ...(resource.group ? { group: resource.group } : {}),
      kind: resource.kind,
    });
  };
  if (preconditions?.uid && preconditions.uid !== existing.metadata.uid) {
    throw failed('UID', preconditions.uid, existing.metadata.uid, 'The object might have been deleted and then recreated');
  }
  if (preconditions?.resourceVersion && preconditions.resourceVersion !== existing.metadata.resourceVersion) {
    throw failed('ResourceVersion', preconditions.resourceVersion, existing.metadata.resourceVersion, 'The object might have been modified');
  }
  const result = markDeleted(state, resource, existing, options.propagationPolicy, options.dryRun ?? false);
  return { code: 200, body: result === 'removed' ? successStatus(resource, existing) : result };
}

/**
 * Starts or finishes an object's deletion: removes it when nothing holds it, otherwise stores it with
 * `deletionTimestamp` and the finalizers the propagation policy adds.
 */
export function markDeleted(state: ServerState, resource: ResourceDefinition, existing: StoredObject, policy: DeleteOptions['propagationPolicy'], dryRun: boolean): StoredObject | 'removed' {
  const isNamespace = resource.group === '' && resource.plural === 'namespaces';
  const finalizers = [...(existing.metadata.finalizers ?? [])];
  if (!existing.metadata.deletionTimestamp) {
    if (policy === 'Foreground' && !finalizers.includes('foregroundDeletion')) finalizers.push('foregroundDeletion');
    if (policy === 'Orphan' && !finalizers.includes('orphan')) finalizers.push('orphan');
  } else {
    return existing;
  }
  if (finalizers.length === 0 && !isNamespace && !isCrdResource(resource)) {
    if (!dryRun) {
      state.store.remove(resource, existing);
      onRemoved(state, resource, existing);
    }
    return 'removed';
  }
  const next = cloneObject(existing);
  next.metadata.deletionTimestamp = nowTimestamp();
  if (!isNamespace) next.metadata.deletionGracePeriodSeconds = 0;
  if (finalizers.length > 0) next.metadata.finalizers = finalizers;
  if (isNamespace) next['status'] = { ...(isJsonObject(next['status']) ? next['status'] : {}), phase: 'Terminating' };
  if (isCrdResource(resource)) {
    const status = isJsonObject(next['status']) ? next['status'] : {};
    const conditions = Array.isArray(status['conditions']) ? (status['conditions'] as Record<string, unknown>[]).filter((condition) => condition['type'] !== 'Terminating') : [];
    next['status'] = { ...status, conditions: [...conditions, { type: 'Terminating', status: 'True', lastTransitionTime: nowTimestamp(), reason: 'InstanceDeletionInProgress', message: 'CustomResource deletion is in progress' }] };
  }
  if (dryRun) return next;
  const stored = state.store.write(resource, next);
  state.scheduleGarbageCollection();
  return stored;
}

/**
 * DELETE on a collection: deletes every object the selectors match, answering with the list of them.
 */
export function deleteCollection(state: ServerState, request: ResourceRequest, options: DeleteOptions): ApiResponse {
  const { resource } = request;
  requireNamespace(state, request, false);
  const byLabel = compileLabelSelector(request.query.get('labelSelector') ?? undefined);
  const byField = compileFieldSelector(request.query.get('fieldSelector') ?? undefined, resource);
  const items: StoredObject[] = [];
  for (const object of state.store.list(resource, request.namespace)) {
    if (!byLabel(object) || !byField(object)) continue;
    const result = markDeleted(state, resource, object, options.propagationPolicy, options.dryRun ?? false);
    items.push(result === 'removed' ? object : result);
  }
  return {
    code: 200,
    body: { kind: resource.listKind, apiVersion: apiVersionOf(resource), metadata: { resourceVersion: String(state.store.resourceVersion) }, items },
  };
}
