import { isRecord } from './json-pointer.js';

/** One entry of `metadata.managedFields`. */
export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  apiVersion?: string;
  time?: string;
  fieldsType?: string;
  fieldsV1?: Record<string, unknown>;
  subresource?: string;
}

/** The managedFields of an object, or none. */
export function managedFieldsOf(object: { metadata?: { managedFields?: unknown } }): ManagedFieldsEntry[] {
  const entries = object.metadata?.managedFields;
  return Array.isArray(entries) ? (entries as ManagedFieldsEntry[]) : [];
}

/**
 * Removes from `value` (in place) every field a FieldsV1 set names: `f:<name>` keys, `k:{…}` list
 * items matched by their keys, `v:<json>` set items, `i:<n>` indexes; `.` marks the node itself.
 *
 * @remarks Used to drop the fields another manager owns before comparing (Argo CD's
 * `managedFieldsManagers`, Flux's ignore by manager).
 */
export function removeManagedFields(value: unknown, fields: Record<string, unknown>): void {
  if (isRecord(value)) {
    for (const [key, sub] of Object.entries(fields)) {
      if (!key.startsWith('f:') || !isRecord(sub)) continue;
      const name = key.slice(2);
      if (!(name in value)) continue;
      if (ownsWholeNode(sub)) delete value[name];
      else removeManagedFields(value[name], sub);
    }
    return;
  }
  if (!Array.isArray(value)) return;
  const drop = new Set<number>();
  for (const [key, sub] of Object.entries(fields)) {
    if (!isRecord(sub)) continue;
    const index = findListItem(value, key);
    if (index === undefined) continue;
    if (ownsWholeNode(sub)) drop.add(index);
    else removeManagedFields(value[index], sub);
  }
  for (const index of [...drop].sort((a, b) => b - a)) value.splice(index, 1);
}

/** A field set owns the whole node when it is a leaf (`{}`) or says `.` only. */
function ownsWholeNode(sub: Record<string, unknown>): boolean {
  const keys = Object.keys(sub);
  return keys.length === 0 || (keys.length === 1 && keys[0] === '.');
}

function findListItem(list: unknown[], key: string): number | undefined {
  if (key.startsWith('i:')) {
    const index = Number(key.slice(2));
    return Number.isInteger(index) && index < list.length ? index : undefined;
  }
  if (key.startsWith('v:')) {
    const wanted = JSON.stringify(JSON.parse(key.slice(2)));
    const index = list.findIndex((item) => JSON.stringify(item) === wanted);
    return index < 0 ? undefined : index;
  }
  if (key.startsWith('k:')) {
    const keys = JSON.parse(key.slice(2)) as Record<string, unknown>;
    const index = list.findIndex((item) => isRecord(item) && Object.entries(keys).every(([name, wanted]) => item[name] === wanted));
    return index < 0 ? undefined : index;
  }
  return undefined;
}

/**
 * The union of two FieldsV1 sets (a new object): what both managers own.
 *
 * @remarks Used to move fields from `kubectl-edit` (and friends) to Weft's own apply entry.
 */
export function unionFieldSets(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [key, value] of Object.entries(b)) {
    const existing = out[key];
    out[key] = isRecord(existing) && isRecord(value) ? unionFieldSets(existing, value) : isRecord(value) ? value : existing ?? value;
  }
  return out;
}
