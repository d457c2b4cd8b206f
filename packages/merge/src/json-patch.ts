import jsonMergePatch from 'json-merge-patch';
import fastJsonPatch, { type Operation } from 'fast-json-patch';
import { MergeError } from './errors.js';
import { cloneJson, describeTarget, type JsonObject } from './json.js';

/**
 * One RFC 6902 JSON Patch operation: `add`, `remove`, `replace`, `move`, `copy` or `test`.
 *
 * @remarks The one declaration of the name: {@link applyJsonPatch} applies these, and
 * `@weft/reconcile-core` re-exports it for the body of a JSON patch request
 * (`KubeClient.patch`). The fields are read-only and `value` is any JSON value.
 * @example
 * ```ts
 * import { type JsonPatchOperation } from '@weft/merge';
 *
 * const scale: JsonPatchOperation[] = [{ op: 'test', path: '/spec/replicas', value: 1 }, { op: 'replace', path: '/spec/replicas', value: 3 }];
 * ```
 */
export type JsonPatchOperation =
  | { readonly op: 'add' | 'replace' | 'test'; readonly path: string; readonly value: unknown }
  | { readonly op: 'remove'; readonly path: string }
  | { readonly op: 'move' | 'copy'; readonly from: string; readonly path: string };

/**
 * A JSON patch (RFC 6902) or JSON merge patch (RFC 7386) that cannot be applied.
 *
 * @remarks `operationIndex` is the failing operation of a JSON patch.
 * @example
 * ```ts
 * import { applyJsonPatch, JsonPatchError } from '@weft/merge';
 *
 * try { applyJsonPatch(obj, [{ op: 'test', path: '/spec/replicas', value: 3 }]); } catch (error) { if (error instanceof JsonPatchError) console.log(error.operationIndex); }
 * ```
 */
export class JsonPatchError extends MergeError {
  override readonly name = 'JsonPatchError';
  constructor(
    message: string,
    readonly operationIndex: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Applies a JSON patch (`application/json-patch+json`) with fast-json-patch.
 *
 * @remarks Pure: `original` is not modified. All operations apply or none does (a failing `test`
 * or a missing path throws). Takes {@link JsonPatchOperation}s and fast-json-patch's own
 * `Operation`s (what its `compare()` returns).
 * @throws {@link JsonPatchError} naming the object and the failing operation.
 * @example
 * ```ts
 * import { applyJsonPatch } from '@weft/merge';
 *
 * applyJsonPatch(deployment, [{ op: 'replace', path: '/spec/replicas', value: 3 }]);
 * ```
 */
export function applyJsonPatch(original: JsonObject, operations: readonly (JsonPatchOperation | Operation)[]): JsonObject {
  const target = describeTarget(original);
  // validate() tries the operations on its own copy of the document.
  const validation = fastJsonPatch.validate([...operations], original);
  if (validation) {
    throw new JsonPatchError(`${target ? `${target}: ` : ''}JSON patch operation ${validation.index}: ${validation.message}`, validation.index, { cause: validation });
  }
  try {
    // One copy each, which the patch then changes in place (values it adds come from the copied operations).
    return fastJsonPatch.applyPatch(cloneJson(original), cloneJson([...operations]), false, true).newDocument as JsonObject;
  } catch (error) {
    const index = (error as { index?: number }).index;
    throw new JsonPatchError(`${target ? `${target}: ` : ''}JSON patch operation ${index ?? '?'}: ${(error as Error).message}`, index, { cause: error });
  }
}

/**
 * Applies a JSON merge patch (`application/merge-patch+json`) with json-merge-patch.
 *
 * @remarks Pure. Maps merge, `null` deletes, everything else (lists included) is replaced.
 * @throws {@link JsonPatchError} when the patch is not a JSON object.
 * @example
 * ```ts
 * import { applyJsonMergePatch } from '@weft/merge';
 *
 * applyJsonMergePatch(configMap, { data: { obsolete: null, added: 'x' } });
 * ```
 */
export function applyJsonMergePatch(original: JsonObject, patch: JsonObject): JsonObject {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
    throw new JsonPatchError(`${describeTarget(original) || 'object'}: a JSON merge patch must be a JSON object`, undefined);
  }
  return jsonMergePatch.apply(cloneJson(original), cloneJson(patch)) as JsonObject;
}

