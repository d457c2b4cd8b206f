import { presentListItem } from './present.js';
import { apiVersionOf, type ResourceDefinition } from './resources.js';
import type { StoredObject } from './stored-object.js';

/** A response body that is already JSON text; the router writes it as it is. */
export class SerializedJson {
  constructor(readonly text: string) {}
}

/**
 * Each stored version of an object as a list item, serialised once. Stored objects are replaced,
 * never edited, on a write (a write always gives a new resourceVersion), so the text is keyed by the
 * object, its resourceVersion and how the list presents it (built-in lists drop apiVersion and kind).
 */
const listItemTexts = new WeakMap<StoredObject, { readonly resourceVersion: string | undefined; readonly variant: string; readonly text: string }>();

function listItemJson(resource: ResourceDefinition, object: StoredObject): string {
  const variant = resource.crdName === undefined ? '' : `${apiVersionOf(resource)}/${resource.kind}`;
  const resourceVersion = object.metadata.resourceVersion;
  const cached = listItemTexts.get(object);
  if (cached && cached.resourceVersion === resourceVersion && cached.variant === variant) return cached.text;
  const text = JSON.stringify(presentListItem(resource, object));
  listItemTexts.set(object, { resourceVersion, variant, text });
  return text;
}

/** A `<Kind>List` body as JSON text, the items from the per-version cache. */
export function serializedList(resource: ResourceDefinition, metadata: Record<string, unknown>, items: readonly StoredObject[]): SerializedJson {
  const parts = items.map((object) => listItemJson(resource, object));
  return new SerializedJson(`{"kind":${JSON.stringify(resource.listKind)},"apiVersion":${JSON.stringify(apiVersionOf(resource))},"metadata":${JSON.stringify(metadata)},"items":[${parts.join(',')}]}`);
}
