/**
 * The merge metadata of a type, resolved from the compact definitions that the registry holds.
 *
 * @remarks
 * The shapes follow sigs.k8s.io/structured-merge-diff: a value is a scalar, a struct (named fields),
 * a map (string keys, one value type), a list (atomic, set, or map keyed by some item fields) or
 * untyped ("deduced": merged by its JSON shape, as the apiserver does for unknown content).
 * Struct fields also carry the strategic-merge-patch tags (`x-kubernetes-patch-strategy`,
 * `x-kubernetes-patch-merge-key`), which are independent of the list type used by server-side apply.
 */
export type TypeSchema = ScalarSchema | UntypedSchema | StructSchema | MapSchema | ListSchema;

/** A string, number, boolean or null; replaced whole. */
export interface ScalarSchema {
  readonly kind: 'scalar';
}

/** Content without a schema (RawExtension, `x-kubernetes-preserve-unknown-fields`): merged by its JSON shape. */
export interface UntypedSchema {
  readonly kind: 'untyped';
}

/** An object with named fields. */
export interface StructSchema {
  readonly kind: 'struct';
  /** The declared fields. */
  readonly fields: ReadonlyMap<string, FieldSchema>;
  /** `atomic` when `x-kubernetes-map-type: atomic`: owned and replaced whole. */
  readonly mapType: 'granular' | 'atomic';
  /** Whether fields not declared are kept (`x-kubernetes-preserve-unknown-fields`). */
  readonly preservesUnknownFields: boolean;
  /** Required fields: Go serializes them even when empty (`null` for an unset pointer, slice or map). */
  readonly required: ReadonlySet<string>;
}

/** A field of a struct, with its strategic merge patch tags. */
export interface FieldSchema {
  readonly type: TypeSchema;
  /** `x-kubernetes-patch-strategy`, split at commas (`merge`, `replace`, `retainKeys`). */
  readonly patchStrategy: readonly string[];
  /** `x-kubernetes-patch-merge-key`. */
  readonly patchMergeKey: string | undefined;
  /** A struct held by value in Go (OpenAPI `default: {}`): present, as `{}`, even in an empty object. */
  readonly alwaysPresent: boolean;
}

/** An object with arbitrary string keys and one value type. */
export interface MapSchema {
  readonly kind: 'map';
  readonly values: TypeSchema;
  readonly mapType: 'granular' | 'atomic';
}

/** An array. */
export interface ListSchema {
  readonly kind: 'list';
  readonly items: TypeSchema;
  /** How server-side apply treats it (`x-kubernetes-list-type`, else derived from the patch strategy). */
  readonly listType: 'atomic' | 'set' | 'map';
  /** The key fields when `listType` is `map`. */
  readonly keys: readonly string[];
  /** Defaults of key fields, used when an item omits one (e.g. a port's `protocol: TCP`). */
  readonly keyDefaults: Readonly<Record<string, unknown>>;
}

/** The untyped schema, shared. */
export const untypedSchema: UntypedSchema = { kind: 'untyped' };
/** The scalar schema, shared. */
export const scalarSchema: ScalarSchema = { kind: 'scalar' };

// ---- The compact encoding stored in builtin-schema.json and produced from OpenAPI/CRDs ----

/**
 * A type reference in the compact encoding: `"s"` scalar, `"u"` untyped, another string names a
 * definition, an object is an inline definition.
 */
export type TypeRef = string | TypeDef;
/** An inline type definition in the compact encoding. */
export type TypeDef = StructDef | MapDef | ListDef;
/** A struct: `f` its fields, `a` set when atomic, `x` set when unknown fields are preserved. */
export interface StructDef {
  f: Record<string, FieldDef>;
  /** Required fields (Go fields without `omitempty`). */
  r?: string[];
  a?: 1;
  x?: 1;
}
/** A field: a bare type reference, or one with its patch strategy `ps` and merge key `mk`. */
export type FieldDef = TypeRef | { type: TypeRef; ps?: string; mk?: string; z?: 1 };
/** A map of `map` values, `a` set when atomic. */
export interface MapDef {
  map: TypeRef;
  a?: 1;
}
/** A list of `list` items; `t` its list type, `k` its keys, `d` defaults of key fields. */
export interface ListDef {
  list: TypeRef;
  t?: 'set' | 'map';
  k?: string[];
  d?: Record<string, unknown>;
}

