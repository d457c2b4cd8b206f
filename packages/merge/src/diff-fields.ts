import { compareValues } from './compare-values.js';
import { resolveManagedKind, withoutManagedFields } from './field-ownership.js';
import type { FieldSet } from './field-set.js';
import { fieldSetOf } from './field-set-of.js';
import type { JsonObject } from './json.js';
import type { GroupVersionKind, MergeSchemaRegistry } from './registry.js';

/** Options of {@link diffFields} and {@link fieldsOf}. */
export interface FieldSetOptions {
  /** Where schemas come from. @defaultValue {@link MergeSchemaRegistry.builtin} */
  readonly registry?: MergeSchemaRegistry;
  /** The kind; read from the object when absent. */
  readonly gvk?: GroupVersionKind;
}

/** What changed between two versions of an object, as field sets. */
export interface FieldDiff {
  readonly added: FieldSet;
  readonly removed: FieldSet;
  readonly modified: FieldSet;
}

/**
 * The fields that appear, disappear or change between two versions of an object, as
 * structured-merge-diff compares them (keyed lists item by item, atomic values whole).
 *
 * @remarks
 * `metadata.managedFields` is ignored; everything else counts, `status` included. Intersect the
 * result with a manager's fields (`decodeManagedFields`) to see whose fields a change touches.
 * @throws {@link MergeError} for objects without apiVersion/kind or keyed list items without keys.
 * @example
 * ```ts
 * import { diffFields, formatFieldPath } from '@weft/merge';
 *
 * const { modified } = diffFields(live, desired);
 * modified.paths().map(formatFieldPath); // ['.spec.replicas']
 * ```
 */
export function diffFields(before: JsonObject, after: JsonObject, options: FieldSetOptions = {}): FieldDiff {
  const kind = resolveManagedKind(after, options.registry, options.gvk);
  return compareValues(withoutManagedFields(before), withoutManagedFields(after), kind.schema);
}

/**
 * The fields an object sets, as server-side apply would claim them for a configuration.
 *
 * @remarks Includes identity fields and `status`; the apiserver strips those from ownership.
 * @throws {@link MergeError} for objects without apiVersion/kind or keyed list items without keys.
 * @example
 * ```ts
 * import { fieldsOf } from '@weft/merge';
 *
 * fieldsOf(config).has(['f:spec', 'f:replicas']);
 * ```
 */
export function fieldsOf(object: JsonObject, options: FieldSetOptions = {}): FieldSet {
  const kind = resolveManagedKind(object, options.registry, options.gvk);
  return fieldSetOf(withoutManagedFields(object), kind.schema);
}
