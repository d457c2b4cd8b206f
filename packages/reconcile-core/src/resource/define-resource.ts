import type { V1CustomResourceDefinition } from '@kubernetes/client-node';
import type { FromExtendedSchema } from 'json-schema-to-ts';
import type { ResourceKind } from './kinds.js';
import type { KubeObject } from './objects.js';
import { ResourceDefinitionError, toCrdSchema, type CrdSchemaProps, type KubeJSONSchema as JSONSchema, type KubeSchemaExtension } from './crd-schema.js';
import { compileValidator, ResourceValidationError, type ValidationResult } from './validator.js';

/** One `additionalPrinterColumns` entry: a column `kubectl get` shows. */
export interface PrinterColumn {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  /** JSONPath into the object, e.g. `.spec.replicas`. */
  readonly jsonPath: string;
  readonly description?: string;
  readonly format?: string;
  /** 0 shows in the default view; higher only with `-o wide`. */
  readonly priority?: number;
}

/** What {@link defineResource} takes. */
export interface ResourceDefinition<S extends JSONSchema> {
  /** API group, e.g. `apps.example.com`. */
  readonly group: string;
  /** Version, e.g. `v1`. */
  readonly version: string;
  /** Kind, e.g. `WebApp`. */
  readonly kind: string;
  /** Lower-case plural; default: the kind lower-cased and pluralised (`webapps`, `policies`). */
  readonly plural?: string;
  /** Lower-case singular; default: the kind lower-cased. */
  readonly singular?: string;
  readonly shortNames?: readonly string[];
  readonly categories?: readonly string[];
  /** Default true. */
  readonly namespaced?: boolean;
  /**
   * JSON Schema of the object's own fields (`spec`, `status`, …), as a `const` object so the
   * TypeScript type can be derived; `apiVersion`, `kind` and `metadata` are added.
   */
  readonly schema: S;
  /**
   * Columns for `kubectl get`. Default, when the schema has `status.conditions`: Ready, Status
   * (the Ready message) and Age, as Flux's CRDs show.
   */
  readonly printerColumns?: readonly PrinterColumn[];
  /** Enable the status subresource; default: whether the schema has a `status` property. */
  readonly statusSubresource?: boolean;
}

/** The CRD object {@link defineResource} builds (`apiextensions.k8s.io/v1`). */
export type CustomResourceDefinition = V1CustomResourceDefinition & KubeObject;

/** The object type of a schema: `apiVersion`, `kind`, `metadata`, plus what the schema declares. */
export type ResourceObject<S extends JSONSchema> = KubeObject & FromExtendedSchema<KubeSchemaExtension, S>;

/**
 * What {@link defineResource} returns for a schema `S`. A conditional type, so tsc derives the
 * object type only for a concrete schema (deriving it for the generic `S` is too deep).
 */
export type DefinedResourceOf<S> = S extends JSONSchema ? (FromExtendedSchema<KubeSchemaExtension, S> extends infer O ? DefinedResource<KubeObject & O, S> : never) : never;

/**
 * A defined custom resource: a {@link ResourceKind} (usable wherever a kind is taken) plus its CRD
 * manifest, its schema and its validator.
 */
export interface DefinedResource<T extends KubeObject, S extends JSONSchema = JSONSchema> extends ResourceKind<T> {
  readonly group: string;
  readonly version: string;
  /** The JSON Schema given to {@link defineResource}. */
  readonly schema: S;
  /** The CRD manifest: apply it, or pass the definition to {@link installCRDs}. */
  readonly crd: CustomResourceDefinition;
  /** Validates a value: the right apiVersion and kind, a valid name, and the schema. */
  validate(value: unknown): ValidationResult<T>;
  /** Returns the value typed as the resource, or throws {@link ResourceValidationError}. */
  assertValid(value: unknown): T;
}

/**
 * Defines a custom resource from one JSON Schema: its TypeScript type, its CRD manifest
 * (apiextensions v1, status subresource, printer columns) and an ajv validator.
 *
 * @remarks
 * Guarantees: the result is a frozen {@link ResourceKind} (`apiVersion`, `kind`, `plural`,
 * `namespaced`), so controllers, watches and the client take it directly; the CRD schema is the
 * given schema translated to OpenAPI v3.0 (see {@link toCrdSchema}); the validator agrees with the
 * apiserver on types, required fields, enums, patterns, bounds, lengths and formats.
 * Caveats: one version per definition; CEL rules (`x-kubernetes-validations`) go into the CRD but
 * are enforced only by the apiserver; unknown fields pass the validator (the apiserver prunes them);
 * an `x-kubernetes-int-or-string` field is typed `unknown` (narrow it with `typeof`).
 * @throws {@link ResourceDefinitionError} when the schema uses what a CRD cannot express, or a name is invalid.
 * @example
 * ```ts
 * import { type ObjectOf, defineResource, installCRDs } from '@weft/reconcile-core';
 * const WebAppKind = defineResource({
 *   group: 'apps.example.com', version: 'v1', kind: 'WebApp',
 *   schema: {
 *     type: 'object',
 *     properties: {
 *       spec: { type: 'object', required: ['image'], properties: { image: { type: 'string' }, replicas: { type: 'integer', minimum: 0 } } },
 *       status: { type: 'object', properties: { observedGeneration: { type: 'integer' } } },
 *     },
 *   },
 * } as const);
 * type WebApp = ObjectOf<typeof WebAppKind>; // { spec?: { image: string; replicas?: number }, status?: …, metadata, … }
 * await installCRDs(client, [WebAppKind]);
 * ```
 */
