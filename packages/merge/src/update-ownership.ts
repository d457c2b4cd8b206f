import { MergeError } from './errors.js';
import { emptyObjectOf, formatTime, ownersByKey, recordUpdate, resolveManagedKind, withoutManagedFields } from './field-ownership.js';
import { describeTarget, type JsonObject } from './json.js';
import { decodeManagedFields, encodeManagedFields, type ManagedFieldsEntry } from './managed-fields.js';
import type { GroupVersionKind, MergeSchemaRegistry } from './registry.js';

/** Options of {@link updateManagedFields}. */
export interface UpdateManagedFieldsOptions {
  /** The field manager of the write (`fieldManager`, or what the apiserver derives from the user agent). Required. */
  readonly manager: string;
  /** Where schemas come from. @defaultValue {@link MergeSchemaRegistry.builtin} */
  readonly registry?: MergeSchemaRegistry;
  /** The kind; read from `next` when absent. */
  readonly gvk?: GroupVersionKind;
  /** The time written into the manager's entry when it changes. @defaultValue the current time */
  readonly now?: Date | string;
  /**
   * The subresource written through (`status`, `scale`), part of the manager's identity. A `status`
   * write owns status fields only. @defaultValue the main resource
   */
  readonly subresource?: string;
}

/** What {@link updateManagedFields} produced. */
export interface UpdateManagedFieldsResult {
  /** `next`, with `metadata.managedFields` updated. */
  readonly object: JsonObject;
  readonly managedFields: ManagedFieldsEntry[];
}

/**
 * Field ownership for a write that is not an apply (create, update, patch): the `Update` operation.
 *
 * @remarks
 * As the apiserver does: every field the write changes, adds or removes (compared with `live`)
 * moves to `manager`'s `Update` entry at `next`'s API version, taken from whoever owned it (no
 * conflicts: writes always win); removed fields leave every owner; unchanged fields keep their
 * owners. A create (`live` undefined) gives the manager every field of `next`, compared with the
 * empty object of the kind (structs that Go always serializes count as already present). An
 * existing object without managedFields stays without them, as the apiserver leaves it.
 * `metadata.managedFields` of `next` is ignored (the live object's entries are the input).
 *
 * @throws {@link MergeError} without a manager, or for an object without apiVersion/kind.
 * @example
 * ```ts
 * import { updateManagedFields } from '@weft/merge';
 *
 * const { object } = updateManagedFields(live, edited, { manager: 'kubectl-edit' });
 * ```
 */
export function updateManagedFields(live: JsonObject | undefined, next: JsonObject, options: UpdateManagedFieldsOptions): UpdateManagedFieldsResult {
  if (!options.manager) throw new MergeError(`${describeTarget(next) || 'object'}: an update needs a field manager`);
  const kind = resolveManagedKind(next, options.registry, options.gvk, options.subresource, [live]);
  const now = formatTime(options.now);
  const liveValue = live === undefined ? emptyObjectOf(kind) : withoutManagedFields(live);
  const nextValue = withoutManagedFields(next);
  const owners = ownersByKey(decodeManagedFields(live));
  // An existing object nobody manages stays unmanaged through updates (the apiserver's skip-non-applied manager).
  if (live !== undefined && owners.size === 0) return { object: nextValue, managedFields: [] };
  const result = recordUpdate(liveValue, nextValue, kind, owners, options.manager, now);
  const managedFields = encodeManagedFields([...result.values()]);
  const metadata = typeof nextValue['metadata'] === 'object' && nextValue['metadata'] !== null ? (nextValue['metadata'] as JsonObject) : {};
  const object = { ...nextValue, metadata: managedFields.length > 0 ? { ...metadata, managedFields } : metadata };
  return { object, managedFields };
}
