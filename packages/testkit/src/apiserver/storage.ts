import type { ResourceDefinition } from './resources.js';
import type { StoredObject } from './stored-object.js';

/** A change to the store, as watches deliver it. */
export interface StoreEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly resource: ResourceDefinition;
  /** The object after the change (for DELETED: the last state, at the deletion's resourceVersion). */
  readonly object: StoredObject;
  /** The object before the change, for MODIFIED and DELETED. */
  readonly previous?: StoredObject;
  readonly resourceVersion: number;
}

/** The whole state of a store, for `snapshot()` / `restore()`. */
export interface StoreSnapshot {
  readonly resourceVersion: number;
  readonly tables: ReadonlyArray<readonly [string, ReadonlyArray<StoredObject>]>;
}

/** The storage key of a resource: its group and plural (all versions of a CRD share it). */
export function tableKey(resource: Pick<ResourceDefinition, 'group' | 'plural'>): string {
  return `${resource.group}/${resource.plural}`;
}

function objectKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

/**
 * The object store: one table per resource, one global resourceVersion counter (as etcd's revision)
 * and a bounded history of changes that watches resume from.
 *
 * @remarks
 * Stored objects are frozen and never mutated: a write replaces the object. Readers may therefore
 * hand them out without copying; writers copy first.
 */
export class ObjectStore {
  private revision: number;
  private readonly tables = new Map<string, Map<string, StoredObject>>();
  /** Each table's keys in list order, kept until a key is added or removed (updates keep the order). */
  private readonly sortedKeys = new Map<string, string[]>();
  private history: StoreEvent[] = [];
  /** Every change after this revision is still in `history`. */
  private historyFloor: number;
  private readonly listeners = new Set<(event: StoreEvent) => void>();
  /** Where each object lives, by uid (owner references point by uid). */
  private readonly uids = new Map<string, { readonly resource: ResourceDefinition; readonly key: string }>();
  /** Objects with owner references or being deleted. */
  private readonly flagged = new Map<string, ResourceDefinition>();
  /** Namespaces and CRDs being deleted: the garbage collector looks at them on every pass. */
  private readonly terminating = new Set<string>();
  /** Owner uid → uids of the objects that reference it. */
  private readonly dependents = new Map<string, Set<string>>();
  /** Uids the garbage collector has to look at again (their owners, dependents or deletion changed). */
  private dirty = new Set<string>();

  constructor(private readonly historyLimit: number, startRevision = 1) {
    this.revision = startRevision;
    this.historyFloor = startRevision;
  }

  /** The latest resourceVersion handed out. */
  get resourceVersion(): number {
    return this.revision;
  }

  /** The oldest resourceVersion a watch may still start from. */
  get oldestWatchable(): number {
    return this.historyFloor;
  }

  get(resource: ResourceDefinition, namespace: string | undefined, name: string): StoredObject | undefined {
    return this.tables.get(tableKey(resource))?.get(objectKey(resource.namespaced ? namespace : undefined, name));
  }

  /** The objects of a resource (in one namespace, or all), sorted by namespace then name as etcd keys sort. */
  list(resource: ResourceDefinition, namespace?: string): StoredObject[] {
    const table = this.tables.get(tableKey(resource));
    if (!table) return [];
    let keys = this.sortedKeys.get(tableKey(resource));
    if (!keys) this.sortedKeys.set(tableKey(resource), (keys = [...table.keys()].sort()));
    const prefix = namespace && resource.namespaced ? `${namespace}/` : undefined;
    const out: StoredObject[] = [];
    for (const key of keys) if (prefix === undefined || key.startsWith(prefix)) out.push(table.get(key)!);
    return out;
  }

  /** How many objects a resource has (all namespaces). */
  count(resource: ResourceDefinition): number {
    return this.tables.get(tableKey(resource))?.size ?? 0;
  }

