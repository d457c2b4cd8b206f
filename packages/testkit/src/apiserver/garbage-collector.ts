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
 * @remarks Looks only at objects with owner references or a deletionTimestamp (the store indexes
 * them), so a pass costs nothing for the many objects that have neither.
 * @returns whether it changed anything (the caller runs another pass then).
 */
export function collectGarbage(state: ServerState): boolean {
  let changed = false;
  const flagged = state.store.flaggedObjects();
  const dependentsOf = new Map<string, Located[]>();
  for (const located of flagged) {
    for (const owner of located.object.metadata.ownerReferences ?? []) {
      dependentsOf.set(owner.uid, [...(dependentsOf.get(owner.uid) ?? []), located]);
    }
  }

  for (const located of flagged) {
    const { resource, object } = located;
    if (current(state, located) !== object) continue;
    const owners = object.metadata.ownerReferences ?? [];
    if (owners.length === 0 || object.metadata.deletionTimestamp) continue;
    const alive = owners.filter((owner) => state.store.byUid(owner.uid) !== undefined);
    const waitingForeground = owners.some((owner) => {
      const found = state.store.byUid(owner.uid)?.object;
      return found?.metadata.deletionTimestamp !== undefined && (found.metadata.finalizers ?? []).includes('foregroundDeletion');
    });
    if (alive.length === 0) {
      markDeleted(state, resource, object, 'Background', false);
      changed = true;
    } else if (waitingForeground) {
      markDeleted(state, resource, object, 'Foreground', false);
      changed = true;
    } else if (alive.length < owners.length) {
      const next = cloneObject(object);
      next.metadata.ownerReferences = alive;
      commitWrite(state, resource, object, next, false);
      changed = true;
    }
  }

  for (const located of state.store.flaggedObjects()) {
    const { resource, object } = located;
    if (!object.metadata.deletionTimestamp) continue;
    const finalizers = object.metadata.finalizers ?? [];
    const dependents = (dependentsOf.get(object.metadata.uid!) ?? []).map((dependent) => ({ ...dependent, object: current(state, dependent) })).filter((dependent): dependent is Located => dependent.object !== undefined);
    if (finalizers.includes('orphan')) {
      for (const dependent of dependents) {
        const next = cloneObject(dependent.object);
        next.metadata.ownerReferences = (next.metadata.ownerReferences ?? []).filter((owner) => owner.uid !== object.metadata.uid);
        if (next.metadata.ownerReferences.length === 0) delete next.metadata.ownerReferences;
        commitWrite(state, dependent.resource, dependent.object, next, false);
      }
      withoutFinalizer(state, located, 'orphan');
      changed = true;
    } else if (finalizers.includes('foregroundDeletion')) {
      const blocking = dependents.filter((dependent) => dependent.object.metadata.ownerReferences?.some((owner) => owner.uid === object.metadata.uid));
      for (const dependent of blocking) {
        if (!dependent.object.metadata.deletionTimestamp) {
          markDeleted(state, dependent.resource, dependent.object, 'Foreground', false);
          changed = true;
        }
      }
      if (blocking.length === 0) {
        withoutFinalizer(state, located, 'foregroundDeletion');
        changed = true;
      }
    } else if (resource.group === '' && resource.plural === 'namespaces') {
      changed = finalizeNamespace(state, located) || changed;
    } else if (isCrdResource(resource) && finalizers.includes(crdCleanupFinalizer)) {
      const served = state.registry.crdServed(object.metadata.name!);
      const instances = served.length > 0 ? state.store.list(served[0]!) : [];
      for (const instance of instances) if (!instance.metadata.deletionTimestamp) markDeleted(state, served[0]!, instance, 'Background', false);
      if (instances.length === 0 || served.length === 0) withoutFinalizer(state, located, crdCleanupFinalizer);
      changed = true;
    }
  }
  return changed;
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
