import { TransformError } from '../errors.js';
import { gvkSelected, replicaFieldSpecs, visitFieldSpec, type FieldSpec } from './field-spec.js';
import type { Resource } from '../resource.js';

/**
 * Sets `spec/replicas` of the workloads named in `replicas` entries, as kustomize's
 * ReplicaCountTransformer: an object is scaled when one of its ids (original, intermediate or
 * current) has the entry's name and a kind one of the field specs names; other objects of that
 * name (a ServiceAccount, a ClusterRole) are left alone.
 *
 * @throws TransformError when no object of that name has a kind the field specs name.
 */
export function transformReplicas(resources: readonly Resource[], replicas: readonly { name?: string; count?: number }[], fieldSpecs: readonly FieldSpec[] = replicaFieldSpecs): void {
  for (const replica of replicas) {
    const name = replica.name ?? '';
    let found = false;
    for (const spec of fieldSpecs) {
      for (const resource of resources) {
        if (!resource.allIds().some((id) => id.name === name && gvkSelected(spec, id))) continue;
        found = true;
        visitFieldSpec(resource.object, spec, 'scalar', (parent, key) => {
          parent[key] = replica.count ?? 0;
        }, () => resource.describe());
      }
    }
    if (!found) {
      const gvks = fieldSpecs.map((spec) => [spec.kind ?? '', spec.version ?? '[noVer]', spec.group ?? '[noGrp]'].join('.'));
      throw new TransformError(`resource with name ${name} does not match a config with the following GVK [${gvks.join(' ')}]`);
    }
  }
}
