import { KustomizationFileError } from '../errors.js';
import { gvkSelected, visitFieldSpec, type FieldSpec } from './field-spec.js';
import { isJsonMap, type JsonMap } from '../json.js';
import { LinkedValues } from '../linked-values.js';
import type { Resource } from '../resource.js';

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
        if (!isJsonMap(map)) {
          map = {};
          parent[key] = map;
        }
        for (const set of setters) set(map as JsonMap);
      }, () => resource.describe());
    }
  }
}

/**
 * kustomize's FsSlice.MergeAll: each incoming spec is appended unless an existing one has the same
 * path and is selected by the incoming spec's group, version and kind (so a spec for one kind
 * stops a later kind-less one on the same path: a configurations file's `namePrefix` for one kind
 * replaces the default for every kind).
 *
 * @throws KustomizationFileError when such a pair differ in `create` (`conflicting fieldspecs`).
 */
export function mergeFieldSpecs(existing: readonly FieldSpec[], ...incoming: readonly (readonly FieldSpec[])[]): FieldSpec[] {
  const merged = [...existing];
  for (const list of incoming) {
    for (const spec of list) {
      const same = merged.find((candidate) => candidate.path === spec.path && gvkSelected(spec, { group: candidate.group ?? '', version: candidate.version ?? '', kind: candidate.kind ?? '' }));
      if (same === undefined) merged.push(spec);
      else if ((same.create === true) !== (spec.create === true)) {
        throw new KustomizationFileError(`failed to merge fieldSpec ${spec.kind ?? '[noKind]'}:${spec.path}: conflicting fieldspecs`);
      }
    }
  }
  return merged;
}
