import { MergeSchemaRegistry } from '@weft/merge';
import { compileSchema, type CompiledSchema, type StructuralSchema } from './crd-schema.js';
import { builtinResources, type ResourceDefinition } from './resources.js';
import type { StoredObject } from './stored-object.js';

/** A CRD version as the registry keeps it: its resource and compiled schema. */
interface ServedVersion {
  readonly resource: ResourceDefinition;
  readonly schema?: CompiledSchema;
}

interface CrdVersion {
  name: string;
  served?: boolean;
  storage?: boolean;
  schema?: { openAPIV3Schema?: StructuralSchema };
  subresources?: { status?: object; scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string } };
  selectableFields?: { jsonPath: string }[];
  additionalPrinterColumns?: { name: string; type: string; jsonPath: string; description?: string; format?: string; priority?: number }[];
}

/** The `spec` of a CustomResourceDefinition, as far as serving needs it. */
export interface CrdSpec {
  group: string;
  scope: 'Namespaced' | 'Cluster';
  names: { plural: string; singular?: string; kind: string; listKind?: string; shortNames?: string[]; categories?: string[] };
  versions: CrdVersion[];
}

/**
 * Which resources the server serves, by group, version and plural: the built-in kinds plus
 * every Established CRD's served versions (with their compiled schemas).
 */
export class ResourceRegistry {
  private readonly byPath = new Map<string, ServedVersion>();
  private readonly crdResources = new Map<string, ServedVersion[]>();
  private readonly crdObjects = new Map<string, StoredObject>();
  private mergeSchemas: MergeSchemaRegistry | undefined;

  /** Merge metadata (`@weft/merge`) of the built-in kinds and of every served CRD. */
  mergeRegistry(): MergeSchemaRegistry {
    if (!this.mergeSchemas) {
      let registry = MergeSchemaRegistry.builtin();
      for (const crd of this.crdObjects.values()) {
        try {
          registry = registry.withCrd(crd);
        } catch {
          // A CRD the merge engine cannot read merges its objects as unstructured JSON.
        }
      }
      this.mergeSchemas = registry;
    }
    return this.mergeSchemas;
  }

  constructor() {
    for (const resource of builtinResources) this.byPath.set(pathKey(resource.group, resource.version, resource.plural), { resource });
  }

  /** The resource at `/apis/<group>/<version>/<plural>`, if served. */
  find(group: string, version: string, plural: string): ResourceDefinition | undefined {
    return this.byPath.get(pathKey(group, version, plural))?.resource;
  }

  /** The compiled schema of a custom resource version, if it has one. */
  schemaOf(resource: ResourceDefinition): CompiledSchema | undefined {
    return this.byPath.get(pathKey(resource.group, resource.version, resource.plural))?.schema;
  }

  /** Every served resource. */
  all(): ResourceDefinition[] {
    return [...this.byPath.values()].map((served) => served.resource);
  }

  /** The resource of a kind in a group/version (for ownerReferences and apply bodies). */
  findKind(apiVersion: string, kind: string): ResourceDefinition | undefined {
    const [group, version] = apiVersion.includes('/') ? (apiVersion.split('/') as [string, string]) : ['', apiVersion];
    return this.all().find((resource) => resource.group === group && resource.version === version && resource.kind === kind);
  }

  /** The `openAPIV3Schema` of a custom resource version, for the OpenAPI documents. */
  crdSchema(resource: ResourceDefinition): StructuralSchema | undefined {
    const crd = resource.crdName === undefined ? undefined : this.crdObjects.get(resource.crdName);
    const versions = (crd?.['spec'] as CrdSpec | undefined)?.versions ?? [];
    return versions.find((version) => version.name === resource.version)?.schema?.openAPIV3Schema;
  }

  /** The printer columns of a custom resource version, for `kubectl get`. */
  printerColumns(resource: ResourceDefinition): CrdVersion['additionalPrinterColumns'] {
    return this.crdColumns.get(pathKey(resource.group, resource.version, resource.plural));
  }

  private readonly crdColumns = new Map<string, CrdVersion['additionalPrinterColumns']>();

  /** Starts serving a CRD's served versions (replacing what it served before). */
  serveCrd(crd: StoredObject): ResourceDefinition[] {
    this.unserveCrd(crd.metadata.name!);
    const spec = crd['spec'] as CrdSpec;
    const served: ServedVersion[] = [];
    for (const version of spec.versions.filter((candidate) => candidate.served !== false)) {
      const resource: ResourceDefinition = {
        group: spec.group,
        version: version.name,
        kind: spec.names.kind,
        listKind: spec.names.listKind ?? `${spec.names.kind}List`,
        plural: spec.names.plural,
        singular: spec.names.singular ?? spec.names.kind.toLowerCase(),
        namespaced: spec.scope === 'Namespaced',
        shortNames: spec.names.shortNames ?? [],
        categories: spec.names.categories ?? [],
        statusSubresource: version.subresources?.status !== undefined,
        ...(version.subresources?.scale ? { scale: version.subresources.scale } : {}),
        tracksGeneration: true,
        fieldLabels: Object.fromEntries(
          (version.selectableFields ?? []).map(({ jsonPath }) => [jsonPath.replace(/^\./, ''), (object: Record<string, unknown>) => String(readDotted(object, jsonPath) ?? '')]),
        ),
        crdName: crd.metadata.name!,
      };
      const schema = version.schema?.openAPIV3Schema ? compileSchema(version.schema.openAPIV3Schema) : undefined;
      const entry: ServedVersion = schema ? { resource, schema } : { resource };
      served.push(entry);
      this.byPath.set(pathKey(resource.group, resource.version, resource.plural), entry);
      this.crdColumns.set(pathKey(resource.group, resource.version, resource.plural), version.additionalPrinterColumns);
    }
    this.crdResources.set(crd.metadata.name!, served);
    this.crdObjects.set(crd.metadata.name!, crd);
    this.mergeSchemas = undefined;
    return served.map((entry) => entry.resource);
  }

  /** Stops serving a CRD's resources. */
  unserveCrd(name: string): void {
    for (const { resource } of this.crdResources.get(name) ?? []) this.byPath.delete(pathKey(resource.group, resource.version, resource.plural));
    this.crdResources.delete(name);
    this.crdObjects.delete(name);
    this.mergeSchemas = undefined;
  }

  /** The resources a CRD serves now. */
  crdServed(name: string): ResourceDefinition[] {
    return (this.crdResources.get(name) ?? []).map((entry) => entry.resource);
  }
}

function pathKey(group: string, version: string, plural: string): string {
  return `${group}/${version}/${plural}`;
}

function readDotted(object: unknown, path: string): unknown {
  let at = object;
  for (const part of path.replace(/^\./, '').split('.')) at = at !== null && typeof at === 'object' ? (at as Record<string, unknown>)[part] : undefined;
  return at;
}
