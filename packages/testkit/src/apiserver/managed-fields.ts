import { describePath, fieldsOf, fromFieldsV1, listItemKey, pruneEmpty, removeAt, toFieldsV1, valueAt, type FieldSet } from './field-set.js';
import { statusError, type StatusCause } from './status-error.js';
import { cloneObject, isJsonObject, nowTimestamp, type ManagedFieldsEntry, type StoredObject } from './stored-object.js';

/** Who writes, and through which operation: the identity of a `managedFields` entry. */
export interface FieldManagerIdentity {
  readonly manager: string;
  readonly apiVersion: string;
  /** `status` or `scale` for writes through a subresource. */
  readonly subresource?: string;
}

function sameEntry(entry: ManagedFieldsEntry, identity: FieldManagerIdentity, operation: 'Apply' | 'Update'): boolean {
  return entry.manager === identity.manager && entry.operation === operation && (entry.subresource ?? '') === (identity.subresource ?? '') && (operation === 'Apply' || entry.apiVersion === identity.apiVersion);
}

function entry(identity: FieldManagerIdentity, operation: 'Apply' | 'Update', set: FieldSet): ManagedFieldsEntry {
  return {
    manager: identity.manager,
    operation,
    apiVersion: identity.apiVersion,
    time: nowTimestamp(),
    fieldsType: 'FieldsV1',
    fieldsV1: toFieldsV1(set),
    ...(identity.subresource ? { subresource: identity.subresource } : {}),
  };
}

function tracked(object: StoredObject, subresource: string | undefined): FieldSet {
  return fieldsOf(object, subresource === 'status' ? { onlyStatus: true } : {});
}

/**
 * The `managedFields` after a create, update or patch: the writer (operation `Update`) owns every
 * field it changed, which no other manager owns any longer; fields it removed leave every set.
 */
export function managedFieldsAfterUpdate(previous: StoredObject | undefined, next: StoredObject, identity: FieldManagerIdentity): ManagedFieldsEntry[] {
  const before = previous ? tracked(previous, identity.subresource) : new Set<string>();
  const after = tracked(next, identity.subresource);
  const changed = new Set([...after].filter((path) => !before.has(path) || JSON.stringify(valueAt(previous, path)) !== JSON.stringify(valueAt(next, path))));
  const removed = new Set([...before].filter((path) => !after.has(path)));
  const entries: ManagedFieldsEntry[] = [];
  let own: FieldSet | undefined;
  for (const existing of previous?.metadata.managedFields ?? []) {
    const set = fromFieldsV1(existing.fieldsV1);
    if (sameEntry(existing, identity, 'Update')) {
      own = new Set([...set].filter((path) => !removed.has(path)));
      continue;
    }
    const kept = new Set([...set].filter((path) => !changed.has(path) && !removed.has(path)));
    if (kept.size > 0) entries.push(kept.size === set.size ? existing : { ...existing, fieldsV1: toFieldsV1(kept) });
  }
  const mine = new Set([...(own ?? []), ...changed]);
  if (mine.size > 0) entries.push(entry(identity, 'Update', mine));
  return entries;
}

function mergeApplied(live: unknown, config: unknown, path: string[]): unknown {
  if (isJsonObject(live) && isJsonObject(config)) {
    const out: Record<string, unknown> = { ...live };
    for (const [field, value] of Object.entries(config)) out[field] = mergeApplied(live[field], value, [...path, `f:${field}`]);
    return out;
  }
  if (Array.isArray(live) && Array.isArray(config)) {
    const keyOf = listItemKey(path, config.length > 0 ? config : live);
    if (keyOf) {
      const out = live.map((item) => item as unknown);
      for (const item of config) {
        const key = keyOf(item);
        const index = key === undefined ? -1 : out.findIndex((existing) => keyOf(existing) === key);
        if (index >= 0) out[index] = mergeApplied(out[index], item, [...path, key!]);
        else out.push(item);
      }
      return out;
    }
  }
  return cloneObject(config);
}

