import { TransformError } from '../errors.js';
import { isJsonMap, type JsonMap, type JsonValue } from '../json.js';
import type { FieldSpec } from '../kustomization.js';
import type { Gvk } from '../resource.js';

export type { FieldSpec } from '../kustomization.js';

/** Whether a field spec's (or selector's) group/version/kind admits `gvk`; empty parts match anything. */
export function gvkSelected(selector: { group?: string; version?: string; kind?: string }, gvk: Gvk): boolean {
  if (selector.group !== undefined && selector.group !== '' && selector.group !== gvk.group) return false;
  if (selector.version !== undefined && selector.version !== '' && selector.version !== gvk.version) return false;
  if (selector.kind !== undefined && selector.kind !== '' && selector.kind !== gvk.kind) return false;
  return true;
}

const splitCache = new Map<string, string[]>();

/** Splits a field-spec path on `/`, keeping `\/` as a slash inside a segment. */
export function splitFieldPath(path: string): string[] {
  let segments = splitCache.get(path);
  if (segments === undefined) {
    segments = [];
    let current = '';
    for (let index = 0; index < path.length; index++) {
      const char = path[index];
      if (char === '\\' && path[index + 1] === '/') {
        current += '/';
        index++;
      } else if (char === '/') {
        segments.push(current);
        current = '';
      } else current += char;
    }
    segments.push(current);
    splitCache.set(path, segments);
  }
  return segments;
}

/** What to create for a missing final field: a map, a scalar, or nothing (only existing fields). */
export type CreateKind = 'map' | 'scalar' | 'none';

/**
 * Visits the field a spec points at in `object`, calling `visit(parent, key)` for each match (a
 * path crossing a list visits every element, as kustomize's field-spec filter does).
 *
 * @throws TransformError when the path runs into a scalar before its end.
 */
export function visitFieldSpec(
  object: JsonMap,
  spec: FieldSpec,
  createKind: CreateKind,
  visit: (parent: JsonMap, key: string) => void,
  describe: () => string,
): void {
  const segments = splitFieldPath(spec.path);
  const create = spec.create === true && createKind !== 'none';
  const walk = (node: JsonValue | undefined, depth: number, parent: JsonMap | undefined, parentKey: string): void => {
    if (node === undefined || node === null) return;
    if (Array.isArray(node)) {
      for (const item of node) walk(item, depth, parent, parentKey);
      return;
    }
    if (!isJsonMap(node)) {
      throw new TransformError(`considering field '${spec.path}' of object ${describe()}: expected sequence or mapping node`, {
        object: describe(),
      });
    }
    const raw = segments[depth] as string;
    const isSequence = raw.endsWith('[]');
    const key = isSequence ? raw.slice(0, -2) : raw;
    if (key === '') throw new TransformError(`cannot set or create an empty field name (field spec '${spec.path}')`);
    if (depth === segments.length - 1) {
      if (!(key in node) || node[key] === null) {
        if (!create || isSequence) return;
      }
      visit(node, key);
      return;
    }
    let child = node[key];
    if (child === undefined || child === null) {
      if (!create || isSequence) return;
      child = {};
      node[key] = child;
    }
    walk(child, depth + 1, node, key);
  };
  walk(object, 0, undefined, '');
}

/** Parses a YAML-ish list of field specs written as `path|kind|group|version|create` rows. */
function specs(rows: readonly string[]): FieldSpec[] {
  return rows.map((row) => {
    const [path, kind, group, version, create] = row.split('|');
    const spec: FieldSpec = { path: path as string };
    if (kind) spec.kind = kind;
    if (group) spec.group = group;
    if (version) spec.version = version;
    if (create === 'c') spec.create = true;
    return spec;
  });
}

const templateLabelRows = [
  'spec/template/metadata/labels|ReplicationController||v1|c',
  'spec/template/metadata/labels|Deployment|||c',
  'spec/template/metadata/labels|ReplicaSet|||c',
  'spec/template/metadata/labels|DaemonSet|||c',
  'spec/template/metadata/labels|StatefulSet|apps||c',
  'spec/template/metadata/labels|Job|batch||c',
  'spec/jobTemplate/metadata/labels|CronJob|batch||c',
  'spec/jobTemplate/spec/template/metadata/labels|CronJob|batch||c',
];

