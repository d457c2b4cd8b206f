import fastJsonPatch, { type Operation } from 'fast-json-patch';
import jsonMergePatch from 'json-merge-patch';
import { badRequest, statusError, unsupportedMediaType } from './status-error.js';
import { cloneObject, isJsonObject } from './stored-object.js';

/** The patch types PATCH takes, by Content-Type. */
export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

/** The patch type a Content-Type names. */
export function patchTypeOf(contentType: string | undefined, isCustomResource: boolean): PatchType {
  const type = (contentType ?? '').split(';')[0]!.trim();
  if (type === 'application/json-patch+json') return 'json';
  if (type === 'application/merge-patch+json') return 'merge';
  if (type === 'application/apply-patch+yaml' || type === 'application/apply-patch+cbor') return 'apply';
  if (type === 'application/strategic-merge-patch+json' && !isCustomResource) return 'strategic';
  throw unsupportedMediaType(type);
}

/**
 * Applies an RFC 6902 JSON patch.
 *
 * @throws {@link StatusError} 422 when an operation fails (a `test` mismatch, a missing path), 400 when it is not a patch.
 */
export function applyJsonPatch(target: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch)) throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  try {
    return fastJsonPatch.applyPatch(cloneObject(target), patch as Operation[], true, true).newDocument;
  } catch (error) {
    throw statusError(422, 'Invalid', `the server rejected our request due to an error in our request: ${(error as Error).message.split('\n')[0]}`);
  }
}

/** Applies an RFC 7386 JSON merge patch. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isJsonObject(patch)) throw badRequest('merge patch must be a JSON object');
  return jsonMergePatch.apply(cloneObject(target), patch);
}

/** Which lists a strategic merge patch merges, and by what key. */
function mergeKeyOf(field: string, items: readonly unknown[]): string | 'set' | undefined {
  if (field === 'finalizers') return 'set';
  if (field === 'ownerReferences') return 'uid';
  if (items.length > 0 && items.every((item) => isJsonObject(item) && ('name' in item || '$patch' in item))) return 'name';
  return undefined;
}

/**
 * Applies a strategic merge patch to a built-in object: maps merge, lists of named items
 * (containers, env, volumes, …) merge by `name`, `finalizers` merge as a set, other lists are
 * replaced; `$patch: delete|replace`, `$deleteFromPrimitiveList/<field>` and `$setElementOrder` are honoured.
 */
export function applyStrategicMergePatch(target: unknown, patch: unknown): unknown {
  if (!isJsonObject(patch)) throw badRequest('strategic merge patch must be a JSON object');
  return mergeMap(isJsonObject(target) ? cloneObject(target) : {}, patch);
}

function mergeMap(target: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  if (patch['$patch'] === 'replace') {
    const { $patch: _directive, ...rest } = patch;
    return cloneObject(rest);
  }
  if (patch['$patch'] === 'delete') return {};
  const out = { ...target };
  for (const [field, value] of Object.entries(patch)) {
    if (field.startsWith('$setElementOrder/') || field === '$retainKeys' || field === '$patch') continue;
    if (field.startsWith('$deleteFromPrimitiveList/')) {
      const list = field.slice('$deleteFromPrimitiveList/'.length);
      const current = out[list];
      if (Array.isArray(current) && Array.isArray(value)) out[list] = current.filter((item) => !value.includes(item));
      continue;
    }
    if (value === null) {
      delete out[field];
    } else if (isJsonObject(value)) {
      out[field] = mergeMap(isJsonObject(out[field]) ? (out[field] as Record<string, unknown>) : {}, value);
    } else if (Array.isArray(value)) {
      out[field] = mergeList(field, Array.isArray(out[field]) ? (out[field] as unknown[]) : [], value);
    } else {
      out[field] = value;
    }
  }
  return out;
}

function mergeList(field: string, target: unknown[], patch: unknown[]): unknown[] {
  const key = mergeKeyOf(field, patch.length > 0 ? patch : target);
  if (key === undefined) return cloneObject(patch.filter((item) => !(isJsonObject(item) && item['$patch'] !== undefined)));
  if (key === 'set') return [...target, ...patch.filter((item) => !target.includes(item))];
  const out = [...target];
  for (const item of patch) {
    if (!isJsonObject(item)) continue;
    if (item['$patch'] === 'replace') return cloneObject(patch.filter((entry) => !(isJsonObject(entry) && entry['$patch'] === 'replace')));
    const index = out.findIndex((existing) => isJsonObject(existing) && existing[key] === item[key]);
    if (item['$patch'] === 'delete') {
      if (index >= 0) out.splice(index, 1);
    } else if (index >= 0) {
      out[index] = mergeMap(out[index] as Record<string, unknown>, item);
    } else {
      out.push(mergeMap({}, item));
    }
  }
  return out;
}
