import type { ResourceDefinition } from './resources.js';
import { isJsonObject, type StoredObject } from './stored-object.js';

/**
 * The few defaults kube-apiserver fills on built-in kinds that tests commonly read back:
 * a Namespace's label, finalizer and phase; the replicas and strategy of Deployments and
 * other scalable workloads; a Secret's type; a Service's type, ports, cluster IP and policies.
 * Other built-in defaulting is not done.
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
  if (resource.group === '' && resource.plural === 'services') defaultService(object, creating);
}

let nextClusterIp = 1;
let nextNodePort = 0;

/**
 * A Service as the apiserver completes it: type ClusterIP, TCP ports targeting themselves, an
 * address from 10.0.0.0/24 (no network behind it), node ports for NodePort/LoadBalancer, single-stack IPv4.
 */
function defaultService(object: StoredObject, creating: boolean): void {
  const spec = isJsonObject(object['spec']) ? object['spec'] : (object['spec'] = {});
  spec['type'] ??= 'ClusterIP';
  const exposed = spec['type'] === 'NodePort' || spec['type'] === 'LoadBalancer';
  if (Array.isArray(spec['ports'])) {
    for (const port of spec['ports'] as Record<string, unknown>[]) {
      if (!isJsonObject(port)) continue;
      port['protocol'] ??= 'TCP';
      port['targetPort'] ??= port['port'];
      if (exposed && port['nodePort'] === undefined) port['nodePort'] = 30000 + (nextNodePort++ % 2768);
    }
  }
  if (spec['type'] !== 'ExternalName') {
    if (creating && spec['clusterIP'] === undefined) {
      spec['clusterIP'] = `10.0.${Math.floor(nextClusterIp / 254) % 256}.${(nextClusterIp % 254) + 1}`;
      nextClusterIp += 1;
    }
    if (spec['clusterIP'] !== undefined) spec['clusterIPs'] ??= [spec['clusterIP']];
    spec['ipFamilies'] ??= ['IPv4'];
    spec['ipFamilyPolicy'] ??= 'SingleStack';
    spec['internalTrafficPolicy'] ??= 'Cluster';
  }
  spec['sessionAffinity'] ??= 'None';
  if (exposed) spec['externalTrafficPolicy'] ??= 'Cluster';
  if (creating) object['status'] = { loadBalancer: {} };
}
