import { TransformError } from './errors.js';
import { gvkSelected, replicaFieldSpecs, visitFieldSpec, type FieldSpec } from './field-spec.js';
import type { Resource } from './resource.js';

/**
 * Sets `spec/replicas` of the workloads named in `replicas` entries (matched by original or current name).
 *
 * @throws TransformError when a named object has no replica field spec for its kind.
 */
export function transformReplicas(resources: readonly Resource[], replicas: readonly { name?: string; count?: number }[], fieldSpecs: readonly FieldSpec[] = replicaFieldSpecs): void {
  for (const replica of replicas) {
    const name = replica.name ?? '';
    const matches = resources.filter((resource) => resource.originalId().name === name || resource.name === name);
    for (const resource of matches) {
      const gvk = resource.gvk();
      const specs = fieldSpecs.filter((spec) => gvkSelected(spec, gvk));
      if (specs.length === 0) {
        throw new TransformError(`resource with name ${name} does not match a config with the following GVK ${resource.kind}`, { object: resource.describe() });
      }
      for (const spec of specs) {
        visitFieldSpec(resource.object, spec, 'scalar', (parent, key) => {
          parent[key] = replica.count ?? 0;
        }, () => resource.describe());
      }
    }
  }
}
