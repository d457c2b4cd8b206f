import { jsonEqual } from './compare-values.js';
import { MergeError } from './errors.js';
import {
  claimedFields,
  emptyObjectOf,
  recordUpdate,
  formatTime,
  ownersByKey,
  resolveManagedKind,
  strippedFields,
  transferOwnership,
  withoutManagedFields,
  type FieldConflict,
  type ManagedKind,
} from './field-ownership.js';
import type { FieldSet } from './field-set.js';
import { fieldSetOf } from './field-set-of.js';
import { describeTarget, type JsonObject } from './json.js';
import { decodeManagedFields, encodeManagedFields, ownershipKey, type FieldOwnership, type ManagedFieldsEntry } from './managed-fields.js';
import type { GroupVersionKind, MergeSchemaRegistry } from './registry.js';
import { removeFields, withNamedFieldsAsMembers, withoutTypedNulls } from './remove-fields.js';
import { mergeValues } from './structured-merge.js';

/** Options of {@link serverSideApply}. */
export interface ServerSideApplyOptions {
  /** The field manager (`fieldManager` query parameter). Required. */
  readonly manager: string;
  /** Take fields other managers own instead of failing (`force=true`). @defaultValue false */
  readonly force?: boolean;
  /** Where schemas come from. @defaultValue {@link MergeSchemaRegistry.builtin} */
  readonly registry?: MergeSchemaRegistry;
  /** The kind; read from the applied configuration's `apiVersion` and `kind` when absent. */
  readonly gvk?: GroupVersionKind;
  /** The time written into changed managedFields entries. @defaultValue the current time */
  readonly now?: Date | string;
  /**
   * The subresource the apply goes through (`PATCH …/status`), part of the manager's identity.
   * Through `status` only the configuration's `status` is applied and owned, and everything else
   * is kept from `live`, which must exist. @defaultValue the main resource
   */
  readonly subresource?: string;
}

/** What {@link serverSideApply} produced. */
export interface ServerSideApplyResult {
  /** The new object, with `metadata.managedFields` updated. */
  readonly object: JsonObject;
  /** The new `metadata.managedFields`. */
  readonly managedFields: ManagedFieldsEntry[];
  /** Whether the object (not counting managedFields) changed. */
  readonly changed: boolean;
  /** Conflicts that `force` overrode (their fields changed owner); empty without `force`. */
  readonly conflicts: FieldConflict[];
}

/**
 * Server-side apply found fields owned by other managers that the configuration would change.
 *
 * @remarks
 * `apiserverMessage` is the message kube-apiserver returns with its 409 (`Apply failed with 1
 * conflict: conflict with "kubectl": .spec.replicas`); `message` prefixes it with the object.
 * Not retryable as is: apply again with `force`, or stop applying the fields.
 *
 * @example
 * ```ts
 * import { ApplyConflictError, serverSideApply } from '@weft/merge';
 *
 * try { serverSideApply(live, config, { manager: 'weft' }); }
 * catch (error) { if (error instanceof ApplyConflictError) console.log(error.conflicts.map((c) => c.field)); }
 * ```
 */
export class ApplyConflictError extends MergeError {
  override readonly name = 'ApplyConflictError';
  constructor(
    /** `Kind/namespace/name` of the object. */
    readonly object: string,
    readonly conflicts: readonly FieldConflict[],
    readonly apiserverMessage: string = conflictMessage(conflicts),
  ) {
    super(object ? `${object}: ${apiserverMessage}` : apiserverMessage);
  }
}

/**
 * The manager of a conflict as the apiserver names it in messages and causes: `"kubectl"`, with
 * ` with subresource "status"` and, for `Update` managers, ` using apps/v1`.
 *
 * @example
 * ```ts
 * import { describeConflictManager } from '@weft/merge';
 *
 * const causes = error.conflicts.map((conflict) => ({ message: `conflict with ${describeConflictManager(conflict)}`, field: conflict.field }));
 * ```
 */
export function describeConflictManager(conflict: FieldConflict): string {
  let text = JSON.stringify(conflict.manager);
  if (conflict.subresource !== '') text += ` with subresource ${JSON.stringify(conflict.subresource)}`;
  if (conflict.operation === 'Update') text += ` using ${conflict.apiVersion}`;
  return text;
}

function managerSortKey(conflict: FieldConflict): string {
  // The apiserver sorts by the JSON of the entry's identity: manager, operation, apiVersion (Update), subresource.
  const identity: Record<string, string> = { manager: conflict.manager, operation: conflict.operation };
  if (conflict.operation === 'Update') identity['apiVersion'] = conflict.apiVersion;
  if (conflict.subresource !== '') identity['subresource'] = conflict.subresource;
  return JSON.stringify(identity);
}