/** Label paths in pod templates (`labels[].includeTemplates`), and every object's own labels. */
export const templateLabelFieldSpecs: readonly FieldSpec[] = specs([...templateLabelRows, 'metadata/labels||||c']);

/** Label paths in a StatefulSet's volume claim templates (`labels[].includeVolumeClaimTemplates`). */
export const volumeClaimTemplateLabelFieldSpecs: readonly FieldSpec[] = specs(['spec/volumeClaimTemplates[]/metadata/labels|StatefulSet|apps||c']);

/** kustomize's `commonLabels` field specs: metadata, templates and selectors. */
export const commonLabelFieldSpecs: readonly FieldSpec[] = specs([
  'spec/selector|Service||v1|c',
  'spec/selector|ReplicationController||v1|c',
  'spec/selector/matchLabels|Deployment|||c',
  'spec/template/spec/affinity/podAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels|Deployment|apps',
  'spec/template/spec/affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels|Deployment|apps',
  'spec/template/spec/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels|Deployment|apps',
  'spec/template/spec/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels|Deployment|apps',
  'spec/template/spec/topologySpreadConstraints/labelSelector/matchLabels|Deployment|apps',
  'spec/selector/matchLabels|ReplicaSet|||c',
  'spec/selector/matchLabels|DaemonSet|||c',
  'spec/selector/matchLabels|StatefulSet|apps||c',
  'spec/template/spec/affinity/podAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels|StatefulSet|apps',
  'spec/template/spec/affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels|StatefulSet|apps',
  'spec/template/spec/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels|StatefulSet|apps',
  'spec/template/spec/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels|StatefulSet|apps',
  'spec/template/spec/topologySpreadConstraints/labelSelector/matchLabels|StatefulSet|apps',
  'spec/selector/matchLabels|Job|batch',
  'spec/jobTemplate/spec/selector/matchLabels|CronJob|batch',
  'spec/selector/matchLabels|PodDisruptionBudget|policy',
  'spec/podSelector/matchLabels|NetworkPolicy|networking.k8s.io',
  'spec/ingress/from/podSelector/matchLabels|NetworkPolicy|networking.k8s.io',
  'spec/egress/to/podSelector/matchLabels|NetworkPolicy|networking.k8s.io',
  'metadata/labels||||c',
  ...templateLabelRows.slice(0, 5),
  'spec/volumeClaimTemplates[]/metadata/labels|StatefulSet|apps||c',
  ...templateLabelRows.slice(5),
]);

/** kustomize's `commonAnnotations` field specs. */
export const commonAnnotationFieldSpecs: readonly FieldSpec[] = specs([
  'metadata/annotations||||c',
  'spec/template/metadata/annotations|ReplicationController||v1|c',
  'spec/template/metadata/annotations|Deployment|||c',
  'spec/template/metadata/annotations|ReplicaSet|||c',
  'spec/template/metadata/annotations|DaemonSet|||c',
  'spec/template/metadata/annotations|StatefulSet|||c',
  'spec/template/metadata/annotations|Job|batch||c',
  'spec/jobTemplate/metadata/annotations|CronJob|batch||c',
  'spec/jobTemplate/spec/template/metadata/annotations|CronJob|batch||c',
]);

/** kustomize's `images` field specs (the transformer also walks every `containers`/`initContainers` list). */
export const imageFieldSpecs: readonly FieldSpec[] = specs([
  'spec/containers[]/image||||c',
  'spec/initContainers[]/image||||c',
  'spec/template/spec/containers[]/image||||c',
  'spec/template/spec/initContainers[]/image||||c',
  'spec/volumes[]/image/reference||||c',
  'spec/template/spec/volumes[]/image/reference||||c',
  'spec/jobTemplate/spec/template/spec/volumes[]/image/reference||||c',
]);

/** kustomize's `replicas` field specs. */
export const replicaFieldSpecs: readonly FieldSpec[] = specs([
  'spec/replicas|Deployment|||c',
  'spec/replicas|ReplicationController|||c',
  'spec/replicas|ReplicaSet|||c',
  'spec/replicas|StatefulSet|||c',
]);

