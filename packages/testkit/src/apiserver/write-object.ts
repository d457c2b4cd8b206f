import { randomUUID } from 'node:crypto';
import { isMergeError, updateManagedFields, type JsonObject, type ManagedFieldsEntry } from '@weft/merge';
import { applyBuiltinDefaults } from './builtin-defaults.js';
import { crdCleanupFinalizer, crdProblems, defaultCrd, establishedStatus } from './crd-lifecycle.js';
import { annotationProblems, finalizerProblems, labelProblems } from './metadata-validation.js';
import { generateName, nameProblems } from './object-names.js';
import { dropUnknownFields } from './unknown-fields.js';
import { apiVersionOf, type ResourceDefinition } from './resources.js';
import { fieldManagerOf, type ResourceRequest, type ServerState } from './server-state.js';
import { badRequest, conflict, forbidden, invalid, invalidPatch, notFound, statusError, type StatusCause } from './status-error.js';
import { cloneObject, isJsonObject, nowTimestamp, type StoredObject } from './stored-object.js';

const namespaces = { group: '', plural: 'namespaces' };

/** Whether a resource is the CRD resource itself. */
export function isCrdResource(resource: ResourceDefinition): boolean {
  return resource.group === 'apiextensions.k8s.io' && resource.plural === 'customresourcedefinitions';
}

/**
 * Checks that a namespaced object's namespace exists and is not being deleted.
 *
 * @throws {@link StatusError} 404 for a missing namespace, 403 for a terminating one.
 */
export function requireNamespace(state: ServerState, request: ResourceRequest, creating: boolean): void {
  if (!request.resource.namespaced || request.namespace === undefined) return;
  const namespaceResource = state.registry.find('', 'v1', 'namespaces')!;
  const namespace = state.store.get(namespaceResource, undefined, request.namespace);
  if (!namespace) throw notFound(namespaces, request.namespace);
  if (creating && namespace.metadata.deletionTimestamp) {
    throw forbidden(request.resource, request.name ?? '', `unable to create new content in namespace ${request.namespace} because it is being terminated`);
  }
}

/**
 * Answers unknown fields as `fieldValidation` asks: Strict fails the write with the decoder's 400
 * (the patcher's 422 naming the patched object, for a patch), Warn (the default) adds a warning per
 * field, Ignore says nothing.
 *
 * @throws {@link StatusError} 400 BadRequest under Strict; 422 Invalid for a patch.
 */
function reportUnknownFields(request: ResourceRequest, unknown: readonly string[], patched: StoredObject | undefined): void {
  if (unknown.length === 0) return;
  const mode = request.query.get('fieldValidation') ?? 'Warn';
  const listed = unknown.map((path) => `unknown field "${path}"`);
  if (mode === 'Strict') {
    if (patched !== undefined) throw invalidPatch(`Invalid value: ${JSON.stringify(JSON.stringify(patched))}: strict decoding error: ${listed.join(', ')}`);
    const { kind, version } = request.resource;
    throw badRequest(`${kind} in version "${version}" cannot be handled as a ${kind}: strict decoding error: ${listed.join(', ')}`);
  }
  if (mode !== 'Ignore') request.warnings?.push(...listed);
}

function isLease(resource: ResourceDefinition): boolean {
  return resource.group === 'coordination.k8s.io' && resource.plural === 'leases';
}

function specOf(object: StoredObject): string {
  const { metadata: _metadata, status: _status, ...rest } = object;
  return JSON.stringify(rest);
}

/** Options of {@link admitWrite}. */
export interface AdmitOptions {
  /** Server-side apply computed `managedFields` already. */
  readonly managedFieldsSet?: boolean;
  /** A PUT: custom resources then need a resourceVersion (they allow no unconditional update). */
  readonly replace?: boolean;
  /** A PATCH (not an apply): Strict field validation answers as the patcher, 422 Invalid. */
  readonly patch?: boolean;
}

