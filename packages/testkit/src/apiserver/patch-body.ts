import {
  applyJsonMergePatch,
  applyJsonPatch as jsonPatch,
  applyStrategicMergePatch as strategicMergePatch,
  isMergeError,
  JsonPatchError,
  type GroupVersionKind,
  type JsonObject,
  type JsonPatchOperation,
  type MergeSchemaRegistry,
} from '@weft/merge';
import { badRequest, statusError, unsupportedMediaType } from './status-error.js';
import { isJsonObject } from './stored-object.js';

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
    return jsonPatch(target as JsonObject, patch as JsonPatchOperation[]);
  } catch (error) {
    if (!(error instanceof JsonPatchError)) throw error;
    // The operation's own message (fast-json-patch's), without the engine's object prefix.
    const reason = error.cause instanceof Error ? error.cause.message : error.message;
    throw statusError(422, 'Invalid', `the server rejected our request due to an error in our request: ${reason.split('\n')[0]}`);
  }
}

/** Applies an RFC 7386 JSON merge patch. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isJsonObject(patch)) throw badRequest('merge patch must be a JSON object');
  return applyJsonMergePatch(target as JsonObject, patch);
}

/**
 * Applies a strategic merge patch to a built-in object through `@weft/merge`, with the merge keys
 * and patch strategies of the kind (from the apiserver's OpenAPI).
 *
 * @throws {@link StatusError} 400 BadRequest for a patch the engine refuses (bad directives, not an object).
 */
export function applyStrategicMergePatch(target: unknown, patch: unknown, registry: MergeSchemaRegistry, gvk: GroupVersionKind): unknown {
  if (!isJsonObject(patch)) throw badRequest('strategic merge patch must be a JSON object');
  try {
    // The engine is copy-on-write: the result shares what the patch leaves alone with `target`
    // (the stored object), and admitWrite copies it before changing anything.
    return strategicMergePatch(target as JsonObject, patch as JsonObject, { registry, gvk });
  } catch (error) {
    if (isMergeError(error)) throw badRequest((error as Error).message);
    throw error;
  }
}
