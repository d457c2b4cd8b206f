import type { ResourceDefinition } from './resources.js';
import { isJsonObject, type StoredObject } from './stored-object.js';

/**
 * The few defaults kube-apiserver fills on built-in kinds that tests commonly read back:
 * a Namespace's label, finalizer and phase; the replicas and strategy of Deployments and
 * other scalable workloads; a Secret's type; a Service's type, ports, cluster IP and policies; a Pod's policies,
 * container defaults, phase and QoS class; a Job's selector, template labels and scalar defaults.
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
  if (resource.group === '' && resource.plural === 'pods' && creating) defaultPod(object);
  if (resource.group === 'batch' && resource.plural === 'jobs' && creating) defaultJob(object);
}

/**
 * A new Job as the apiserver completes it: a generated selector on `batch.kubernetes.io/controller-uid`
 * (unless `manualSelector`), the matching template labels, and the scalar defaults.
 */
function defaultJob(object: StoredObject): void {
  const spec = isJsonObject(object['spec']) ? object['spec'] : (object['spec'] = {});
  const uid = object.metadata.uid!;
  const name = object.metadata.name!;
  if (spec['manualSelector'] !== true) {
    const template = isJsonObject(spec['template']) ? spec['template'] : (spec['template'] = {});
    const metadata = isJsonObject(template['metadata']) ? template['metadata'] : (template['metadata'] = {});
    metadata['labels'] = {
      'batch.kubernetes.io/controller-uid': uid,
      'batch.kubernetes.io/job-name': name,
      'controller-uid': uid,
      'job-name': name,
      ...(isJsonObject(metadata['labels']) ? metadata['labels'] : {}),
    };
    spec['selector'] = { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
  }
  spec['parallelism'] ??= 1;
  spec['completions'] ??= 1;
  spec['backoffLimit'] ??= 6;
  spec['completionMode'] ??= 'NonIndexed';
  spec['suspend'] ??= false;
}

type Resources = { requests?: Record<string, string>; limits?: Record<string, string> };

function qosClass(containers: Record<string, unknown>[]): string {
  const resources = containers.map((container) => (isJsonObject(container['resources']) ? container['resources'] : {}) as Resources);
  if (resources.every((entry) => Object.keys(entry.requests ?? {}).length === 0 && Object.keys(entry.limits ?? {}).length === 0)) return 'BestEffort';
  const guaranteed = resources.every((entry) =>
    ['cpu', 'memory'].every((name) => entry.limits?.[name] !== undefined && (entry.requests?.[name] ?? entry.limits[name]) === entry.limits[name]),
  );
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/**
 * A new Pod as the apiserver's defaulting and admission leave it (without the service account token
 * volume): restart and DNS policies, scheduler, default tolerations, container defaults, phase Pending.
 */
function defaultPod(object: StoredObject): void {
  const spec = isJsonObject(object['spec']) ? object['spec'] : (object['spec'] = {});
  const containers = (Array.isArray(spec['containers']) ? spec['containers'] : []) as Record<string, unknown>[];
  for (const container of [...containers, ...((Array.isArray(spec['initContainers']) ? spec['initContainers'] : []) as Record<string, unknown>[])]) {
    if (!isJsonObject(container)) continue;
    container['resources'] ??= {};
    container['terminationMessagePath'] ??= '/dev/termination-log';
    container['terminationMessagePolicy'] ??= 'File';
    const image = String(container['image'] ?? '');
    const tag = image.includes('@') ? 'digest' : (/:([^/:]+)$/.exec(image)?.[1] ?? 'latest');
    container['imagePullPolicy'] ??= tag === 'latest' ? 'Always' : 'IfNotPresent';
  }
  spec['restartPolicy'] ??= 'Always';
  spec['terminationGracePeriodSeconds'] ??= 30;
  spec['dnsPolicy'] ??= 'ClusterFirst';
  spec['serviceAccountName'] ??= 'default';
  spec['serviceAccount'] ??= spec['serviceAccountName'];
  spec['securityContext'] ??= {};
  spec['schedulerName'] ??= 'default-scheduler';
  spec['tolerations'] ??= [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  ];
  spec['priority'] ??= 0;
  spec['enableServiceLinks'] ??= true;
  spec['preemptionPolicy'] ??= 'PreemptLowerPriority';
  object['status'] = { phase: 'Pending', qosClass: qosClass(containers.filter(isJsonObject)) };
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