/**
 * Server-side apply of `config` onto `live` (undefined when the object does not exist yet) for a
 * field manager: conflicts, `force`, shared ownership and removal of fields the manager stopped applying.
 * Used for subresource applies, which `@weft/merge` does not cover; main-resource applies go through it.
 *
 * @throws {@link StatusError} 409 Conflict naming each conflicting field and its manager, unless `force`.
 */
export function serverSideApply(live: StoredObject | undefined, config: StoredObject, identity: FieldManagerIdentity, force: boolean): StoredObject {
  const applied = tracked(config, identity.subresource);
  const base: StoredObject = live ? cloneObject(live) : { metadata: {} };
  const entries = base.metadata.managedFields ?? [];
  const conflicts: StatusCause[] = [];
  const taken = new Map<number, FieldSet>();
  entries.forEach((existing, index) => {
    if (sameEntry(existing, identity, 'Apply')) return;
    if ((existing.subresource ?? '') !== (identity.subresource ?? '')) return;
    const set = fromFieldsV1(existing.fieldsV1);
    const lost = new Set<string>();
    for (const path of applied) {
      if (!set.has(path) || path.endsWith('\u0000.')) continue;
      if (JSON.stringify(valueAt(live, path)) === JSON.stringify(valueAt(config, path))) continue;
      lost.add(path);
      const who = existing.operation === 'Apply' ? `"${existing.manager}"` : `"${existing.manager}" using ${existing.apiVersion}`;
      conflicts.push({ reason: 'FieldManagerConflict', message: `conflict with ${who}`, field: describePath(path) });
    }
    if (lost.size > 0) taken.set(index, lost);
  });
  if (conflicts.length > 0 && !force) {
    const lines =
      conflicts.length === 1
        ? `${conflicts[0]!.message}: ${conflicts[0]!.field}`
        : conflicts.map((cause) => `${cause.message}: ${cause.field}`).join('\n- ');
    throw statusError(409, 'Conflict', `Apply failed with ${conflicts.length} conflict${conflicts.length === 1 ? '' : 's'}: ${conflicts.length === 1 ? lines : `\n- ${lines}`}`, { causes: conflicts });
  }

  const { metadata: configMeta, ...configBody } = config;
  const merged = mergeApplied(base, { ...configBody, metadata: cleanMetadata(configMeta) }, []) as StoredObject;
  merged.metadata = { ...(merged.metadata ?? {}) };

  const previouslyMine = entries.find((existing) => sameEntry(existing, identity, 'Apply'));
  const others: FieldSet = new Set();
  const nextEntries: ManagedFieldsEntry[] = [];
  entries.forEach((existing, index) => {
    if (existing === previouslyMine) return;
    const lost = taken.get(index);
    const set = fromFieldsV1(existing.fieldsV1);
    const kept = lost ? new Set([...set].filter((path) => !lost.has(path))) : set;
    for (const path of kept) others.add(path);
    if (kept.size > 0) nextEntries.push(lost ? { ...existing, fieldsV1: toFieldsV1(kept) } : existing);
  });
  if (previouslyMine) {
    const dropped = [...fromFieldsV1(previouslyMine.fieldsV1)].filter((path) => !applied.has(path) && !others.has(path));
    // Deepest first, so a removed list item goes before its parent field is looked at.
    for (const path of dropped.sort((a, b) => b.length - a.length)) {
      removeAt(merged, path);
      pruneEmpty(merged, path);
    }
  }
  nextEntries.push(entry(identity, 'Apply', applied));
  merged.metadata.managedFields = nextEntries;
  return merged;
}

function cleanMetadata(metadata: StoredObject['metadata']): StoredObject['metadata'] {
  const { managedFields: _managed, resourceVersion: _rv, uid: _uid, creationTimestamp: _created, generation: _generation, ...rest } = metadata ?? {};
  return rest;
}
