/**
 * A resource the in-memory API server serves: the facts discovery publishes and the
 * handlers need (scope, subresources, generation tracking, field selectors).
 */
export interface ResourceDefinition {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly listKind: string;
  readonly plural: string;
  readonly singular: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
  /** Whether `/status` splits spec writes from status writes. */
  readonly statusSubresource: boolean;
  /** Scale subresource, as paths into the object (`.spec.replicas`). */
  readonly scale?: { readonly specReplicasPath: string; readonly statusReplicasPath: string; readonly labelSelectorPath?: string };
  /** Whether `metadata.generation` is kept (bumped on changes outside metadata and status). */
  readonly tracksGeneration: boolean;
  /** Field selector labels beyond `metadata.name` and `metadata.namespace`, with how to read them. */
  readonly fieldLabels: Readonly<Record<string, (object: Record<string, unknown>) => string>>;
  /** Set for resources a CRD serves. */
  readonly crdName?: string;
}

/** `group/version` as apiVersion spells it (`v1` for the core group). */
export function apiVersionOf(resource: Pick<ResourceDefinition, 'group' | 'version'>): string {
  return resource.group === '' ? resource.version : `${resource.group}/${resource.version}`;
}

function read(object: Record<string, unknown>, path: string): string {
  let value: unknown = object;
  for (const part of path.split('.')) {
    value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
  }
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : String(value);
}

const fields = (...paths: string[]): ResourceDefinition['fieldLabels'] =>
  Object.fromEntries(paths.map((path) => [path, (object: Record<string, unknown>) => read(object, path)]));

interface BuiltinSpec {
  kind: string;
  plural: string;
  namespaced: boolean;
  shortNames?: string[];
  all?: boolean;
  status?: boolean;
  scale?: boolean;
  generation?: boolean;
  fieldLabels?: ResourceDefinition['fieldLabels'];
}

