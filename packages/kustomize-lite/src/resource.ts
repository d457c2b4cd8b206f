import { cloneJson, isJsonMap, type JsonMap, type JsonValue } from './json.js';

/** A group/version/kind. `group` is empty for the core group. */
export interface Gvk {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

/** kustomize's resource id: group/version/kind, name and namespace (empty when unset). */
export interface ResId extends Gvk {
  readonly name: string;
  readonly namespace: string;
}

/**
 * The kinds kustomize knows to be cluster-scoped, by apiVersion: its built-in OpenAPI document
 * (Kubernetes 1.21's non-alpha APIs) plus the admission policies, found by building each kind
 * with `namespace:` through kustomize v5.8.2. Any other apiVersion of these kinds (a custom
 * `Namespace`, `flowcontrol.apiserver.k8s.io/v1` FlowSchemas) is namespaced to kustomize.
 */
const clusterScopedKinds: Readonly<Record<string, readonly string[]>> = {
  v1: ['ComponentStatus', 'Namespace', 'Node', 'PersistentVolume'],
  'admissionregistration.k8s.io/v1': ['MutatingWebhookConfiguration', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'ValidatingWebhookConfiguration'],
  'admissionregistration.k8s.io/v1beta1': ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'],
  'apiextensions.k8s.io/v1': ['CustomResourceDefinition'],
  'apiextensions.k8s.io/v1beta1': ['CustomResourceDefinition'],
  'apiregistration.k8s.io/v1': ['APIService'],
  'apiregistration.k8s.io/v1beta1': ['APIService'],
  'certificates.k8s.io/v1': ['CertificateSigningRequest'],
  'certificates.k8s.io/v1beta1': ['CertificateSigningRequest'],
  'flowcontrol.apiserver.k8s.io/v1beta1': ['FlowSchema', 'PriorityLevelConfiguration'],
  'networking.k8s.io/v1': ['IngressClass'],
  'networking.k8s.io/v1beta1': ['IngressClass'],
  'node.k8s.io/v1': ['RuntimeClass'],
  'node.k8s.io/v1beta1': ['RuntimeClass'],
  'policy/v1beta1': ['PodSecurityPolicy'],
  'rbac.authorization.k8s.io/v1': ['ClusterRole', 'ClusterRoleBinding'],
  'rbac.authorization.k8s.io/v1beta1': ['ClusterRole', 'ClusterRoleBinding'],
  'scheduling.k8s.io/v1': ['PriorityClass'],
  'scheduling.k8s.io/v1beta1': ['PriorityClass'],
  'storage.k8s.io/v1': ['CSIDriver', 'CSINode', 'StorageClass', 'VolumeAttachment'],
  'storage.k8s.io/v1beta1': ['CSIDriver', 'CSINode', 'StorageClass', 'VolumeAttachment'],
};
const clusterScoped = new Set(Object.entries(clusterScopedKinds).flatMap(([apiVersion, kinds]) => kinds.map((kind) => `${apiVersion}|${kind}`)));

/** Whether kustomize treats objects of this group, version and kind as living outside namespaces. */
export function isClusterScoped(gvk: Gvk): boolean {
  return clusterScoped.has(`${gvk.group === '' ? gvk.version : `${gvk.group}/${gvk.version}`}|${gvk.kind}`);
}

const apiVersionParts = new Map<string, { readonly group: string; readonly version: string }>();

/** Splits an `apiVersion` into group and version. */
export function splitApiVersion(apiVersion: string): { readonly group: string; readonly version: string } {
  let parts = apiVersionParts.get(apiVersion);
  if (parts === undefined) {
    const slash = apiVersion.lastIndexOf('/');
    parts = slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
    if (apiVersionParts.size < 10_000) apiVersionParts.set(apiVersion, parts);
  }
  return parts;
}

/** A string equal for two ids exactly when {@link sameId} holds (for maps and sets of ids). */
export function idKey(id: ResId): string {
  const namespace = isClusterScoped(id) ? '' : id.namespace === '' ? 'default' : id.namespace;
  return `${id.group}|${id.version}|${id.kind}|${namespace}|${id.name}`;
}

/** The namespace kustomize compares ids by: `default` for an unset namespace, none for cluster-scoped kinds. */
function effectiveNamespace(id: ResId): string {
  if (isClusterScoped(id)) return '';
  return id.namespace === '' ? 'default' : id.namespace;
}

/** kustomize's `ResId.Equals`: same group, version, kind, name and effective namespace. */
export function sameId(a: ResId, b: ResId): boolean {
  return a.kind === b.kind && a.name === b.name && a.group === b.group && a.version === b.version && effectiveNamespace(a) === effectiveNamespace(b);
}

/** kustomize's id string, as its error messages print it: `Kind.version.group/name.namespace`. */
export function formatId(id: ResId): string {
  const gvk = [id.kind, id.version, id.group].filter((part) => part !== '').join('.');
  const kind = id.version === '' && id.group === '' ? `${id.kind}.[noVer].[noGrp]` : id.group === '' ? `${id.kind}.${id.version}.[noGrp]` : gvk;
  return `${kind}/${id.name}.${id.namespace === '' ? '[noNs]' : id.namespace}`;
}

/** `Kind/namespace/name` (or `Kind/name`), for error messages about one object. */
export function describeId(id: ResId): string {
  return id.namespace === '' ? `${id.kind}/${id.name}` : `${id.kind}/${id.namespace}/${id.name}`;
}

/** How a generated object meets an existing one of the same id. */
export type GeneratorBehavior = 'create' | 'merge' | 'replace';

/**
 * One object in a build, with the history kustomize keeps beside it: its previous ids (so patches
 * and references written against the original name still find it), the prefixes and suffixes
 * applied, and for generated objects whether a content hash is still to be appended.
 */
export class Resource {
  /** Ids this object had before renames or namespace changes, oldest first. */
  previousIds: ResId[] = [];
  prefixes: string[] = [];
  suffixes: string[] = [];
  /** Set on ConfigMaps/Secrets made by a generator. */
  generated: { behavior: GeneratorBehavior; hashSuffix: boolean } | undefined;
  /** `config.kubernetes.io/origin` content when buildMetadata asks for origin annotations. */
  origin: JsonMap | undefined;
  /** Transformers that touched the object, when buildMetadata asks for transformer annotations. */
  transformations: JsonMap[] = [];
  /** Names of vars whose references were found in this object. */
  varsUsed = new Set<string>();

