import { crdCleanupFinalizer } from './crd-lifecycle.js';
import { markDeleted } from './delete.js';
import type { ResourceDefinition } from './resources.js';
import type { ServerState } from './server-state.js';
import { cloneObject, isJsonObject, type StoredObject } from './stored-object.js';
import { commitWrite, isCrdResource } from './write-object.js';

interface Located {
  readonly resource: ResourceDefinition;
  readonly object: StoredObject;
}

function current(state: ServerState, { resource, object }: Located): StoredObject | undefined {
  return state.store.get(resource, object.metadata.namespace, object.metadata.name!);
}

function withoutFinalizer(state: ServerState, located: Located, finalizer: string): void {
  const live = current(state, located);
  if (!live) return;
  const next = cloneObject(live);
  next.metadata.finalizers = (next.metadata.finalizers ?? []).filter((name) => name !== finalizer);
  if (next.metadata.finalizers.length === 0) delete next.metadata.finalizers;
  commitWrite(state, located.resource, live, next, false);
}

/**
 * One pass of what kube-controller-manager's garbage collector and namespace controller (and the
 * apiextensions CRD finalizer) do, run right after the writes that need it: deletes dependents whose
 * owners are gone, works off `foregroundDeletion` and `orphan`, empties terminating namespaces and CRDs.
 *
 * @remarks Looks only at the objects the store marked since the last pass (their owners,
 * dependents or deletion changed) and at terminating namespaces and CRDs, so a pass costs nothing
 * for the many objects that are none of these.
 * @returns whether it changed anything (the caller runs another pass then).
 */
export function collectGarbage(state: ServerState): boolean {
  let changed = false;
  const work = new Map<string, Located>();
  for (const uid of state.store.takeDirty()) {
    const found = state.store.byUid(uid);
    if (found) work.set(uid, found);
  }
  for (const located of state.store.terminatingObjects()) work.set(located.object.metadata.uid!, located);
  for (const located of work.values()) {
    const object = current(state, located);
    if (!object) continue;
    changed = collectObject(state, { resource: located.resource, object }) || changed;
  }
  return changed;
}

function collectObject(state: ServerState, located: Located): boolean {
  const { resource, object } = located;
  const owners = object.metadata.ownerReferences ?? [];
  if (owners.length > 0 && !object.metadata.deletionTimestamp) {
    const alive = owners.filter((owner) => state.store.byUid(owner.uid) !== undefined);
    const waitingForeground = owners.some((owner) => {
      const found = state.store.byUid(owner.uid)?.object;
      return found?.metadata.deletionTimestamp !== undefined && (found.metadata.finalizers ?? []).includes('foregroundDeletion');
    });
    if (alive.length === 0) {
      markDeleted(state, resource, object, 'Background', false);
      return true;
    }
    if (waitingForeground) {
      markDeleted(state, resource, object, 'Foreground', false);
      return true;
    }
    if (alive.length < owners.length) {
      const next = cloneObject(object);
      next.metadata.ownerReferences = alive;
      commitWrite(state, resource, object, next, false);
      return true;
    }
    return false;
  }
  if (!object.metadata.deletionTimestamp) return false;
  const finalizers = object.metadata.finalizers ?? [];
  const dependents = state.store.dependentsOf(object.metadata.uid!);
  if (finalizers.includes('orphan')) {
    for (const dependent of dependents) {
      const next = cloneObject(dependent.object);
      next.metadata.ownerReferences = (next.metadata.ownerReferences ?? []).filter((owner) => owner.uid !== object.metadata.uid);
      if (next.metadata.ownerReferences.length === 0) delete next.metadata.ownerReferences;
      commitWrite(state, dependent.resource, dependent.object, next, false);
    }
    withoutFinalizer(state, located, 'orphan');
    return true;
  }
  if (finalizers.includes('foregroundDeletion')) {
    let changed = false;
    for (const dependent of dependents) {
      if (!dependent.object.metadata.deletionTimestamp) {
        markDeleted(state, dependent.resource, dependent.object, 'Foreground', false);
        changed = true;
      }
    }
    if (state.store.dependentsOf(object.metadata.uid!).length === 0) {
      withoutFinalizer(state, located, 'foregroundDeletion');
      changed = true;
    }
    return changed;
  }
  if (resource.group === '' && resource.plural === 'namespaces') return finalizeNamespace(state, located);
  if (isCrdResource(resource) && finalizers.includes(crdCleanupFinalizer)) {
    const served = state.registry.crdServed(object.metadata.name!);
    const instances = served.length > 0 ? state.store.list(served[0]!) : [];
    let changed = false;
    for (const instance of instances) {
      if (!instance.metadata.deletionTimestamp) {
        markDeleted(state, served[0]!, instance, 'Background', false);
        changed = true;
      }
    }
    if ((served.length > 0 ? state.store.list(served[0]!) : []).length === 0) {
      withoutFinalizer(state, located, crdCleanupFinalizer);
      changed = true;
    }
    return changed;
  }
  return false;
}

/** Deletes a terminating namespace's objects, then — once none is left — the namespace itself. */
function finalizeNamespace(state: ServerState, located: Located): boolean {
  const name = located.object.metadata.name!;
  let remaining = 0;
  let changed = false;
  const seen = new Set<string>();
  for (const resource of state.registry.all()) {
    const table = `${resource.group}/${resource.plural}`;
    if (!resource.namespaced || seen.has(table)) continue;
    seen.add(table);
    for (const object of state.store.list(resource, name)) {
      remaining += 1;
      if (!object.metadata.deletionTimestamp) {
        markDeleted(state, resource, object, 'Background', false);
        changed = true;
      }
    }
  }
  if (remaining > 0) {
    // What had no finalizer is gone now; what has one keeps the namespace Terminating.
    const left = [...seen].length > 0 && state.registry.all().some((resource) => resource.namespaced && state.store.list(resource, name).length > 0);
    if (left) return changed;
  }
  const namespace = state.store.get(located.resource, undefined, name);
  if (!namespace) return changed;
  const spec = isJsonObject(namespace['spec']) ? namespace['spec'] : {};
  const finalizers = Array.isArray(spec['finalizers']) ? (spec['finalizers'] as string[]).filter((finalizer) => finalizer !== 'kubernetes') : [];
  if ((namespace.metadata.finalizers ?? []).length === 0 && finalizers.length === 0) {
    state.store.remove(located.resource, namespace);
    return true;
  }
  if (Array.isArray(spec['finalizers']) && spec['finalizers'].includes('kubernetes')) {
    const next = cloneObject(namespace);
    next['spec'] = { ...spec, finalizers };
    state.store.write(located.resource, next);
    return true;
  }
  return changed;
}