function builtins(group: string, version: string, specs: BuiltinSpec[]): ResourceDefinition[] {
  return specs.map((spec) => ({
    group,
    version,
    kind: spec.kind,
    listKind: `${spec.kind}List`,
    plural: spec.plural,
    singular: spec.kind.toLowerCase(),
    namespaced: spec.namespaced,
    shortNames: spec.shortNames ?? [],
    categories: spec.all ? ['all'] : [],
    statusSubresource: spec.status ?? false,
    ...(spec.scale ? { scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' } } : {}),
    tracksGeneration: spec.generation ?? false,
    fieldLabels: spec.fieldLabels ?? {},
  }));
}

/**
 * The built-in kinds served from start: core, apps, batch, coordination, events, networking,
 * rbac and apiextensions, with the scopes, short names and subresources of kube-apiserver v1.37.
 */
export const builtinResources: readonly ResourceDefinition[] = [
  ...builtins('', 'v1', [
    { kind: 'ConfigMap', plural: 'configmaps', namespaced: true, shortNames: ['cm'] },
    { kind: 'Secret', plural: 'secrets', namespaced: true, fieldLabels: fields('type') },
    { kind: 'Service', plural: 'services', namespaced: true, shortNames: ['svc'], all: true, status: true },
    { kind: 'ServiceAccount', plural: 'serviceaccounts', namespaced: true, shortNames: ['sa'] },
    { kind: 'Pod', plural: 'pods', namespaced: true, shortNames: ['po'], all: true, status: true, generation: true, fieldLabels: fields('spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'spec.hostNetwork', 'status.phase', 'status.podIP', 'status.nominatedNodeName') },
    { kind: 'Namespace', plural: 'namespaces', namespaced: false, shortNames: ['ns'], status: true, fieldLabels: fields('status.phase') },
    { kind: 'Node', plural: 'nodes', namespaced: false, shortNames: ['no'], status: true, fieldLabels: fields('spec.unschedulable') },
    { kind: 'Event', plural: 'events', namespaced: true, shortNames: ['ev'], fieldLabels: fields('involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name', 'involvedObject.uid', 'involvedObject.apiVersion', 'involvedObject.resourceVersion', 'involvedObject.fieldPath', 'reason', 'reportingComponent', 'source', 'type') },
    { kind: 'Endpoints', plural: 'endpoints', namespaced: true, shortNames: ['ep'] },
    { kind: 'PersistentVolume', plural: 'persistentvolumes', namespaced: false, shortNames: ['pv'], status: true },
    { kind: 'PersistentVolumeClaim', plural: 'persistentvolumeclaims', namespaced: true, shortNames: ['pvc'], status: true },
    { kind: 'LimitRange', plural: 'limitranges', namespaced: true, shortNames: ['limits'] },
    { kind: 'ResourceQuota', plural: 'resourcequotas', namespaced: true, shortNames: ['quota'], status: true },
    { kind: 'ReplicationController', plural: 'replicationcontrollers', namespaced: true, shortNames: ['rc'], all: true, status: true, scale: true, generation: true },
    { kind: 'PodTemplate', plural: 'podtemplates', namespaced: true },
  ]),
  ...builtins('apps', 'v1', [
    { kind: 'Deployment', plural: 'deployments', namespaced: true, shortNames: ['deploy'], all: true, status: true, scale: true, generation: true },
    { kind: 'ReplicaSet', plural: 'replicasets', namespaced: true, shortNames: ['rs'], all: true, status: true, scale: true, generation: true },
    { kind: 'StatefulSet', plural: 'statefulsets', namespaced: true, shortNames: ['sts'], all: true, status: true, scale: true, generation: true },
    { kind: 'DaemonSet', plural: 'daemonsets', namespaced: true, shortNames: ['ds'], all: true, status: true, generation: true },
    { kind: 'ControllerRevision', plural: 'controllerrevisions', namespaced: true },
  ]),
  ...builtins('batch', 'v1', [
    { kind: 'Job', plural: 'jobs', namespaced: true, all: true, status: true, generation: true, fieldLabels: fields('status.successful') },
    { kind: 'CronJob', plural: 'cronjobs', namespaced: true, shortNames: ['cj'], all: true, status: true, generation: true },
  ]),
  ...builtins('coordination.k8s.io', 'v1', [{ kind: 'Lease', plural: 'leases', namespaced: true }]),
  ...builtins('events.k8s.io', 'v1', [{ kind: 'Event', plural: 'events', namespaced: true, shortNames: ['ev'] }]),
  ...builtins('networking.k8s.io', 'v1', [
    { kind: 'Ingress', plural: 'ingresses', namespaced: true, shortNames: ['ing'], status: true, generation: true },
    { kind: 'IngressClass', plural: 'ingressclasses', namespaced: false },
    { kind: 'NetworkPolicy', plural: 'networkpolicies', namespaced: true, shortNames: ['netpol'], generation: true },
  ]),
  ...builtins('rbac.authorization.k8s.io', 'v1', [
    { kind: 'Role', plural: 'roles', namespaced: true },
    { kind: 'RoleBinding', plural: 'rolebindings', namespaced: true },
    { kind: 'ClusterRole', plural: 'clusterroles', namespaced: false },
    { kind: 'ClusterRoleBinding', plural: 'clusterrolebindings', namespaced: false },
  ]),
  ...builtins('apiextensions.k8s.io', 'v1', [
    { kind: 'CustomResourceDefinition', plural: 'customresourcedefinitions', namespaced: false, shortNames: ['crd', 'crds'], status: true, generation: true },
  ]),
];

/** Reads a dotted JSON path (`.spec.replicas`) out of an object. */
export function readPath(object: unknown, path: string): unknown {
  let value: unknown = object;
  for (const part of path.replace(/^\./, '').split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** Writes a dotted JSON path, creating the objects on the way. */
export function writePath(object: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.replace(/^\./, '').split('.');
  let at: Record<string, unknown> = object;
  for (const part of parts.slice(0, -1)) {
    const next = at[part];
    if (next === null || typeof next !== 'object') at[part] = {};
    at = at[part] as Record<string, unknown>;
  }
  at[parts[parts.length - 1]!] = value;
}
