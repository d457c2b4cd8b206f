import { ApplyConflictError, describeConflictManager, isMergeError, serverSideApply, type JsonObject } from '@weft/merge';
import { parse as parseYaml } from 'yaml';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch, patchTypeOf } from './patch-body.js';
import { present } from './present.js';
import { dropUnknownFields } from './unknown-fields.js';
import { apiVersionOf, type ResourceDefinition } from './resources.js';
import { currentScale, replaceScale } from './scale.js';
import { fieldManagerOf, isDryRun, type ApiResponse, type ResourceRequest, type ServerState } from './server-state.js';
import { badRequest, conflict, invalidPatch, notFound, statusError } from './status-error.js';
import { isJsonObject, type StoredObject } from './stored-object.js';
import { admitWrite, commitWrite, requireNamespace } from './write-object.js';

/** Parses a PATCH body: JSON, or YAML for apply patches. */
export function parsePatchBody(raw: string, contentType: string | undefined): unknown {
  try {
    return JSON.parse(raw);
  } catch (error) {
    if ((contentType ?? '').startsWith('application/apply-patch+yaml')) {
      try {
        return parseYaml(raw);
      } catch (yamlError) {
        throw badRequest(`error decoding YAML: ${(yamlError as Error).message}`);
      }
    }
    throw badRequest(`couldn't get version/kind; json parse error: ${(error as Error).message}`);
  }
}

/**
 * PATCH of an object or its `status` / `scale` subresource: JSON patch, merge patch, strategic
 * merge patch (built-in kinds only, as the apiserver) or server-side apply (`force`, conflicts,
 * `managedFields`; creates the object when absent).
 *
 * @throws {@link StatusError} 404 when absent (except apply), 409 Conflict (stale resourceVersion, apply conflicts), 415 for a patch type the resource does not take, 422 Invalid.
 */
export function patchObject(state: ServerState, request: ResourceRequest, body: unknown, contentType: string | undefined): ApiResponse {
  const type = patchTypeOf(contentType, request.resource.crdName !== undefined);
  const dryRun = isDryRun(request.query);
  if (type === 'apply') return applyObject(state, request, body, dryRun);
  if (request.subresource === 'scale') {
    const scale = currentScale(state, request);
    const patched = type === 'json' ? applyJsonPatch(scale, body) : type === 'merge' ? applyMergePatch(scale, body) : applyStrategicMergePatch(scale, body, state.registry.mergeRegistry(), { group: 'autoscaling', version: 'v1', kind: 'Scale' });
    return replaceScale(state, request, patched as Record<string, unknown>);
  }
  requireNamespace(state, request, false);
  const previous = state.store.get(request.resource, request.namespace, request.name!);
  if (!previous) throw notFound(request.resource, request.name!);
  const base = present(request.resource, previous);
  const patched = type === 'json' ? applyJsonPatch(base, body) : type === 'merge' ? applyMergePatch(base, body) : applyStrategicMergePatch(base, body, state.registry.mergeRegistry(), gvkOf(request.resource));
  if (!isJsonObject(patched)) throw badRequest('the patched object is not a JSON object');
  refuseChangedIdentity(request, patched as StoredObject);
  const admitted = admitWrite(state, request, previous, patched as StoredObject, { patch: true });
  const stored = commitWrite(state, request.resource, previous, admitted, dryRun);
  return { code: 200, body: present(request.resource, stored) };
}

/**
 * A patch may not take the object's name away or turn it into another kind: the apiserver cannot
 * tell which object the result is (400), or decodes it as the other kind and fails (422 on `patch`).
 *
 * @throws {@link StatusError} 400 BadRequest without a name, 422 Invalid for another apiVersion or kind.
 */
function refuseChangedIdentity(request: ResourceRequest, patched: StoredObject): void {
  const name = isJsonObject(patched.metadata) ? patched.metadata.name : undefined;
  if (name === undefined || name === null || name === '') {
    throw badRequest(`the name of the object (${request.name} based on URL) was undeterminable: name must be provided`);
  }
  const { resource } = request;
  if (patched.apiVersion !== apiVersionOf(resource) || patched.kind !== resource.kind) {
    throw invalidPatch(`Invalid value: the patched object is ${String(patched.apiVersion)}, Kind=${String(patched.kind)}, not ${apiVersionOf(resource)}, Kind=${resource.kind}`);
  }
}

