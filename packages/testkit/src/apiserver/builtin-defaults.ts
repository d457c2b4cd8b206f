import type { ResourceDefinition } from './resources.js';
import { isJsonObject, type StoredObject } from './stored-object.js';

/**
 * The few defaults kube-apiserver fills on built-in kinds that tests commonly read back:
 * a Namespace's label, finalizer and phase; the replicas and strategy of Deployments and
 * other scalable workloads. Other built-in defaulting is not done.
 */
export function applyBuiltinDefaults(resource: ResourceDefinition, object: StoredObject, creating: boolean): void {
  if (resource.group === '' && resource.plural === 'namespaces') {
    object.metadata.labels = { ...(object.metadata.labels ?? {}), 'kubernetes.io/metadata.name': object.metadata.name! };
    if (creating) {
      object['spec'] = { finalizers: ['kubernetes'], ...(isJsonObject(object['spec']) ? object['spec'] : {}) };
      object['status'] = { phase: 'Active' };
    }
    return;
  }
  if (resource.scale && resource.crdName === undefined) {
    const spec = isJsonObject(object['spec']) ? object['spec'] : (object['spec'] = {});
    if (spec['replicas'] === undefined) spec['replicas'] = 1;
    if (resource.group === 'apps' && resource.plural === 'deployments') {
      spec['revisionHistoryLimit'] ??= 10;
      spec['progressDeadlineSeconds'] ??= 600;
      spec['strategy'] ??= { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } };
    }
  }
  if (resource.group === '' && resource.plural === 'secrets' && !object['type']) object['type'] = 'Opaque';
}