export function defineResource<const S extends JSONSchema>(definition: ResourceDefinition<S>): DefinedResourceOf<S> {
  const { group, version, kind } = definition;
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/.test(group)) throw new ResourceDefinitionError(kind, '', `group ${JSON.stringify(group)} must be a DNS subdomain with at least one dot`);
  if (!/^v\d+((alpha|beta)\d+)?$/.test(version)) throw new ResourceDefinitionError(kind, '', `version ${JSON.stringify(version)} must look like v1, v1beta1 or v2alpha1`);
  if (!/^[A-Z][A-Za-z0-9]*$/.test(kind)) throw new ResourceDefinitionError(kind, '', `kind ${JSON.stringify(kind)} must be CamelCase`);
  const plural = definition.plural ?? pluralize(kind.toLowerCase());
  const singular = definition.singular ?? kind.toLowerCase();
  const namespaced = definition.namespaced ?? true;
  const apiVersion = `${group}/${version}`;

  const schema = definition.schema;
  if (typeof schema !== 'object' || (schema as { type?: unknown }).type !== 'object') throw new ResourceDefinitionError(kind, '', 'the schema must be { type: "object", properties: { spec, status, … } }');
  const properties = ((schema as { properties?: Record<string, JSONSchema> }).properties ?? {}) as Record<string, JSONSchema>;
  for (const reserved of ['apiVersion', 'kind', 'metadata']) {
    if (reserved in properties) throw new ResourceDefinitionError(kind, reserved, `${reserved} is added by defineResource; leave it out of the schema`);
  }
  const translated = toCrdSchema(schema, kind);
  const openAPIV3Schema: CrdSchemaProps = {
    ...translated,
    properties: {
      apiVersion: { type: 'string', description: 'APIVersion defines the versioned schema of this representation of an object.' },
      kind: { type: 'string', description: 'Kind is a string value representing the REST resource this object represents.' },
      metadata: { type: 'object' },
      ...(translated['properties'] as Record<string, CrdSchemaProps> | undefined),
    },
  };
  const hasStatus = 'status' in properties;
  const statusSubresource = definition.statusSubresource ?? hasStatus;
  const printerColumns = definition.printerColumns ?? (hasConditions(properties['status']) ? conditionColumns : undefined);

  const crd = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      names: {
        kind,
        listKind: `${kind}List`,
        plural,
        singular,
        ...(definition.shortNames ? { shortNames: [...definition.shortNames] } : {}),
        ...(definition.categories ? { categories: [...definition.categories] } : {}),
      },
      scope: namespaced ? 'Namespaced' : 'Cluster',
      versions: [
        {
          name: version,
          served: true,
          storage: true,
          schema: { openAPIV3Schema },
          ...(statusSubresource ? { subresources: { status: {} } } : {}),
          ...(printerColumns ? { additionalPrinterColumns: printerColumns.map((column) => ({ ...column })) } : {}),
        },
      ],
    },
  } as CustomResourceDefinition;

  // Typed loosely inside: instantiating FromSchema on the generic S here is too deep for tsc.
  const validate = compileValidator<KubeObject>({ apiVersion, kind, schema });
  const defined: DefinedResource<KubeObject> = Object.freeze({
    apiVersion,
    kind,
    plural,
    namespaced,
    group,
    version,
    schema,
    crd,
    validate,
    assertValid(value: unknown): KubeObject {
      const result = validate(value);
      if (result.valid) return result.object;
      const metadata = (value as { metadata?: { name?: unknown; namespace?: unknown } } | null)?.metadata;
      const name = [kind, typeof metadata?.namespace === 'string' ? metadata.namespace : undefined, typeof metadata?.name === 'string' ? metadata.name : undefined].filter(Boolean).join('/');
      throw new ResourceValidationError(name, result.errors);
    },
  });
  return defined as unknown as DefinedResourceOf<S>;
}

const conditionColumns: readonly PrinterColumn[] = [
  { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
  { name: 'Status', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].message' },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
];

function hasConditions(status: JSONSchema | undefined): boolean {
  return typeof status === 'object' && status !== null && 'conditions' in ((status as { properties?: object }).properties ?? {});
}

/** The English plural, as CRD authors write it: `policy` → `policies`, `gateway` → `gateways`, `status` → `statuses`. */
function pluralize(singular: string): string {
  if (singular.endsWith('s') || singular.endsWith('x') || singular.endsWith('z') || singular.endsWith('ch') || singular.endsWith('sh')) return `${singular}es`;
  if (singular.endsWith('y') && !/[aeiou]y$/.test(singular)) return `${singular.slice(0, -1)}ies`;
  return `${singular}s`;
}
