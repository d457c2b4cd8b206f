import { gvkSelected, visitFieldSpec, type FieldSpec } from './field-spec.js';
import { isJsonObject, type JsonObject } from './json.js';
import { LinkedValues } from './linked-values.js';
import type { Resource } from './resource.js';

/**
 * Sets key/value pairs in the maps the field specs point at (labels or annotations), creating the
 * maps where a spec says `create`.
 *
 * @remarks Used by the labels (`commonLabels`, `labels`) and annotations transformers.
 */
export function transformMetadataMap(
  resources: readonly Resource[],
  pairs: Readonly<Record<string, string>>,
  fieldSpecs: readonly FieldSpec[],
  links: LinkedValues = new LinkedValues(),
): void {
  const entries = Object.entries(pairs).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (entries.length === 0) return;
  for (const resource of resources) {
    // one shared value node per key per object, as kustomize's SetEntry makes
    const setters = entries.map(([name, value]) => links.setter(name, value));
    const gvk = resource.gvk();
    for (const spec of fieldSpecs) {
      if (!gvkSelected(spec, gvk)) continue;
      visitFieldSpec(resource.object, spec, 'map', (parent, key) => {
        let map = parent[key];
        if (!isJsonObject(map)) {
          map = {};
          parent[key] = map;
        }
        for (const set of setters) set(map as JsonObject);
      }, () => resource.describe());
    }
  }
}

/** Merges field-spec lists, dropping duplicates (same gvk and path). */
export function mergeFieldSpecs(...lists: readonly (readonly FieldSpec[])[]): FieldSpec[] {
  const merged: FieldSpec[] = [];
  for (const list of lists) {
    for (const spec of list) {
      const duplicate = merged.find(
        (existing) => existing.path === spec.path && (existing.kind ?? '') === (spec.kind ?? '') && (existing.group ?? '') === (spec.group ?? '') && (existing.version ?? '') === (spec.version ?? ''),
      );
      if (duplicate === undefined) merged.push(spec);
      else if (spec.create === true) duplicate.create = true;
    }
  }
  return merged;
}