/**
 * The message kube-apiserver returns for apply conflicts.
 *
 * @remarks One conflict: `Apply failed with 1 conflict: conflict with "m": .spec.replicas`; several:
 * grouped per manager (sorted), `Update` managers with `using <apiVersion>`.
 * @throws never
 * @example
 * ```ts
 * import { conflictMessage } from '@weft/merge';
 *
 * conflictMessage(error.conflicts);
 * ```
 */
export function conflictMessage(conflicts: readonly FieldConflict[]): string {
  if (conflicts.length === 1) {
    const [only] = conflicts as [FieldConflict];
    return `Apply failed with 1 conflict: conflict with ${describeConflictManager(only)}: ${only.field}`;
  }
  const byManager = new Map<string, FieldConflict[]>();
  for (const conflict of conflicts) {
    const key = managerSortKey(conflict);
    byManager.set(key, [...(byManager.get(key) ?? []), conflict]);
  }
  const lines: string[] = [];
  for (const key of [...byManager.keys()].sort()) {
    const group = byManager.get(key) as FieldConflict[];
    lines.push(`conflicts with ${describeConflictManager(group[0] as FieldConflict)}:`);
    for (const conflict of group) lines.push(`- ${conflict.field}`);
  }
  return `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
}

/**
 * Server-side apply: merges an applied configuration into the live object and updates field
 * ownership, as kube-apiserver does for `application/apply-patch+yaml`.
 *
 * @remarks
 * Follows sigs.k8s.io/structured-merge-diff (`Updater.Apply`) with the apiserver's field managers:
 * the configuration's fields become the manager's (`Apply` entry); fields other managers own that
 * the configuration changes are conflicts (thrown as {@link ApplyConflictError} unless `force`,
 * which moves them to this manager); fields this manager applied before and no longer applies are
 * removed unless another manager owns them; identity and server-written metadata are never owned;
 * `status` is ignored (and kept from the live object) for kinds with a status subresource; an
 * object without managedFields first gets a `before-first-apply` Update entry for what it holds.
 * With `live` undefined the apply creates the object.
 *
 * Pure: inputs are not modified. Not done here: defaulting, validation, admission, and the
 * apiserver's server-written metadata (uid, resourceVersion, generation, creationTimestamp).
 * With `subresource: 'status'` the apply is `PATCH …/status`: the manager's entry carries the
 * subresource and owns status fields only; the rest of the object is the live one's.
 * Not covered: conversion between API versions (managers at other versions are compared as if at
 * the applied one), the `scale` subresource's conversion from a Scale, the cap of ten Update
 * managers, kubectl's last-applied annotation.
 *
 * @throws {@link ApplyConflictError} on conflicts without `force`.
 * @throws {@link MergeError} for a configuration without apiVersion/kind, with `metadata.managedFields`,
 *   or with list items missing their keys.
 * @example
 * ```ts
 * import { serverSideApply } from '@weft/merge';
 *
 * const { object } = serverSideApply(live, {
 *   apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'prod' },
 *   spec: { replicas: 3 },
 * }, { manager: 'weft', force: true });
 * ```
 */
export function serverSideApply(live: JsonObject | undefined, applied: JsonObject, options: ServerSideApplyOptions): ServerSideApplyResult {
  const target = describeTarget(applied);
  try {
    return applyConfiguration(live, applied, options, target);
  } catch (error) {
    if (error instanceof MergeError && !(error instanceof ApplyConflictError) && target && !error.message.startsWith(target)) {
      throw new MergeError(`${target}: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