/** Definitions plus the kinds rooted in them, as stored in the data file. */
export interface SchemaDefinitions {
  /** The Kubernetes version the metadata came from, when known. */
  kubernetesVersion?: string;
  /** `group/version/Kind` (`/v1/Pod` for the core group) → [root type, namespaced (1/0, or absent when unknown)]. */
  kinds: Record<string, [TypeRef] | [TypeRef, 0 | 1]>;
  /** Named definitions. */
  types: Record<string, TypeRef>;
  /**
   * Custom kinds (`group/version/Kind`) and whether their CRD enables the status subresource; the
   * apiserver then resets `status` on the main resource. Kinds not listed reset `status` when their
   * schema has one (every built-in kind with a status does).
   */
  statusSubresource?: Record<string, 0 | 1>;
}

/** The key of a kind in {@link SchemaDefinitions.kinds}. */
export function kindKey(group: string, version: string, kind: string): string {
  return `${group}/${version}/${kind}`;
}

/**
 * Resolves compact definitions into {@link TypeSchema} graphs, lazily and once per definition,
 * so recursive types (JSONSchemaProps) become cyclic graphs rather than infinite ones.
 */
export class SchemaResolver {
  private readonly resolved = new Map<string, TypeSchema>();

  constructor(private readonly types: Readonly<Record<string, TypeRef>>) {}

  resolve(ref: TypeRef): TypeSchema {
    if (typeof ref !== 'string') return this.resolveDef(ref);
    if (ref === 's') return scalarSchema;
    if (ref === 'u') return untypedSchema;
    const cached = this.resolved.get(ref);
    if (cached !== undefined) return cached;
    const def = this.types[ref];
    if (def === undefined) {
      this.resolved.set(ref, untypedSchema);
      return untypedSchema;
    }
    if (typeof def === 'string') return this.resolve(def);
    if ('f' in def) {
      // Register before resolving fields so self-references find it.
      const fields = new Map<string, FieldSchema>();
      const struct: StructSchema = {
        kind: 'struct',
        fields,
        mapType: def.a ? 'atomic' : 'granular',
        preservesUnknownFields: def.x === 1,
        required: new Set(def.r ?? []),
      };
      this.resolved.set(ref, struct);
      this.fillFields(fields, def);
      return struct;
    }
    const schema = this.resolveDef(def);
    this.resolved.set(ref, schema);
    return schema;
  }

  private resolveDef(def: TypeDef): TypeSchema {
    if ('f' in def) {
      const fields = new Map<string, FieldSchema>();
      this.fillFields(fields, def);
      return { kind: 'struct', fields, mapType: def.a ? 'atomic' : 'granular', preservesUnknownFields: def.x === 1, required: new Set(def.r ?? []) };
    }
    if ('map' in def) return { kind: 'map', values: this.resolve(def.map), mapType: def.a ? 'atomic' : 'granular' };
    return {
      kind: 'list',
      items: this.resolve(def.list),
      listType: def.t ?? 'atomic',
      keys: def.k ?? [],
      keyDefaults: def.d ?? {},
    };
  }

  private fillFields(fields: Map<string, FieldSchema>, def: StructDef): void {
    for (const [name, field] of Object.entries(def.f)) {
      if (typeof field === 'object' && 'type' in field) {
        fields.set(name, {
          type: this.resolve(field.type),
          patchStrategy: field.ps ? field.ps.split(',') : [],
          patchMergeKey: field.mk,
          alwaysPresent: field.z === 1,
        });
      } else {
        fields.set(name, { type: this.resolve(field), patchStrategy: [], patchMergeKey: undefined, alwaysPresent: false });
      }
    }
  }
}