function applyObject(state: ServerState, request: ResourceRequest, body: unknown, dryRun: boolean): ApiResponse {
  const { resource } = request;
  if (!request.query.get('fieldManager')) {
    throw statusError(422, 'Invalid', 'PATCH ' + resource.plural + ': fieldManager: Required value: is required for apply patch', { causes: [{ reason: 'FieldValueRequired', message: 'Required value: is required for apply patch', field: 'fieldManager' }] });
  }
  if (!isJsonObject(body)) throw badRequest('an apply patch must be an object');
  const config = body as StoredObject;
  if (config.apiVersion !== apiVersionOf(resource) || config.kind !== resource.kind) {
    throw badRequest(`the API version in the data (${String(config.apiVersion ?? '')}) does not match the expected API version (${apiVersionOf(resource)}) or kind (${String(config.kind ?? '')} vs ${resource.kind})`);
  }
  config.metadata ??= {};
  if (config.metadata.name !== undefined && config.metadata.name !== request.name) {
    throw badRequest(`the name of the object (${config.metadata.name}) does not match the name on the URL (${request.name})`);
  }
  config.metadata.name = request.name!;
  const force = request.query.get('force') === 'true';
  const manager = fieldManagerOf(request);
  const previous = state.store.get(resource, request.namespace, request.name!);
  if (!previous) {
    if (request.subresource !== undefined) throw notFound(resource, request.name!);
    requireNamespace(state, request, true);
    const merged = applyConfiguration(state, request, undefined, config, manager, force);
    const admitted = admitWrite(state, request, undefined, merged, { managedFieldsSet: true });
    const stored = commitWrite(state, resource, undefined, admitted, dryRun);
    return { code: 201, body: present(resource, stored) };
  }
  requireNamespace(state, request, false);
  if (config.metadata.resourceVersion && config.metadata.resourceVersion !== previous.metadata.resourceVersion) {
    throw conflict(resource, request.name!, 'the object has been modified; please apply your changes to the latest version and try again');
  }
  const merged = applyConfiguration(state, request, previous, config, manager, force);
  const admitted = admitWrite(state, request, previous, merged, { managedFieldsSet: true });
  const stored = commitWrite(state, resource, previous, admitted, dryRun);
  return { code: 200, body: present(resource, stored) };
}

/**
 * An apply configuration may only hold fields the kind's schema declares: the apiserver cannot
 * build its typed patch otherwise, and answers 500 naming the first such field.
 *
 * @throws {@link StatusError} 500 InternalError `failed to create typed patch object`.
 */
function rejectUndeclaredFields(state: ServerState, request: ResourceRequest, config: StoredObject): void {
  const { resource } = request;
  const probe = structuredClone(config);
  const undeclared =
    resource.crdName !== undefined
      ? (state.registry.schemaOf(resource)?.prune(probe) ?? [])
      : dropUnknownFields(probe, state.registry.mergeRegistry().lookup(gvkOf(resource)));
  if (undeclared.length === 0) return;
  const groupVersion = `${resource.group}/${resource.version}`;
  throw statusError(500, 'InternalError', `failed to create typed patch object (${request.namespace ?? ''}/${request.name}; ${groupVersion}, Kind=${resource.kind}): .${undeclared[0]}: field not declared in schema`);
}

/** The group-version-kind of a resource, as `@weft/merge` names kinds. */
export function gvkOf(resource: ResourceDefinition): { group: string; version: string; kind: string } {
  return { group: resource.group, version: resource.version, kind: resource.kind };
}

/**
 * Server-side apply of a configuration, of the object or through its `status` subresource: through
 * `@weft/merge` (the kind's list keys and map types, as structured-merge-diff).
 *
 * @throws {@link StatusError} 409 Conflict naming each field and its manager (the apiserver's message and causes).
 */
function applyConfiguration(state: ServerState, request: ResourceRequest, live: StoredObject | undefined, config: StoredObject, manager: string, force: boolean): StoredObject {
  rejectUndeclaredFields(state, request, config);
  try {
    const { object } = serverSideApply(live as JsonObject | undefined, config as JsonObject, {
      manager,
      force,
      registry: state.registry.mergeRegistry(),
      gvk: gvkOf(request.resource),
      ...(request.subresource !== undefined ? { subresource: request.subresource } : {}),
    });
    return object as StoredObject;
  } catch (error) {
    if (error instanceof ApplyConflictError) {
      throw statusError(409, 'Conflict', error.apiserverMessage, {
        causes: error.conflicts.map((conflict) => ({ reason: 'FieldManagerConflict', message: `conflict with ${describeConflictManager(conflict)}`, field: conflict.field })),
      });
    }
    if (isMergeError(error)) throw statusError(500, 'InternalError', `failed to create typed patch object (${request.resource.kind}): ${(error as Error).message}`);
    throw error;
  }
}
