import { gvkSelected, namespaceFieldSpecs, visitFieldSpec, type FieldSpec } from './field-spec.js';
import { isJsonMap } from '../json.js';
import { assertUniqueIds } from '../resource-map.js';
import { isClusterScoped, type Resource } from '../resource.js';

/** How the namespace transformer treats RoleBinding subjects (kustomize's `setRoleBindingSubjects`). */
export type RoleBindingSubjectMode = 'defaultOnly' | 'allServiceAccounts' | 'none';

/** Options of kustomize's NamespaceTransformer. */
export interface NamespaceOptions {
  readonly namespace: string;
  readonly fieldSpecs?: readonly FieldSpec[];
  readonly unsetOnly?: boolean;
  readonly roleBindingSubjects?: RoleBindingSubjectMode;
}

/**
 * Sets the namespace of every namespaced object (and the fields kustomize ties to it: a Namespace
 * object's name, webhook service references, `default` ServiceAccount subjects of bindings).
 *
 * @throws ResourceConflictError when two objects end up with the same id.
 */
export function transformNamespace(resources: Resource[], options: NamespaceOptions): void {
  const { namespace } = options;
  if (namespace === '') return;
  const fieldSpecs = options.fieldSpecs ?? namespaceFieldSpecs;
  for (const resource of resources) {
    resource.rememberId();
    const gvk = resource.gvk();
    if (!isClusterScoped(gvk)) {
      if (!(options.unsetOnly === true && resource.namespace !== '')) resource.setNamespace(namespace);
    }
    setSubjects(resource, options);
    for (const spec of fieldSpecs) {
      if (spec.path === 'metadata/namespace') continue;
      if (spec.path === 'metadata/name' && resource.apiVersion !== 'v1') continue;
      if (!gvkSelected(spec, gvk)) continue;
      visitFieldSpec(resource.object, spec, 'scalar', (parent, key) => {
        if (options.unsetOnly === true && typeof parent[key] === 'string' && parent[key] !== '') return;
        parent[key] = namespace;
      }, () => resource.describe());
    }
  }
  assertUniqueIds(resources, 'namespace transformation produces ID conflict');
}

function setSubjects(resource: Resource, options: NamespaceOptions): void {
  const mode = options.roleBindingSubjects ?? 'defaultOnly';
  if (mode === 'none') return;
  if (resource.kind !== 'RoleBinding' && resource.kind !== 'ClusterRoleBinding') return;
  const subjects = resource.object['subjects'];
  if (!Array.isArray(subjects)) return;
  for (const subject of subjects) {
    if (!isJsonMap(subject)) continue;
    if (mode === 'defaultOnly' ? subject['name'] === 'default' : subject['kind'] === 'ServiceAccount') {
      subject['namespace'] = options.namespace;
    }
  }
}
