import { MergeError } from './errors.js';
import { FieldSet } from './field-set.js';
import { decodeFieldsV1, encodeFieldsV1 } from './fields-v1.js';
import type { JsonObject } from './json.js';

/** A `metadata.managedFields` entry as the apiserver stores it. */
export interface ManagedFieldsEntry {
  manager?: string;
  operation?: 'Apply' | 'Update' | string;
  apiVersion?: string;
  time?: string;
  fieldsType?: string;
  fieldsV1?: JsonObject;
  subresource?: string;
}

/** One manager's ownership, decoded: who, by which operation, at which version, and the fields. */
export interface FieldOwnership {
  readonly manager: string;
  readonly operation: 'Apply' | 'Update';
  readonly apiVersion: string;
  readonly subresource: string;
  readonly time: string | undefined;
  readonly fields: FieldSet;
}

/**
 * The identity the apiserver gives a managedFields entry: manager, operation, and for `Update` the
 * API version (updates at different versions are separate entries), plus the subresource.
 */
export function ownershipKey(entry: Pick<FieldOwnership, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string {
  return JSON.stringify([entry.manager, entry.operation, entry.operation === 'Update' ? entry.apiVersion : '', entry.subresource]);
}

/**
 * Decodes an object's `metadata.managedFields` into field sets.
 *
 * @remarks Entries that are not `FieldsV1` are rejected, as the apiserver does.
 * @throws {@link MergeError} for a malformed entry.
 * @example
 * ```ts
 * import { decodeManagedFields } from '@weft/merge';
 *
 * for (const owner of decodeManagedFields(liveDeployment)) console.log(owner.manager, owner.fields.paths().length);
 * ```
 */
export function decodeManagedFields(object: JsonObject | undefined): FieldOwnership[] {
  const metadata = object?.['metadata'];
  const entries = typeof metadata === 'object' && metadata !== null ? (metadata as JsonObject)['managedFields'] : undefined;
  if (entries === undefined || entries === null) return [];
  if (!Array.isArray(entries)) throw new MergeError('metadata.managedFields must be a list');
  return entries.map((raw, index) => {
    const entry = raw as ManagedFieldsEntry;
    if (entry.fieldsType !== undefined && entry.fieldsType !== 'FieldsV1') {
      throw new MergeError(`metadata.managedFields[${index}]: unsupported fieldsType ${JSON.stringify(entry.fieldsType)}`);
    }
    if (entry.operation !== 'Apply' && entry.operation !== 'Update') {
      throw new MergeError(`metadata.managedFields[${index}]: operation must be Apply or Update, not ${JSON.stringify(entry.operation)}`);
    }
    return {
      manager: entry.manager ?? '',
      operation: entry.operation,
      apiVersion: entry.apiVersion ?? '',
      subresource: entry.subresource ?? '',
      time: entry.time,
      fields: entry.fieldsV1 === undefined ? FieldSet.empty() : decodeFieldsV1(entry.fieldsV1),
    };
  });
}

/**
 * Encodes ownership as `metadata.managedFields`, in the apiserver's order (Apply before Update,
 * then by time, manager, API version and subresource); empty sets are dropped.
 *
 * @throws never
 * @example
 * ```ts
 * import { encodeManagedFields } from '@weft/merge';
 *
 * object.metadata.managedFields = encodeManagedFields(ownership);
 * ```
 */
export function encodeManagedFields(owners: readonly FieldOwnership[]): ManagedFieldsEntry[] {
  const seconds = (time: string | undefined): number => (time === undefined ? 0 : Math.floor(Date.parse(time) / 1000));
  return owners
    .filter((owner) => !owner.fields.isEmpty())
    .sort(
      (p, q) =>
        compareStrings(p.operation, q.operation) ||
        seconds(p.time) - seconds(q.time) ||
        compareStrings(p.manager, q.manager) ||
        compareStrings(p.apiVersion, q.apiVersion) ||
        compareStrings(p.subresource, q.subresource),
    )
    .map((owner) => {
      const entry: ManagedFieldsEntry = { manager: owner.manager, operation: owner.operation, apiVersion: owner.apiVersion };
      if (owner.time !== undefined) entry.time = owner.time;
      entry.fieldsType = 'FieldsV1';
      entry.fieldsV1 = encodeFieldsV1(owner.fields);
      if (owner.subresource !== '') entry.subresource = owner.subresource;
      return entry;
    });
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
