import { gvkSelected, visitFieldSpec, type FieldSpec } from './field-spec.js';
import type { Resource } from '../resource.js';

const skippedKinds = [
  { kind: 'CustomResourceDefinition' },
  { group: 'apiregistration.k8s.io', kind: 'APIService' },
  { kind: 'Namespace' },
];

/** Options of kustomize's PrefixTransformer / SuffixTransformer. */
export interface NameAffixOptions {
  readonly prefix?: string;
  readonly suffix?: string;
  readonly fieldSpecs?: readonly FieldSpec[];
}

/**
 * Adds a prefix and/or suffix to object names (CustomResourceDefinitions, APIServices and
 * Namespaces excepted), remembering the previous id so references can follow.
 *
 * @remarks The fields renamed are `metadata/name` unless `fieldSpecs` say otherwise.
 */
export function transformNameAffixes(resources: readonly Resource[], options: NameAffixOptions): void {
  const prefix = options.prefix ?? '';
  const suffix = options.suffix ?? '';
  if (prefix === '' && suffix === '') return;
  const fieldSpecs = options.fieldSpecs ?? [{ path: 'metadata/name' }];
  for (const resource of resources) {
    const originalGvk = resource.originalId();
    if (skippedKinds.some((skip) => gvkSelected(skip, originalGvk))) continue;
    for (const spec of fieldSpecs) {
      if (!gvkSelected(spec, originalGvk)) continue;
      if (spec.path === 'metadata/name') {
        if (prefix !== '') resource.prefixes.push(prefix);
        if (suffix !== '') resource.suffixes.push(suffix);
        resource.rememberId();
      }
      visitFieldSpec(resource.object, spec, 'none', (parent, key) => {
        const value = parent[key];
        if (typeof value === 'string') parent[key] = `${prefix}${value}${suffix}`;
      }, () => resource.describe());
    }
  }
}
