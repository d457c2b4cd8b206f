import builtinData from './builtin-schema.json';
import { compileCustomResourceDefinition } from './crd.js';
import { MergeError } from './errors.js';
import type { JsonObject } from './json.js';
import { compileOpenApiDocuments } from './openapi.js';
import { kindKey, SchemaResolver, type SchemaDefinitions, type TypeSchema } from './schema.js';

/** A group, version and kind; `group` is `''` for the core group. */
export interface GroupVersionKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

/**
 * Where merge metadata comes from: built-in kinds, plus CRDs and OpenAPI documents added by the caller.
 *
 * @remarks
 * Immutable: `withCrd` and `withOpenApi` return a new registry; later additions win over earlier
 * ones for the same kind or type name. Schemas are resolved lazily and cached per registry.
 * The built-in metadata was generated from a real kube-apiserver (see {@link MergeSchemaRegistry.kubernetesVersion})
 * by `tools/merge-metadata/generate.ts`.
 *
 * @example
 * ```ts
 * import { MergeSchemaRegistry } from '@weft/merge';
 *
 * const registry = MergeSchemaRegistry.builtin().withCrd(myCrd);
 * registry.isNamespaced({ group: 'apps', version: 'v1', kind: 'Deployment' }); // true
 * ```
 */
export class MergeSchemaRegistry {
  private readonly resolver: SchemaResolver;
  private static builtinInstance: MergeSchemaRegistry | undefined;

  private constructor(private readonly definitions: SchemaDefinitions) {
    this.resolver = new SchemaResolver(definitions.types);
  }

  /**
   * The registry of every built-in kind, from the committed data file.
   *
   * @remarks Shared: every call returns the same instance.
   * @throws never
   * @example
   * ```ts
   * import { MergeSchemaRegistry } from '@weft/merge';
   *
   * MergeSchemaRegistry.builtin().lookup({ group: 'apps', version: 'v1', kind: 'Deployment' });
   * ```
   */
  static builtin(): MergeSchemaRegistry {
    MergeSchemaRegistry.builtinInstance ??= new MergeSchemaRegistry(builtinData as unknown as SchemaDefinitions);
    return MergeSchemaRegistry.builtinInstance;
  }

  /**
   * A registry that knows no kinds: everything falls back to the rules for unstructured objects.
   *
   * @remarks Add kinds with {@link MergeSchemaRegistry.withCrd} or {@link MergeSchemaRegistry.withOpenApi}.
   * @throws never
   * @example
   * ```ts
   * import { MergeSchemaRegistry } from '@weft/merge';
   *
   * const registry = MergeSchemaRegistry.empty().withOpenApi(document);
   * ```
   */
  static empty(): MergeSchemaRegistry {
    return new MergeSchemaRegistry({ kinds: {}, types: {} });
  }

  /** The Kubernetes version the built-in metadata came from (`v1.37.2`), when known. */
  get kubernetesVersion(): string | undefined {
    return this.definitions.kubernetesVersion;
  }

  /**
   * Adds the kinds of a CustomResourceDefinition (every version with a schema).
   *
   * @remarks
   * Reads `x-kubernetes-list-type`, `x-kubernetes-list-map-keys`, `x-kubernetes-map-type` and
   * `x-kubernetes-preserve-unknown-fields`, as the apiserver does for custom resources; `metadata`
   * is typed as ObjectMeta. Arrays without a list type are atomic, as for any CRD.
   * @throws {@link MergeError} when `crd` is not a CustomResourceDefinition with group, kind and versions.
   * @example
   * ```ts
   * import { MergeSchemaRegistry } from '@weft/merge';
   *
   * const registry = MergeSchemaRegistry.builtin().withCrd(crd);
   * ```
   */
  withCrd(crd: JsonObject): MergeSchemaRegistry {
    const compiled = compileCustomResourceDefinition(crd);
    return new MergeSchemaRegistry({
      ...this.definitions,
      kinds: { ...this.definitions.kinds, ...compiled.kinds },
      types: { ...this.definitions.types, ...compiled.types },
      statusSubresource: { ...this.definitions.statusSubresource, ...compiled.statusSubresource },
    });
  }