/** Fields the namespace transformer sets besides `metadata/namespace`. */
export const namespaceFieldSpecs: readonly FieldSpec[] = specs([
  'metadata/name|Namespace|||c',
  'spec/service/namespace|APIService|apiregistration.k8s.io||c',
  'spec/conversion/webhook/clientConfig/service/namespace|CustomResourceDefinition|apiextensions.k8s.io',
]);

/** A name reference rule: objects of `target` kind are referred to at `fieldSpecs` of other objects. */
export interface NameReferenceRule {
  readonly target: { group?: string; version?: string; kind: string };
  readonly fieldSpecs: FieldSpec[];
}

function prefix(kind: string): string {
  if (kind === 'Pod') return 'spec/';
  if (kind === 'PodTemplate') return 'template/spec/';
  if (kind === 'CronJob') return 'spec/jobTemplate/spec/template/spec/';
  return 'spec/template/spec/';
}
const workloads = ['Pod', 'PodTemplate', 'Deployment', 'ReplicaSet', 'DaemonSet', 'StatefulSet', 'Job', 'CronJob'];
function podRows(suffixes: readonly string[], kinds: readonly string[] = workloads): string[] {
  return kinds.flatMap((kind) => suffixes.map((suffix) => `${prefix(kind)}${suffix}|${kind}${kind === 'Pod' ? '||v1' : ''}`));
}

