import { apiVersionOf, type ResourceDefinition } from './resources.js';
import type { StoredObject } from './stored-object.js';

/** An object as a version of its resource shows it (a CRD's versions share storage; conversion `None`). */
export function present(resource: ResourceDefinition, object: StoredObject): StoredObject {
  const apiVersion = apiVersionOf(resource);
  return object.apiVersion === apiVersion && object.kind === resource.kind ? object : { ...object, apiVersion, kind: resource.kind };
}

/** An item of a list: built-in lists carry no per-item apiVersion and kind, custom resource lists do. */
export function presentListItem(resource: ResourceDefinition, object: StoredObject): StoredObject {
  if (resource.crdName !== undefined) return present(resource, object);
  const { apiVersion: _apiVersion, kind: _kind, ...rest } = object;
  return rest as StoredObject;
}