  constructor(
    public object: JsonMap,
    /** The file the object came from (as shown in error messages). */
    readonly file: string,
  ) {}

  get apiVersion(): string {
    const value = this.object['apiVersion'];
    return typeof value === 'string' ? value : '';
  }

  get kind(): string {
    const value = this.object['kind'];
    return typeof value === 'string' ? value : '';
  }

  get metadata(): JsonMap {
    let metadata = this.object['metadata'];
    if (!isJsonMap(metadata)) {
      metadata = {};
      this.object['metadata'] = metadata;
    }
    return metadata;
  }

  get name(): string {
    const value = isJsonMap(this.object['metadata']) ? this.object['metadata']['name'] : undefined;
    return typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);
  }

  get namespace(): string {
    const value = isJsonMap(this.object['metadata']) ? this.object['metadata']['namespace'] : undefined;
    return typeof value === 'string' ? value : '';
  }

  gvk(): Gvk {
    return { ...splitApiVersion(this.apiVersion), kind: this.kind };
  }

  /** The current id. */
  currentId(): ResId {
    return { ...this.gvk(), name: this.name, namespace: this.namespace };
  }

  /** The id the object had when first loaded. */
  originalId(): ResId {
    return this.previousIds[0] ?? this.currentId();
  }

  /** Every id the object has had, current last. */
  allIds(): ResId[] {
    return [...this.previousIds, this.currentId()];
  }

  /**
   * Remembers the current id before a rename, namespace or kind change.
   *
   * @remarks kustomize records previous ids as annotations on the object, which turns an explicit
   * `annotations: null` into a map (removed again at the end when it stays empty): a later
   * replacement can then create annotations there, as in kustomize.
   */
  rememberId(): void {
    this.previousIds.push(this.currentId());
    const metadata = this.object['metadata'];
    if (isJsonMap(metadata) && metadata['annotations'] === null) metadata['annotations'] = {};
  }

  setName(name: string): void {
    this.metadata['name'] = name;
  }

  setNamespace(namespace: string): void {
    this.metadata['namespace'] = namespace;
  }

  labels(): JsonMap | undefined {
    const labels = isJsonMap(this.object['metadata']) ? this.object['metadata']['labels'] : undefined;
    return isJsonMap(labels) ? labels : undefined;
  }

  annotations(): JsonMap | undefined {
    const annotations = isJsonMap(this.object['metadata']) ? this.object['metadata']['annotations'] : undefined;
    return isJsonMap(annotations) ? annotations : undefined;
  }

  /** A deep copy with the same history. */
  clone(): Resource {
    const copy = new Resource(cloneJson(this.object), this.file);
    copy.previousIds = [...this.previousIds];
    copy.prefixes = [...this.prefixes];
    copy.suffixes = [...this.suffixes];
    copy.generated = this.generated === undefined ? undefined : { ...this.generated };
    copy.origin = this.origin;
    copy.transformations = [...this.transformations];
    copy.varsUsed = new Set(this.varsUsed);
    return copy;
  }

  /** `Kind/namespace/name (file)` for error messages. */
  describe(): string {
    return `${describeId(this.currentId())} (from ${this.file})`;
  }
}

/** A value as a string, the way kustomize reads scalars (numbers and booleans as written). */
export function scalarString(value: JsonValue | undefined): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}