  /** Stores a new or changed object under the next resourceVersion and tells the watchers. */
  write(resource: ResourceDefinition, object: StoredObject): StoredObject {
    const key = objectKey(resource.namespaced ? object.metadata.namespace : undefined, object.metadata.name!);
    let table = this.tables.get(tableKey(resource));
    if (!table) this.tables.set(tableKey(resource), (table = new Map()));
    const previous = table.get(key);
    if (!previous) this.sortedKeys.delete(tableKey(resource));
    this.revision += 1;
    const stored = deepFreeze({ ...object, metadata: withResourceVersion(object.metadata, this.revision) });
    table.set(key, stored);
    if (previous) this.unindex(previous);
    this.index(resource, key, stored);
    if (this.flagged.has(stored.metadata.uid ?? '')) this.dirty.add(stored.metadata.uid!);
    this.record({ type: previous ? 'MODIFIED' : 'ADDED', resource, object: stored, ...(previous ? { previous } : {}), resourceVersion: this.revision });
    return stored;
  }

  /** Removes an object; the DELETED event carries it at a fresh resourceVersion, as etcd does. */
  remove(resource: ResourceDefinition, object: StoredObject): StoredObject {
    const key = objectKey(resource.namespaced ? object.metadata.namespace : undefined, object.metadata.name!);
    const table = this.tables.get(tableKey(resource));
    const previous = table?.get(key);
    if (!table || !previous) return object;
    table.delete(key);
    this.sortedKeys.delete(tableKey(resource));
    this.unindex(previous);
    // Its dependents may now be orphans; its owners may have been waiting for it (foreground).
    for (const dependent of this.dependents.get(previous.metadata.uid ?? '') ?? []) this.dirty.add(dependent);
    for (const owner of previous.metadata.ownerReferences ?? []) this.dirty.add(owner.uid);
    this.revision += 1;
    const gone = deepFreeze({ ...previous, metadata: withResourceVersion(previous.metadata, this.revision) });
    this.record({ type: 'DELETED', resource, object: gone, previous, resourceVersion: this.revision });
    return previous;
  }

  /** Drops every object of a resource without events (a CRD's storage going away after its objects did). */
  dropTable(resource: ResourceDefinition): void {
    for (const object of this.tables.get(tableKey(resource))?.values() ?? []) this.unindex(object);
    this.tables.delete(tableKey(resource));
    this.sortedKeys.delete(tableKey(resource));
  }

  /** The object with a uid, and its resource, if stored. */
  byUid(uid: string): { resource: ResourceDefinition; object: StoredObject } | undefined {
    const where = this.uids.get(uid);
    const object = where ? this.tables.get(tableKey(where.resource))?.get(where.key) : undefined;
    return where && object ? { resource: where.resource, object } : undefined;
  }

  /** The objects with owner references or a deletionTimestamp. */
  flaggedObjects(): { resource: ResourceDefinition; object: StoredObject }[] {
    return [...this.flagged.keys()].map((uid) => this.byUid(uid)).filter((found) => found !== undefined);
  }

  /** Namespaces and CRDs being deleted. */
  terminatingObjects(): { resource: ResourceDefinition; object: StoredObject }[] {
    return [...this.terminating].map((uid) => this.byUid(uid)).filter((found) => found !== undefined);
  }

  /** The objects whose owner references name `uid`. */
  dependentsOf(uid: string): { resource: ResourceDefinition; object: StoredObject }[] {
    return [...(this.dependents.get(uid) ?? [])].map((dependent) => this.byUid(dependent)).filter((found) => found !== undefined);
  }

  /** The uids to look at again since the last call (and forgets them). */
  takeDirty(): string[] {
    const taken = [...this.dirty];
    this.dirty = new Set();
    return taken;
  }