  /**
   * Adds the schemas of an OpenAPI v2 (`definitions`) or v3 (`components.schemas`) document.
   *
   * @remarks
   * Every schema tagged with `x-kubernetes-group-version-kind` becomes a kind (scope unknown).
   * Reads `x-kubernetes-patch-strategy` and `x-kubernetes-patch-merge-key` (strategic merge patch)
   * and the `x-kubernetes-list-*` / `-map-type` extensions (server-side apply), as kustomize's
   * `openapi:` field supplies them.
   * @throws {@link MergeError} when `document` is not an object.
   * @example
   * ```ts
   * import { MergeSchemaRegistry } from '@weft/merge';
   * import { readFileSync } from 'node:fs';
   *
   * const registry = MergeSchemaRegistry.builtin().withOpenApi(JSON.parse(readFileSync('schema.json', 'utf8')));
   * ```
   */
  withOpenApi(document: JsonObject): MergeSchemaRegistry {
    if (typeof document !== 'object' || document === null) throw new MergeError('an OpenAPI document must be a JSON object');
    const compiled = compileOpenApiDocuments([document]);
    return new MergeSchemaRegistry({
      ...this.definitions,
      kinds: { ...this.definitions.kinds, ...compiled.kinds },
      types: { ...this.definitions.types, ...compiled.types },
    });
  }

  /**
   * The schema of a kind's objects, or `undefined` when the registry does not know the kind.
   *
   * @remarks The returned graph may be cyclic (recursive types); do not serialize it.
   * @throws never
   * @example
   * ```ts
   * import { MergeSchemaRegistry } from '@weft/merge';
   *
   * const deployment = MergeSchemaRegistry.builtin().lookup({ group: 'apps', version: 'v1', kind: 'Deployment' });
   * ```
   */
  lookup(gvk: GroupVersionKind): TypeSchema | undefined {
    const entry = this.definitions.kinds[kindKey(gvk.group, gvk.version, gvk.kind)];
    return entry === undefined ? undefined : this.resolver.resolve(entry[0]);
  }

  /**
   * Whether objects of a kind live in a namespace; `undefined` when unknown.
   *
   * @remarks Kinds added from OpenAPI documents have no scope information.
   * @throws never
   * @example
   * ```ts
   * import { MergeSchemaRegistry } from '@weft/merge';
   *
   * MergeSchemaRegistry.builtin().isNamespaced({ group: '', version: 'v1', kind: 'Namespace' }); // false
   * ```
   */
  isNamespaced(gvk: GroupVersionKind): boolean | undefined {
    const entry = this.definitions.kinds[kindKey(gvk.group, gvk.version, gvk.kind)];
    if (entry === undefined || entry.length < 2) return undefined;
    return entry[1] === 1;
  }

  /**
   * Whether the apiserver resets `status` when the main resource of this kind is written (the kind
   * has a status subresource), so field management ignores `status` there.
   *
   * @remarks Built-in kinds: when their schema has a `status` field. CRDs: when the version enables
   * the status subresource.
   * @throws never
   * @example
   * ```ts
   * import { MergeSchemaRegistry } from '@weft/merge';
   *
   * MergeSchemaRegistry.builtin().resetsStatus({ group: 'apps', version: 'v1', kind: 'Deployment' }); // true
   * ```
   */
  resetsStatus(gvk: GroupVersionKind): boolean {
    const key = kindKey(gvk.group, gvk.version, gvk.kind);
    const flag = this.definitions.statusSubresource?.[key];
    if (flag !== undefined) return flag === 1;
    const schema = this.lookup(gvk);
    return schema?.kind === 'struct' && schema.fields.has('status');
  }

  /**
   * The schema of a named definition (`io.k8s.api.core.v1.PodSpec`), or `undefined`.
   *
   * @remarks For tests and tools that patch a sub-document.
   * @throws never
   * @example
   * ```ts
   * import { MergeSchemaRegistry } from '@weft/merge';
   *
   * MergeSchemaRegistry.builtin().lookupType('io.k8s.api.core.v1.PodSpec');
   * ```
   */
  lookupType(name: string): TypeSchema | undefined {
    return name in this.definitions.types ? this.resolver.resolve(name) : undefined;
  }

  /** Every kind the registry knows. */
  kinds(): GroupVersionKind[] {
    return Object.keys(this.definitions.kinds).map((key) => {
      const [group = '', version = '', kind = ''] = key.split('/');
      return { group, version, kind };
    });
  }
}
