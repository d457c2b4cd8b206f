import { compareValues } from './compare-values.js';
import { MergeError } from './errors.js';
import { FieldSet, formatFieldPath, type FieldPath } from './field-set.js';
import { fieldSetOf } from './field-set-of.js';
import type { JsonObject } from './json.js';
import { ownershipKey, type FieldOwnership } from './managed-fields.js';
import { MergeSchemaRegistry, type GroupVersionKind } from './registry.js';
import { scalarSchema, untypedSchema, type FieldSchema, type TypeSchema } from './schema.js';
import { zeroValueOf } from './zero-value.js';

/**
 * The schema an object is managed under, the subresource written through, and the fields the
 * apiserver resets for that write.
 */
export interface ManagedKind {
  readonly gvk: GroupVersionKind;
  readonly apiVersion: string;
  readonly schema: TypeSchema;
  /** `''` for the main resource, else `status`, `scale`, …: part of each manager's identity. */
  readonly subresource: string;
  /**
   * Fields ignored by field management: `status` of kinds with a status subresource on the main
   * resource; everything but `status` through the `status` subresource.
   */
  readonly ignored: FieldSet;
}

/**
 * Fields the apiserver never records as owned (its "strip meta" manager): identity and
 * server-written metadata.
 */
export const strippedFields: FieldSet = FieldSet.fromPaths([
  ['f:apiVersion'],
  ['f:kind'],
  ['f:metadata', 'f:name'],
  ['f:metadata', 'f:namespace'],
  ['f:metadata', 'f:creationTimestamp'],
  ['f:metadata', 'f:selfLink'],
  ['f:metadata', 'f:uid'],
  ['f:metadata', 'f:clusterName'],
  ['f:metadata', 'f:generation'],
  ['f:metadata', 'f:managedFields'],
  ['f:metadata', 'f:resourceVersion'],
]);

const statusOnly = FieldSet.fromPaths([['f:status']]);

/**
 * Resolves the kind of `object` (or the given `gvk`) in the registry; unknown kinds are untyped.
 * `others` are the other objects of the operation (the live one): through the `status`
 * subresource every top-level field of any of them but `status` is ignored.
 */
export function resolveManagedKind(
  object: JsonObject,
  registry: MergeSchemaRegistry | undefined,
  gvk: GroupVersionKind | undefined,
  subresource = '',
  others: readonly (JsonObject | undefined)[] = [],
): ManagedKind {
  const apiVersion = object['apiVersion'];
  const kind = object['kind'];
  if (gvk === undefined && (typeof apiVersion !== 'string' || typeof kind !== 'string' || apiVersion === '' || kind === '')) {
    throw new MergeError('the object must have apiVersion and kind');
  }
  let resolved = gvk;
  if (resolved === undefined) {
    const text = apiVersion as string;
    const slash = text.indexOf('/');
    resolved = slash < 0 ? { group: '', version: text, kind: kind as string } : { group: text.slice(0, slash), version: text.slice(slash + 1), kind: kind as string };
  }
  const known = (registry ?? MergeSchemaRegistry.builtin()).lookup(resolved);
  const schema = known ?? unstructuredObjectSchema(registry ?? MergeSchemaRegistry.builtin());
  const resetsStatus = (registry ?? MergeSchemaRegistry.builtin()).resetsStatus(resolved);
  let ignored = resetsStatus ? statusOnly : FieldSet.empty();
  if (subresource === 'status') ignored = allButStatus(schema, [object, ...others]);
  return {
    gvk: resolved,
    apiVersion: resolved.group === '' ? resolved.version : `${resolved.group}/${resolved.version}`,
    schema,
    subresource,
    ignored,
  };
}

/**
 * What a write through the `status` subresource ignores: every top-level field but `status` (the
 * apiserver keeps the rest of the stored object), so its manager owns status fields only.
 */
function allButStatus(schema: TypeSchema, objects: readonly (JsonObject | undefined)[]): FieldSet {
  const fields = new Set<string>(schema.kind === 'struct' ? schema.fields.keys() : []);
  for (const object of objects) for (const field of Object.keys(object ?? {})) fields.add(field);
  fields.delete('status');
  return FieldSet.fromPaths([...fields].map((field) => [`f:${field}`]));
}

/** A copy of an object without `metadata.managedFields` (the typed value field management works on). */
export function withoutManagedFields(object: JsonObject): JsonObject {
  const metadata = object['metadata'];
  if (typeof metadata !== 'object' || metadata === null || !('managedFields' in metadata)) return object;
  const { managedFields: _dropped, ...rest } = metadata as JsonObject;
  return { ...object, metadata: rest };
}

/** A field owned by another manager that an operation would change. */
export interface FieldConflict {
  /** The other manager's name. */
  readonly manager: string;
  /** Its operation; `Update` managers are printed with their API version. */
  readonly operation: 'Apply' | 'Update';
  readonly apiVersion: string;
  readonly subresource: string;
  /** The field, as the apiserver prints it (`.spec.replicas`). */
  readonly field: string;
  readonly path: FieldPath;
}