  private index(resource: ResourceDefinition, key: string, object: StoredObject): void {
    const uid = object.metadata.uid;
    if (!uid) return;
    this.uids.set(uid, { resource, key });
    if ((object.metadata.ownerReferences ?? []).length > 0 || object.metadata.deletionTimestamp) this.flagged.set(uid, resource);
    else this.flagged.delete(uid);
    const container = (resource.group === '' && resource.plural === 'namespaces') || (resource.group === 'apiextensions.k8s.io' && resource.plural === 'customresourcedefinitions');
    if (container && object.metadata.deletionTimestamp) this.terminating.add(uid);
    else this.terminating.delete(uid);
    for (const owner of object.metadata.ownerReferences ?? []) {
      let set = this.dependents.get(owner.uid);
      if (!set) this.dependents.set(owner.uid, (set = new Set()));
      set.add(uid);
    }
  }

  private unindex(object: StoredObject): void {
    const uid = object.metadata.uid;
    if (!uid) return;
    this.uids.delete(uid);
    this.flagged.delete(uid);
    this.terminating.delete(uid);
    for (const owner of object.metadata.ownerReferences ?? []) {
      const set = this.dependents.get(owner.uid);
      set?.delete(uid);
      if (set?.size === 0) this.dependents.delete(owner.uid);
    }
  }

  /** The changes after `resourceVersion`, or `undefined` when some of them are no longer kept. */
  changesSince(resourceVersion: number): StoreEvent[] | undefined {
    if (resourceVersion < this.historyFloor) return undefined;
    // History is sorted by resourceVersion: find the first later one.
    let low = 0;
    let high = this.history.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (this.history[middle]!.resourceVersion <= resourceVersion) low = middle + 1;
      else high = middle;
    }
    return this.history.slice(low);
  }

  /** Calls `listener` with every change from now on; returns the unsubscribe function. */
  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  snapshot(): StoreSnapshot {
    return { resourceVersion: this.revision, tables: [...this.tables].map(([key, table]) => [key, [...table.values()]] as const) };
  }

  /**
   * Replaces every object with a snapshot's. The revision keeps counting up (never back), and the
   * history is cut, so watches from before the restore get 410 Gone and must re-list.
   */
  restore(snapshot: StoreSnapshot, keyOf: (table: string, object: StoredObject) => string, resourceOf: (table: string) => ResourceDefinition | undefined): void {
    this.tables.clear();
    this.sortedKeys.clear();
    this.uids.clear();
    this.flagged.clear();
    this.terminating.clear();
    this.dependents.clear();
    for (const [key, objects] of snapshot.tables) {
      const table = new Map(objects.map((object) => [keyOf(key, object), deepFreeze(structuredClone(object))] as const));
      this.tables.set(key, table);
      const resource = resourceOf(key);
      if (resource) for (const [objectKey, object] of table) this.index(resource, objectKey, object);
    }
    this.dirty = new Set(this.flagged.keys());
    this.revision = Math.max(this.revision, snapshot.resourceVersion) + 1;
    this.history = [];
    this.historyFloor = this.revision;
  }

  private record(event: StoreEvent): void {
    this.history.push(event);
    if (this.history.length > this.historyLimit * 2) {
      const dropped = this.history.length - this.historyLimit;
      this.historyFloor = this.history[dropped - 1]!.resourceVersion;
      this.history = this.history.slice(dropped);
    }
    for (const listener of this.listeners) listener(event);
  }
}

/** Metadata with a new resourceVersion, placed after `uid` as the apiserver serialises it. */
function withResourceVersion(metadata: StoredObject['metadata'], revision: number): StoredObject['metadata'] {
  const resourceVersion = String(revision);
  if ('resourceVersion' in metadata) return { ...metadata, resourceVersion };
  const out: StoredObject['metadata'] = {};
  let placed = false;
  for (const [field, value] of Object.entries(metadata)) {
    out[field] = value;
    if (field === 'uid') {
      out['resourceVersion'] = resourceVersion;
      placed = true;
    }
  }
  if (!placed) out['resourceVersion'] = resourceVersion;
  return out;
}

/** Freezes a JSON value all the way down, so no reader can change what is stored. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as object)) deepFreeze(child);
  }
  return value;
}