/**
 * Turns what a client sent (after any patch) into the object to store, as the apiserver's
 * strategies and admission do: identity and immutable metadata, spec/status split by subresource,
 * defaults, CRD pruning/defaulting/validation, generation and `managedFields`.
 *
 * @throws {@link StatusError} 422 Invalid (bad name, schema violations), 400 (name mismatch), 409 (stale resourceVersion, uid precondition).
 */
export function admitWrite(state: ServerState, request: ResourceRequest, previous: StoredObject | undefined, sent: StoredObject, options: AdmitOptions = {}): StoredObject {
  const { resource } = request;
  if (!isJsonObject(sent) || (sent.metadata !== undefined && !isJsonObject(sent.metadata))) throw badRequest('the body of the request is not a JSON object with metadata');
  // The body may leave apiVersion and kind out (the URL names them), but may not name another.
  if (sent.apiVersion !== undefined && sent.apiVersion !== apiVersionOf(resource)) {
    throw badRequest(`the API version in the data (${String(sent.apiVersion)}) does not match the expected API version (${apiVersionOf(resource)})`);
  }
  if (sent.kind !== undefined && sent.kind !== resource.kind) {
    throw badRequest(`the kind in the data (${String(sent.kind)}) does not match the expected kind (${resource.kind})`);
  }
  const object = cloneObject(sent);
  object.metadata ??= {};
  object.apiVersion = apiVersionOf(resource);
  object.kind = resource.kind;
  const metadata = object.metadata;
  const qualified = { group: resource.group, plural: resource.plural, kind: resource.kind };

  if (previous === undefined) {
    if (!metadata.name) {
      if (metadata.generateName) metadata.name = generateName(metadata.generateName);
      else throw invalid(qualified, '', [{ reason: 'FieldValueRequired', message: 'Required value: name or generateName is required', field: 'metadata.name' }]);
    }
    if (request.name !== undefined && request.name !== metadata.name) {
      throw badRequest(`the name of the object (${metadata.name}) does not match the name on the URL (${request.name})`);
    }
    const problems = nameProblems(resource, metadata.name);
    if (problems.length > 0) throw invalid(qualified, metadata.name, problems);
    if (resource.namespaced) {
      if (metadata.namespace !== undefined && metadata.namespace !== '' && metadata.namespace !== request.namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      metadata.namespace = request.namespace;
    } else {
      delete metadata.namespace;
    }
    metadata.uid = randomUUID();
    metadata.creationTimestamp = nowTimestamp();
    delete metadata.deletionTimestamp;
    delete metadata.deletionGracePeriodSeconds;
    delete metadata.resourceVersion;
    if (resource.tracksGeneration) metadata.generation = 1;
    else delete metadata.generation;
    if (resource.statusSubresource && !(resource.group === '' && resource.plural === 'namespaces')) delete object['status'];
  } else {
    if (metadata.name !== undefined && metadata.name !== previous.metadata.name) {
      throw badRequest(`the name of the object (${metadata.name}) does not match the name on the URL (${previous.metadata.name})`);
    }
    if (metadata.namespace && resource.namespaced && metadata.namespace !== previous.metadata.namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    if (metadata.uid && metadata.uid !== previous.metadata.uid) {
      throw conflict(resource, previous.metadata.name!, `Precondition failed: UID in precondition: ${metadata.uid}, UID in object meta: ${previous.metadata.uid}`);
    }
    if (metadata.resourceVersion) {
      if (metadata.resourceVersion !== previous.metadata.resourceVersion) {
        throw conflict(resource, previous.metadata.name!, 'the object has been modified; please apply your changes to the latest version and try again');
      }
    } else if (options.replace && (resource.crdName !== undefined || isLease(resource))) {
      // These kinds allow no unconditional update. Built-in ones name the resource (plural.group) in the message.
      const cause = { reason: 'FieldValueInvalid', message: 'Invalid value: 0: must be specified for an update', field: 'metadata.resourceVersion' };
      if (resource.crdName !== undefined) throw invalid(qualified, previous.metadata.name!, [cause]);
      throw statusError(422, 'Invalid', `${resource.plural}.${resource.group} "${previous.metadata.name}" is invalid: metadata.resourceVersion: ${cause.message}`, {
        name: previous.metadata.name!, group: resource.group, kind: resource.plural, causes: [cause],
      });
    }
    metadata.name = previous.metadata.name!;
    if (resource.namespaced) metadata.namespace = previous.metadata.namespace!;
    else delete metadata.namespace;
    metadata.uid = previous.metadata.uid!;
    metadata.creationTimestamp = previous.metadata.creationTimestamp!;
    if (previous.metadata.deletionTimestamp) {
      metadata.deletionTimestamp = previous.metadata.deletionTimestamp;
      if (previous.metadata.deletionGracePeriodSeconds !== undefined) metadata.deletionGracePeriodSeconds = previous.metadata.deletionGracePeriodSeconds;
      const added = (metadata.finalizers ?? []).filter((finalizer) => !(previous.metadata.finalizers ?? []).includes(finalizer));
      if (added.length > 0) {
        throw invalid(qualified, metadata.name, [{ reason: 'FieldValueForbidden', message: 'Forbidden: no new finalizers can be added if the object is being deleted', field: 'metadata.finalizers' }]);
      }
    } else {
      delete metadata.deletionTimestamp;
      delete metadata.deletionGracePeriodSeconds;
    }
    if (previous.metadata.generation !== undefined) metadata.generation = previous.metadata.generation;
    else delete metadata.generation;

    if (request.subresource === 'finalize') {
      // A namespace's finalize subresource writes spec.finalizers and nothing else.
      const sentSpec = isJsonObject(object['spec']) ? object['spec'] : {};
      const kept: StoredObject = { ...cloneObject(previous), metadata: { ...cloneObject(previous.metadata) } };
      const finalizers = Array.isArray(sentSpec['finalizers']) ? sentSpec['finalizers'] : [];
      kept['spec'] = { ...(isJsonObject(kept['spec']) ? kept['spec'] : {}), finalizers };
      if (finalizers.length === 0) delete (kept['spec'] as Record<string, unknown>)['finalizers'];
      return finish(state, request, previous, kept, options, sent);
    }
    if (request.subresource === 'status') {
      // A status write changes status only; everything else stays as stored.
      const status = object['status'];
      const kept: StoredObject = { ...cloneObject(previous), metadata: { ...cloneObject(previous.metadata) } };
      if (status === undefined) delete kept['status'];
      else kept['status'] = status;
      if (metadata.managedFields !== undefined) kept.metadata.managedFields = metadata.managedFields;
      return finish(state, request, previous, kept, options, sent);
    }
    if (resource.statusSubresource && !(resource.group === '' && resource.plural === 'namespaces')) {
      if (previous['status'] === undefined) delete object['status'];
      else object['status'] = cloneObject(previous['status']);
    }
    if (resource.group === '' && resource.plural === 'namespaces') {
      // Only the finalize subresource changes a namespace's spec.finalizers.
      object['status'] = cloneObject(previous['status']);
      object['spec'] = cloneObject(previous['spec']);
    }
  }
  return finish(state, request, previous, object, options, sent);
}

/**
 * Whether kube-apiserver's own registry validates this kind's metadata (with the rule that a
 * finalizer needs a domain). Custom resources and the CRDs themselves are served by the
 * apiextensions server, whose generic validation has no such rule: a CRD carries
 * `customresourcecleanup.apiextensions.k8s.io`.
 */
function servedByCoreValidation(resource: { readonly group: string; readonly crdName?: string | undefined }): boolean {
  return resource.crdName === undefined && resource.group !== 'apiextensions.k8s.io';
}

function finish(state: ServerState, request: ResourceRequest, previous: StoredObject | undefined, object: StoredObject, options: AdmitOptions, sent: StoredObject): StoredObject {
  const { resource } = request;
  const qualified = { group: resource.group, plural: resource.plural, kind: resource.kind };
  const causes: StatusCause[] = [];
  for (const [field, value] of [['labels', object.metadata.labels], ['annotations', object.metadata.annotations]] as const) {
    if (value !== undefined && (!isJsonObject(value) || Object.values(value).some((entry) => typeof entry !== 'string'))) {
      causes.push({ reason: 'FieldValueInvalid', message: 'Invalid value: must be a map of strings', field: `metadata.${field}` });
    } else if (value !== undefined) {
      causes.push(...(field === 'labels' ? labelProblems(value as Record<string, string>) : annotationProblems(value as Record<string, string>)));
    }
  }
  if (Array.isArray(object.metadata.finalizers)) causes.push(...finalizerProblems(object.metadata.finalizers, servedByCoreValidation(resource)));
  let unknown: string[] = [];
  if (resource.crdName !== undefined) {
    const schema = state.registry.schemaOf(resource);
    if (schema) {
      unknown = schema.prune(object);
      schema.applyDefaults(object);
      causes.push(...schema.validate(object));
    }
  } else {
    unknown = dropUnknownFields(object, state.registry.mergeRegistry().lookup({ group: resource.group, version: resource.version, kind: resource.kind }));
    applyBuiltinDefaults(resource, object, previous === undefined);
  }
  // A patch's strict decoding errors quote the patched object, before any strategy touched it.
  reportUnknownFields(request, unknown, options.patch ? sent : undefined);
  if (isCrdResource(resource)) {
    defaultCrd(object);
    causes.push(...crdProblems(object));
    if (causes.length === 0) {
      if (previous === undefined) object.metadata.finalizers = [...new Set([...(object.metadata.finalizers ?? []), crdCleanupFinalizer])];
      if (!object.metadata.deletionTimestamp) object['status'] = establishedStatus(object);
    }
  }
  if (causes.length > 0) throw invalid(qualified, object.metadata.name ?? '', causes);

  if (previous !== undefined && resource.tracksGeneration && request.subresource !== 'status' && specOf(previous) !== specOf(object)) {
    object.metadata.generation = (previous.metadata.generation ?? 0) + 1;
  }
  if (!options.managedFieldsSet) {
    object.metadata.managedFields = recordUpdate(state, request, previous, object, fieldManagerOf(request));
  }
  if (object.metadata.managedFields?.length === 0) delete object.metadata.managedFields;
  for (const field of ['labels', 'annotations', 'finalizers', 'ownerReferences'] as const) {
    const value = object.metadata[field];
    if (value !== undefined && value !== null && typeof value === 'object' && Object.keys(value).length === 0) delete object.metadata[field];
    if (value === null) delete object.metadata[field];
  }
  const { apiVersion, kind, metadata, ...body } = object;
  return { apiVersion, kind, metadata: orderedMetadata(metadata), ...body };
}

/**
 * `managedFields` after a write that is not an apply, through `@weft/merge` (which knows each
 * kind's list keys). Where the engine cannot track the object (list items without their keys), the
 * managedFields go, as the apiserver drops them when its field manager fails rather than keep garbage.
 */
function recordUpdate(state: ServerState, request: ResourceRequest, previous: StoredObject | undefined, next: StoredObject, manager: string): ManagedFieldsEntry[] {
  try {
    const { managedFields } = updateManagedFields(previous as JsonObject | undefined, next as JsonObject, {
      manager,
      registry: state.registry.mergeRegistry(),
      gvk: { group: request.resource.group, version: request.resource.version, kind: request.resource.kind },
      ...(request.subresource !== undefined ? { subresource: request.subresource } : {}),
    });
    return managedFields;
  } catch (error) {
    if (isMergeError(error)) return [];
    throw error;
  }
}

/** Deep equality of JSON values, whatever the order of object keys; `undefined` fields count as absent. */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, index) => sameJson(item, b[index]));
  }
  if (!isJsonObject(a) || !isJsonObject(b)) return false;
  const keys = (value: Record<string, unknown>) => Object.keys(value).filter((key) => value[key] !== undefined);
  const [left, right] = [keys(a), keys(b)];
  return left.length === right.length && left.every((key) => sameJson(a[key], b[key]));
}