function applyConfiguration(live: JsonObject | undefined, applied: JsonObject, options: ServerSideApplyOptions, target: string): ServerSideApplyResult {
  if (!options.manager) throw new MergeError('server-side apply needs a field manager');
  if (typeof applied !== 'object' || applied === null || Array.isArray(applied)) throw new MergeError('an applied configuration must be a JSON object');
  const metadata = applied['metadata'];
  if (typeof metadata === 'object' && metadata !== null && (metadata as JsonObject)['managedFields'] != null) {
    throw new MergeError('metadata.managedFields must be nil');
  }
  const subresource = options.subresource ?? '';
  if (subresource !== '' && live === undefined) throw new MergeError(`an apply through the ${subresource} subresource needs the live object`);
  const kind = resolveManagedKind(applied, options.registry, options.gvk, subresource, [live]);
  const now = formatTime(options.now);
  const liveValue: JsonObject = live === undefined ? {} : withoutManagedFields(live);
  let owners = ownersByKey(decodeManagedFields(live));
  if (live !== undefined && owners.size === 0) owners = beforeFirstApply(liveValue, kind, now);

  const applyKey = ownershipKey({ manager: options.manager, operation: 'Apply', apiVersion: kind.apiVersion, subresource });
  const previous = owners.get(applyKey);
  const configSet = claimedFields(applied, kind);
  let merged = mergeValues(liveValue, applied, kind.schema) as JsonObject;
  owners.set(applyKey, { manager: options.manager, operation: 'Apply', apiVersion: kind.apiVersion, subresource, time: previous?.time, fields: configSet });
  merged = prune(merged, owners, previous?.fields, kind);

  const transfer = transferOwnership(liveValue, merged, kind, owners, applyKey);
  if (transfer.conflicts.length > 0 && options.force !== true) throw new ApplyConflictError(target, transfer.conflicts);
  owners = transfer.owners;

  const mine = owners.get(applyKey);
  if (mine !== undefined) {
    const fields = mine.fields.difference(strippedFields);
    if (fields.isEmpty()) owners.delete(applyKey);
    else owners.set(applyKey, { ...mine, fields });
  }

  const object = resetIgnoredFields(withoutTypedNulls(merged, kind.schema) as JsonObject, liveValue, kind, live === undefined);
  const changed = !jsonEqual(liveValue, object);
  const applier = owners.get(applyKey);
  if (applier !== undefined && changed) owners.set(applyKey, { ...applier, time: now });
  const managedFields = encodeManagedFields([...owners.values()]);
  return {
    object: withManagedFields(object, managedFields),
    managedFields,
    changed,
    conflicts: transfer.conflicts,
  };
}

/** The `before-first-apply` Update entry the apiserver gives an unmanaged object's existing fields. */
function beforeFirstApply(liveValue: JsonObject, kind: ManagedKind, now: string): Map<string, FieldOwnership> {
  return recordUpdate(emptyObjectOf(kind), liveValue, kind, new Map(), 'before-first-apply', now);
}

/**
 * Removes what the manager applied last time and no longer applies, unless another manager owns
 * it (structured-merge-diff's `prune`, `addBackOwnedItems`, `addBackDanglingItems`).
 */
function prune(merged: JsonObject, owners: Map<string, FieldOwnership>, lastSet: FieldSet | undefined, kind: ManagedKind): JsonObject {
  if (lastSet === undefined || lastSet.isEmpty()) return merged;
  const schema = kind.schema;
  const named = (set: FieldSet): FieldSet => withNamedFieldsAsMembers(set, schema);
  const last = named(lastSet);
  const firstPass = removeFields(merged, last, schema);
  let managed: FieldSet | undefined;
  for (const owner of owners.values()) managed = managed === undefined ? owner.fields : managed.union(owner.fields);
  const mergedSet = named(fieldSetOf(merged, schema));
  const firstSet = named(fieldSetOf(firstPass ?? {}, schema));
  const ownedBack = removeFields(merged, mergedSet.difference(firstSet.union(named(managed ?? lastSet.difference(lastSet)))), schema);
  const ownedBackSet = named(fieldSetOf(ownedBack ?? {}, schema));
  return (removeFields(merged, mergedSet.difference(ownedBackSet).intersection(last), schema) ?? {}) as JsonObject;
}

/**
 * Keeps the live object's `status` where the apiserver resets it (or drops it on create); through
 * the `status` subresource, keeps everything of the live object but its `status`.
 */
function resetIgnoredFields(merged: JsonObject, liveValue: JsonObject, kind: ManagedKind, creating: boolean): JsonObject {
  if (kind.subresource === 'status') {
    const { status: _live, ...rest } = liveValue;
    return 'status' in merged ? { ...rest, status: merged['status'] } : rest;
  }
  if (kind.ignored.isEmpty()) return merged;
  const result = { ...merged };
  if (!creating && 'status' in liveValue) result['status'] = liveValue['status'];
  else delete result['status'];
  return result;
}

function withManagedFields(object: JsonObject, managedFields: ManagedFieldsEntry[]): JsonObject {
  const metadata = typeof object['metadata'] === 'object' && object['metadata'] !== null ? (object['metadata'] as JsonObject) : {};
  const { managedFields: _old, ...rest } = metadata;
  return { ...object, metadata: managedFields.length > 0 ? { ...rest, managedFields } : rest };
}