/** kustomize's default name reference rules (builtinpluginconsts/namereference.go). */
export const defaultNameReferenceRules: readonly NameReferenceRule[] = [
  ...['Deployment', 'ReplicationController', 'ReplicaSet', 'StatefulSet'].map((kind) => ({
    target: { kind },
    fieldSpecs: specs(['spec/scaleTargetRef/name|HorizontalPodAutoscaler']),
  })),
  {
    target: { kind: 'ConfigMap', version: 'v1' },
    fieldSpecs: specs([
      ...podRows([
        'volumes/configMap/name',
        'containers/env/valueFrom/configMapKeyRef/name',
        'initContainers/env/valueFrom/configMapKeyRef/name',
        'containers/envFrom/configMapRef/name',
        'initContainers/envFrom/configMapRef/name',
        'volumes/projected/sources/configMap/name',
      ]),
      'spec/configSource/configMap|Node',
      'rules/resourceNames|Role',
      'rules/resourceNames|ClusterRole',
      'metadata/annotations/nginx.ingress.kubernetes.io\\/fastcgi-params-configmap|Ingress',
    ]),
  },
  {
    target: { kind: 'Secret', version: 'v1' },
    fieldSpecs: specs([
      ...podRows([
        'volumes/secret/secretName',
        'containers/env/valueFrom/secretKeyRef/name',
        'initContainers/env/valueFrom/secretKeyRef/name',
        'containers/envFrom/secretRef/name',
        'initContainers/envFrom/secretRef/name',
        'imagePullSecrets/name',
        'volumes/projected/sources/secret/name',
      ]),
      'spec/tls/secretName|Ingress',
      'metadata/annotations/ingress.kubernetes.io\\/auth-secret|Ingress',
      'metadata/annotations/nginx.ingress.kubernetes.io\\/auth-secret|Ingress',
      'metadata/annotations/nginx.ingress.kubernetes.io\\/auth-tls-secret|Ingress',
      'imagePullSecrets/name|ServiceAccount',
      'parameters/secretName|StorageClass',
      'parameters/adminSecretName|StorageClass',
      'parameters/userSecretName|StorageClass',
      'parameters/secretRef|StorageClass',
      'rules/resourceNames|Role',
      'rules/resourceNames|ClusterRole',
      'spec/template/spec/containers/env/valueFrom/secretKeyRef/name|Service|serving.knative.dev|v1',
      'spec/azureFile/secretName|PersistentVolume',
    ]),
  },
  {
    target: { kind: 'Service', version: 'v1' },
    fieldSpecs: specs([
      'spec/serviceName|StatefulSet|apps',
      'spec/rules/http/paths/backend/serviceName|Ingress',
      'spec/backend/serviceName|Ingress',
      'spec/rules/http/paths/backend/service/name|Ingress',
      'spec/defaultBackend/service/name|Ingress',
      'spec/service/name|APIService|apiregistration.k8s.io',
      'webhooks/clientConfig/service|ValidatingWebhookConfiguration|admissionregistration.k8s.io',
      'webhooks/clientConfig/service|MutatingWebhookConfiguration|admissionregistration.k8s.io',
    ]),
  },
  { target: { kind: 'Role', group: 'rbac.authorization.k8s.io' }, fieldSpecs: specs(['roleRef/name|RoleBinding|rbac.authorization.k8s.io']) },
  {
    target: { kind: 'ClusterRole', group: 'rbac.authorization.k8s.io' },
    fieldSpecs: specs(['roleRef/name|RoleBinding|rbac.authorization.k8s.io', 'roleRef/name|ClusterRoleBinding|rbac.authorization.k8s.io']),
  },
  {
    target: { kind: 'ServiceAccount', version: 'v1' },
    fieldSpecs: specs([
      'subjects|RoleBinding|rbac.authorization.k8s.io',
      'subjects|ClusterRoleBinding|rbac.authorization.k8s.io',
      'spec/serviceAccountName|Pod',
      'spec/template/spec/serviceAccountName|StatefulSet',
      'spec/template/spec/serviceAccountName|Deployment',
      'spec/template/spec/serviceAccountName|ReplicationController',
      'spec/jobTemplate/spec/template/spec/serviceAccountName|CronJob',
      'spec/template/spec/serviceAccountName|Job',
      'spec/template/spec/serviceAccountName|DaemonSet',
    ]),
  },
  {
    target: { kind: 'PersistentVolumeClaim', version: 'v1' },
    fieldSpecs: specs([
      'spec/volumes/persistentVolumeClaim/claimName|Pod',
      'spec/template/spec/volumes/persistentVolumeClaim/claimName|StatefulSet',
      'spec/template/spec/volumes/persistentVolumeClaim/claimName|Deployment',
      'spec/template/spec/volumes/persistentVolumeClaim/claimName|ReplicationController',
      'spec/jobTemplate/spec/template/spec/volumes/persistentVolumeClaim/claimName|CronJob',
      'spec/template/spec/volumes/persistentVolumeClaim/claimName|Job',
      'spec/template/spec/volumes/persistentVolumeClaim/claimName|DaemonSet',
    ]),
  },
  {
    target: { kind: 'PersistentVolume', version: 'v1' },
    fieldSpecs: specs(['spec/volumeName|PersistentVolumeClaim', 'rules/resourceNames|ClusterRole']),
  },
  {
    target: { kind: 'StorageClass', version: 'v1', group: 'storage.k8s.io' },
    fieldSpecs: specs([
      'spec/storageClassName|PersistentVolume',
      'spec/storageClassName|PersistentVolumeClaim',
      'spec/volumeClaimTemplates/spec/storageClassName|StatefulSet',
    ]),
  },
  {
    target: { kind: 'PriorityClass', version: 'v1', group: 'scheduling.k8s.io' },
    fieldSpecs: specs([
      'spec/priorityClassName|Pod',
      'spec/template/spec/priorityClassName|StatefulSet',
      'spec/template/spec/priorityClassName|Deployment',
      'spec/template/spec/priorityClassName|ReplicationController',
      'spec/jobTemplate/spec/template/spec/priorityClassName|CronJob',
      'spec/template/spec/priorityClassName|Job',
      'spec/template/spec/priorityClassName|DaemonSet',
    ]),
  },
  {
    target: { kind: 'ValidatingAdmissionPolicy', group: 'admissionregistration.k8s.io' },
    fieldSpecs: specs(['spec/policyName|ValidatingAdmissionPolicyBinding|admissionregistration.k8s.io']),
  },
  { target: { kind: 'IngressClass', version: 'v1', group: 'networking.k8s.io/v1' }, fieldSpecs: specs(['spec/ingressClassName|Ingress']) },
];