function withoutTimes(object: StoredObject): StoredObject {
  return { ...object, metadata: { ...object.metadata, resourceVersion: undefined, managedFields: object.metadata.managedFields?.map((entry) => ({ ...entry, time: undefined })) } };
}

/** Whether an admitted object differs from the stored one (the apiserver skips no-op writes). */
export function changesSomething(previous: StoredObject | undefined, admitted: StoredObject): boolean {
  return previous === undefined || !sameJson(withoutTimes(previous), withoutTimes(admitted));
}

const metadataOrder = ['name', 'generateName', 'namespace', 'selfLink', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'labels', 'annotations', 'ownerReferences', 'finalizers', 'managedFields'];

/** Metadata fields in the order the apiserver serialises them (kubectl and diffs read better). */
function orderedMetadata(metadata: StoredObject['metadata']): StoredObject['metadata'] {
  const out: StoredObject['metadata'] = {};
  for (const field of metadataOrder) if (metadata[field] !== undefined) out[field] = metadata[field];
  for (const [field, value] of Object.entries(metadata)) if (!(field in out) && value !== undefined) out[field] = value;
  return out;
}

/**
 * Stores an admitted object, or only answers with it on a dry run or a no-op. A write that removes the
 * last finalizer of an object being deleted deletes it.
 */
