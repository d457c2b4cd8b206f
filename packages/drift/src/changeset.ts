import { describeObject, inventoryId, type ObjectRef } from '@weft/reconcile-core';

/** What a verb did to one object. */
export type ChangeAction = 'created' | 'configured' | 'unchanged' | 'deleted' | 'skipped' | 'orphaned' | 'recreated';

/** One object's line in a {@link ChangeSet}. */
export interface ChangeSetEntry {
  readonly ref: ObjectRef;
  /** `Kind/namespace/name`, as messages name the object. */
  readonly subject: string;
  readonly action: ChangeAction;
  /** Why, for `skipped` and `orphaned` (e.g. `apply policy IfNotPresent`). */
  readonly reason?: string;
}

/**
 * The result of {@link applySet} or {@link prune}: one entry per object, in the order handled.
 *
 * @remarks A plain value: serialisable, comparable in tests, readable by people through {@link summarizeChangeSet}.
 */
export interface ChangeSet {
  readonly entries: readonly ChangeSetEntry[];
}

/**
 * One {@link ChangeSetEntry}.
 *
 * @remarks `subject` is derived from `ref` (`Kind/namespace/name`), so the two never disagree.
 *
 * @example
 * ```ts
 * import { changeEntry } from '@weft/drift';
 *
 * changeEntry({ group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'prod', name: 'web' }, 'created');
 * // { ref, subject: 'Deployment/prod/web', action: 'created' }
 * ```
 */
export function changeEntry(ref: ObjectRef, action: ChangeAction, reason?: string): ChangeSetEntry {
  return reason === undefined ? { ref, subject: describeObject(ref), action } : { ref, subject: describeObject(ref), action, reason };
}

/**
 * Joins change sets in order.
 *
 * @remarks Entries are kept as they are, duplicates included (an object applied, then pruned, shows twice).
 *
 * @example
 * ```ts
 * import { mergeChangeSets } from '@weft/drift';
 *
 * const all = mergeChangeSets(applied, pruned);
 * ```
 */
export function mergeChangeSets(...sets: readonly ChangeSet[]): ChangeSet {
  return { entries: sets.flatMap((set) => set.entries) };
}

/**
 * The entry for one object, by its ref.
 *
 * @remarks Matched by inventory id (group, kind, namespace, name): the version does not matter.
 *
 * @example
 * ```ts
 * import { findChange } from '@weft/drift';
 *
 * findChange(changes, { group: '', version: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'settings' })?.action; // 'created'
 * ```
 */
export function findChange(set: ChangeSet, ref: ObjectRef): ChangeSetEntry | undefined {
  const id = inventoryId(ref);
  return set.entries.find((entry) => inventoryId(entry.ref) === id);
}

/**
 * Counts per action, e.g. `{ created: 3, unchanged: 10 }`.
 *
 * @remarks Actions that did not occur are absent, not 0.
 *
 * @example
 * ```ts
 * import { countChanges } from '@weft/drift';
 *
 * countChanges(changes).created ?? 0;
 * ```
 */
export function countChanges(set: ChangeSet): Partial<Record<ChangeAction, number>> {
  const counts: Partial<Record<ChangeAction, number>> = {};
  for (const entry of set.entries) counts[entry.action] = (counts[entry.action] ?? 0) + 1;
  return counts;
}

/**
 * The change set as lines people read, one per object that changed (`Deployment/prod/web configured`),
 * as Flux's events list them; unchanged objects are left out.
 *
 * @remarks An empty string when nothing changed.
 *
 * @example
 * ```ts
 * import { summarizeChangeSet } from '@weft/drift';
 *
 * console.log(summarizeChangeSet(changes));
 * ```
 */
export function summarizeChangeSet(set: ChangeSet): string {
  return set.entries
    .filter((entry) => entry.action !== 'unchanged')
    .map((entry) => `${entry.subject} ${entry.action}${entry.reason ? ` (${entry.reason})` : ''}`)
    .join('\n');
}