/**
 * structured-merge-diff's ownership update after an operation changed `oldValue` into `newValue`:
 * fields of other managers that changed (or appeared) are conflicts — taken from them only with
 * `force` — and fields that disappeared are no longer owned by anyone.
 */
export function transferOwnership(
  oldValue: unknown,
  newValue: unknown,
  kind: ManagedKind,
  owners: Map<string, FieldOwnership>,
  workflowKey: string,
): { owners: Map<string, FieldOwnership>; conflicts: FieldConflict[]; added: FieldSet; modified: FieldSet; removed: FieldSet } {
  const comparison = compareValues(oldValue, newValue, kind.schema);
  const added = comparison.added.recursiveDifference(kind.ignored);
  const modified = comparison.modified.recursiveDifference(kind.ignored);
  const removed = comparison.removed.recursiveDifference(kind.ignored);
  const changed = modified.union(added);
  const conflicts: FieldConflict[] = [];
  const result = new Map(owners);
  for (const [key, owner] of owners) {
    if (key === workflowKey) continue;
    const conflicting = owner.fields.intersection(changed);
    for (const path of conflicting.paths()) {
      conflicts.push({
        manager: owner.manager,
        operation: owner.operation,
        apiVersion: owner.apiVersion,
        subresource: owner.subresource,
        field: formatFieldPath(path),
        path,
      });
    }
    const remaining = owner.fields.difference(conflicting).difference(removed);
    if (remaining.isEmpty()) result.delete(key);
    else if (!remaining.equals(owner.fields)) result.set(key, { ...owner, fields: remaining });
  }
  return { owners: result, conflicts, added, modified, removed };
}

/** The fields a whole value sets, minus ignored fields (what a create or an apply claims). */
export function claimedFields(value: unknown, kind: ManagedKind): FieldSet {
  return fieldSetOf(value, kind.schema).recursiveDifference(kind.ignored);
}

/** Formats a timestamp as the apiserver does (RFC 3339, whole seconds, UTC). */
export function formatTime(now: Date | string | undefined): string {
  if (typeof now === 'string') return now;
  const date = now ?? new Date();
  return `${date.toISOString().slice(0, 19)}Z`;
}

/** The map of owners by identity. */
export function ownersByKey(owners: readonly FieldOwnership[]): Map<string, FieldOwnership> {
  const map = new Map<string, FieldOwnership>();
  for (const owner of owners) {
    const key = ownershipKey(owner);
    const existing = map.get(key);
    map.set(key, existing === undefined ? owner : { ...owner, fields: existing.fields.union(owner.fields) });
  }
  return map;
}

/**
 * The apiserver's ownership update for a write that is not an apply: it runs as a temporary
 * "current-operation" manager (so even the writer's own earlier entry loses what changed), then the
 * fields it took are folded into the writer's `Update` entry at `apiVersion`.
 */
export function recordUpdate(
  oldValue: unknown,
  newValue: unknown,
  kind: ManagedKind,
  owners: Map<string, FieldOwnership>,
  manager: string,
  now: string,
): Map<string, FieldOwnership> {
  const operationKey = ownershipKey({ manager: '\u0000current-operation', operation: 'Update', apiVersion: kind.apiVersion, subresource: kind.subresource });
  const transfer = transferOwnership(oldValue, newValue, kind, owners, operationKey);
  const taken = transfer.modified.union(transfer.added).difference(transfer.removed).difference(strippedFields);
  const result = transfer.owners;
  if (taken.isEmpty()) return result;
  const key = ownershipKey({ manager, operation: 'Update', apiVersion: kind.apiVersion, subresource: kind.subresource });
  const previous = result.get(key);
  result.set(key, { manager, operation: 'Update', apiVersion: kind.apiVersion, subresource: kind.subresource, time: now, fields: previous === undefined ? taken : taken.union(previous.fields) });
  return result;
}

/** The value a create is compared against: the kind's empty object. */
export function emptyObjectOf(kind: ManagedKind): JsonObject {
  return zeroValueOf(kind.schema);
}

/**
 * The schema of an object whose kind the registry does not know: typed identity and metadata,
 * everything else untyped (maps granular, lists atomic), as a custom resource that preserves
 * unknown fields.
 */
function unstructuredObjectSchema(registry: MergeSchemaRegistry): TypeSchema {
  const field = (type: TypeSchema, alwaysPresent = false): FieldSchema => ({ type, patchStrategy: [], patchMergeKey: undefined, alwaysPresent });
  const metadata = registry.lookupType('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta') ?? MergeSchemaRegistry.builtin().lookupType('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta') ?? untypedSchema;
  return {
    kind: 'struct',
    fields: new Map([
      ['apiVersion', field(scalarSchema)],
      ['kind', field(scalarSchema)],
      ['metadata', field(metadata, true)],
    ]),
    mapType: 'granular',
    preservesUnknownFields: true,
    required: new Set(),
  };
}
