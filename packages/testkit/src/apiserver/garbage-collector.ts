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

function everything(state: ServerState): Located[] {
  const seen = new Set<string>();
  const out: Located[] = [];
  for (const resource of state.registry.all()) {
    const table = `${resource.group}/${resource.plural}`;
    if (seen.has(table)) continue;
    seen.add(table);
    for (const object of state.store.list(resource)) out.push({ resource, object });
  }
  return out;
}

function withoutFinalizer(state: ServerState, { resource, object }: Located, finalizer: string): void {
  const next = cloneObject(object);
  next.metadata.finalizers = (next.metadata.finalizers ?? []).filter((name) => name !== finalizer);
  if (next.metadata.finalizers.length === 0) delete next.metadata.finalizers;
  commitWrite(state, resource, object, next, false);
}

/**
 * One pass of what kube-controller-manager's garbage collector and namespace controller (and the
 * apiextensions CRD finalizer) do, run synchronously after deletions: deletes dependents whose owners
 * are gone, works off `foregroundDeletion` and `orphan`, empties terminating namespaces and CRDs.
 *
 * @returns whether it changed anything (the caller runs another pass then).
 */
export function collectGarbage(state: ServerState): boolean {
  let changed = false;
  const all = everything(state);
  const byUid = new Map(all.map((located) => [located.object.metadata.uid!, located]));
  const dependentsOf = new Map<string, Located[]>();
  for (const located of all) {
    for (const owner of located.object.metadata.ownerReferences ?? []) {
      const list = dependentsOf.get(owner.uid) ?? [];
      list.push(located);
      dependentsOf.set(owner.uid, list);
    }
  }

  for (const located of all) {
    const { resource, object } = located;
    const current = state.store.get(resource, object.metadata.namespace, object.metadata.name!);
    if (current !== object) continue;
    const owners = object.metadata.ownerReferences ?? [];
    if (owners.length > 0 && !object.metadata.deletionTimestamp) {
      const alive = owners.filter((owner) => byUid.has(owner.uid) && state.store.get(byUid.get(owner.uid)!.resource, byUid.get(owner.uid)!.object.metadata.namespace, byUid.get(owner.uid)!.object.metadata.name!));
      const waitingForeground = owners.some((owner) => {
        const found = byUid.get(owner.uid);
        return found?.object.metadata.deletionTimestamp && (found.object.metadata.finalizers ?? []).includes('foregroundDeletion');
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
  }

  for (const located of everything(state)) {
    const { resource, object } = located;
    if (!object.metadata.deletionTimestamp) continue;
    const finalizers = object.metadata.finalizers ?? [];
    const dependents = (dependentsOf.get(object.metadata.uid!) ?? []).filter((dependent) => state.store.get(dependent.resource, dependent.object.metadata.namespace, dependent.object.metadata.name!));
    if (finalizers.includes('orphan')) {
      for (const dependent of dependents) {
        const live = state.store.get(dependent.resource, dependent.object.metadata.namespace, dependent.object.metadata.name!)!;
        const next = cloneObject(live);
        next.metadata.ownerReferences = (next.metadata.ownerReferences ?? []).filter((owner) => owner.uid !== object.metadata.uid);
        if (next.metadata.ownerReferences.length === 0) delete next.metadata.ownerReferences;
        commitWrite(state, dependent.resource, live, next, false);
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
      if (instances.length === 0 || served.length === 0) {
        withoutFinalizer(state, { resource, object: state.store.get(resource, undefined, object.metadata.name!)! }, crdCleanupFinalizer);
      }
      changed = true;
    }
  }
  return changed;
}

function finalizeNamespace(state: ServerState, located: Located): boolean {
  const name = located.object.metadata.name!;
  let remaining = 0;
  let changed = false;
  const seen = new Set<string>();
  for (const resource of state.registry.all()) {
    if (!resource.namespaced || seen.has(`${resource.group}/${resource.plural}`)) continue;
    seen.add(`${resource.group}/${resource.plural}`);
    for (const object of state.store.list(resource, name)) {
      remaining += 1;
      if (!object.metadata.deletionTimestamp) {
        markDeleted(state, resource, object, 'Background', false);
        changed = true;
      }
    }
  }
  if (remaining > 0 && !changed) return false;
  const left = [...seen].length > 0 && state.registry.all().some((resource) => resource.namespaced && state.store.list(resource, name).length > 0);
  if (left) return changed;
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