export function commitWrite(state: ServerState, resource: ResourceDefinition, previous: StoredObject | undefined, admitted: StoredObject, dryRun: boolean): StoredObject {
  if (!changesSomething(previous, admitted)) return previous!;
  if (previous && admitted.metadata.managedFields && previous.metadata.managedFields) {
    // Keep the old timestamps of entries whose fields did not change.
    admitted.metadata.managedFields = admitted.metadata.managedFields.map((entry) => {
      const before = previous.metadata.managedFields!.find((old) => old.manager === entry.manager && old.operation === entry.operation && (old.subresource ?? '') === (entry.subresource ?? ''));
      return before && JSON.stringify(before.fieldsV1) === JSON.stringify(entry.fieldsV1) ? before : entry;
    });
  }
  if (dryRun) return admitted;
  if (admitted.metadata.deletionTimestamp && (admitted.metadata.finalizers ?? []).length === 0 && !(resource.group === '' && resource.plural === 'namespaces')) {
    state.store.remove(resource, admitted);
    onRemoved(state, resource, admitted);
    return admitted;
  }
  const stored = state.store.write(resource, admitted);
  if (isCrdResource(resource) && !stored.metadata.deletionTimestamp) state.registry.serveCrd(stored);
  // The garbage collector also notices dependents whose owners are already gone, and namespaces
  // whose finalizers a write removed.
  if ((stored.metadata.ownerReferences ?? []).length > 0 || stored.metadata.deletionTimestamp) state.scheduleGarbageCollection();
  return stored;
}

/** What follows an object's removal: dependents' garbage collection, and a CRD's resources going away. */
export function onRemoved(state: ServerState, resource: ResourceDefinition, removed: StoredObject): void {
  if (isCrdResource(resource)) {
    const served = state.registry.crdServed(removed.metadata.name!);
    state.registry.unserveCrd(removed.metadata.name!);
    for (const gone of served.slice(0, 1)) state.store.dropTable(gone);
  }
  state.scheduleGarbageCollection();
}
