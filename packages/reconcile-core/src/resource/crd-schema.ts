import type { ExtendedJSONSchema } from 'json-schema-to-ts';
import { WeftError } from '../errors.js';

/** The OpenAPI and Kubernetes keywords a CRD schema may carry besides JSON Schema's. */
export type KubeSchemaExtension = {
  readonly 'x-kubernetes-int-or-string'?: boolean;
  readonly 'x-kubernetes-preserve-unknown-fields'?: boolean;
  readonly 'x-kubernetes-embedded-resource'?: boolean;
  readonly 'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  readonly 'x-kubernetes-list-map-keys'?: readonly string[];
  readonly 'x-kubernetes-map-type'?: 'atomic' | 'granular';
  readonly 'x-kubernetes-validations'?: readonly { readonly rule: string; readonly message?: string; readonly messageExpression?: string; readonly reason?: string; readonly fieldPath?: string; readonly optionalOldSelf?: boolean }[];
  readonly example?: unknown;
  readonly externalDocs?: { readonly description?: string; readonly url?: string };
};

/**
 * A JSON Schema (draft-07 style, as `json-schema-to-ts` reads it) that may also carry the
 * `x-kubernetes-*` extensions; what {@link defineResource} takes.
 */
export type KubeJSONSchema = ExtendedJSONSchema<KubeSchemaExtension>;
type JSONSchema = KubeJSONSchema;

/**
 * A resource definition that cannot become a CRD: a JSON Schema keyword CRDs do not support, a
 * bad name, a missing type. Names the kind and the schema path.
 *
 * @remarks Not retryable: fix the definition.
 * @example
 * ```ts
 * import { defineResource, ResourceDefinitionError } from '@weft/reconcile-core';
 * try { defineResource({ group: 'example.com', version: 'v1', kind: 'Widget', schema: { $ref: '#/x' } }); }
 * catch (error) { if (error instanceof ResourceDefinitionError) console.error(error.message); }
 * ```
 */
export class ResourceDefinitionError extends WeftError {
  override name = 'ResourceDefinitionError';
  constructor(
    readonly kind: string,
    readonly path: string,
    detail: string,
  ) {
    super(`${kind} definition: ${path ? `schema at ${path}: ` : ''}${detail}`);
  }
}

/** The CRD `openAPIV3Schema` form of a schema node (`JSONSchemaProps`). */
export type CrdSchemaProps = { readonly [keyword: string]: unknown };

type SchemaNode = Exclude<JSONSchema, boolean> & { readonly [keyword: string]: unknown };

/** Keywords copied unchanged into the CRD schema. */
const copied = new Set([
  'type',
  'format',
  'title',
  'description',
  'default',
  'maximum',
  'minimum',
  'maxLength',
  'minLength',
  'pattern',
  'maxItems',
  'minItems',
  'multipleOf',
  'enum',
  'maxProperties',
  'minProperties',
  'required',
  'nullable',
  'example',
  'externalDocs',
]);

/** Keywords dropped: annotations with no CRD equivalent. */
const dropped = new Set(['$comment', '$schema', '$id', 'readOnly', 'writeOnly', 'examples']);

/** Keywords a CRD (a structural OpenAPI v3.0 schema) cannot express. */
const unsupported: Record<string, string> = {
  $ref: 'CRD schemas cannot use $ref; inline the schema',
  definitions: 'CRD schemas cannot use definitions; inline the schema',
  $defs: 'CRD schemas cannot use $defs; inline the schema',
  patternProperties: 'CRD schemas cannot use patternProperties; use additionalProperties',
  dependencies: 'CRD schemas cannot use dependencies; use x-kubernetes-validations',
  if: 'CRD schemas cannot use if/then/else; use x-kubernetes-validations',
  then: 'CRD schemas cannot use if/then/else; use x-kubernetes-validations',
  else: 'CRD schemas cannot use if/then/else; use x-kubernetes-validations',
  contains: 'CRD schemas cannot use contains',
  propertyNames: 'CRD schemas cannot use propertyNames',
  unevaluatedProperties: 'CRD schemas cannot use unevaluatedProperties',
  additionalItems: 'CRD schemas cannot use additionalItems',
  contentMediaType: 'CRD schemas cannot use contentMediaType',
  contentEncoding: 'CRD schemas cannot use contentEncoding',
};

/**
 * Converts a JSON Schema (draft-07 style, as `FromSchema` reads it) to the CRD `openAPIV3Schema`
 * form: numeric `exclusiveMinimum`/`exclusiveMaximum` become the boolean OpenAPI v3.0 form,
 * `const` becomes a one-value `enum`, `type: [T, 'null']` becomes `nullable`, `examples[0]` becomes
 * `example`; `x-kubernetes-*` extensions pass through.
 *
 * @throws {@link ResourceDefinitionError} for keywords a CRD cannot express (`$ref`,
 * `patternProperties`, `additionalProperties: false`, `uniqueItems: true`, tuple `items`, …) and
 * for a node without `type` that is not int-or-string or preserve-unknown-fields.
 * @remarks `defineResource` calls it; use it directly to embed a schema in a hand-written CRD.
 * @example
 * ```ts
 * import { toCrdSchema } from '@weft/reconcile-core';
 * toCrdSchema({ type: 'integer', exclusiveMinimum: 0 }, 'Widget'); // { type: 'integer', minimum: 0, exclusiveMinimum: true }
 * ```
 */
export function toCrdSchema(schema: JSONSchema, kind: string, path = '', role: 'value' | 'junction' = 'value'): CrdSchemaProps {
  if (typeof schema === 'boolean') throw new ResourceDefinitionError(kind, path, 'boolean schemas are not supported; use { type: ... }');
  const node = schema as SchemaNode;
  const out: Record<string, unknown> = {};
  for (const [keyword, value] of Object.entries(node)) {
    if (value === undefined) continue;
    if (keyword in unsupported) throw new ResourceDefinitionError(kind, path, unsupported[keyword]!);
    if (copied.has(keyword)) {
      out[keyword] = value;
    } else if (dropped.has(keyword)) {
      if (keyword === 'examples' && Array.isArray(value) && value.length > 0) out['example'] = value[0];
    } else if (keyword.startsWith('x-kubernetes-')) {
      out[keyword] = value;
    } else if (keyword === 'const') {
      out['enum'] = [value];
    } else if (keyword === 'exclusiveMinimum' || keyword === 'exclusiveMaximum') {
      const bound = keyword === 'exclusiveMinimum' ? 'minimum' : 'maximum';
      if (typeof value === 'number') {
        out[bound] = value;
        out[keyword] = true;
      } else out[keyword] = value;
    } else if (keyword === 'uniqueItems') {
      if (value === true) throw new ResourceDefinitionError(kind, path, 'CRD schemas cannot use uniqueItems: true; use x-kubernetes-list-type: set');
    } else if (keyword === 'properties') {
      out['properties'] = Object.fromEntries(Object.entries(value as Record<string, JSONSchema>).map(([name, child]) => [name, toCrdSchema(child, kind, join(path, name))]));
    } else if (keyword === 'additionalProperties') {
      if (value === false) throw new ResourceDefinitionError(kind, path, 'CRD schemas cannot use additionalProperties: false (the apiserver prunes unknown fields instead)');
      out['additionalProperties'] = value === true ? true : toCrdSchema(value as JSONSchema, kind, `${path}[*]`);
    } else if (keyword === 'items') {
      if (Array.isArray(value)) throw new ResourceDefinitionError(kind, path, 'CRD schemas cannot use tuple items; give one schema for every item');
      out['items'] = toCrdSchema(value as JSONSchema, kind, `${path}[*]`);
    } else if (keyword === 'allOf' || keyword === 'anyOf' || keyword === 'oneOf') {
      out[keyword] = (value as JSONSchema[]).map((child, index) => toCrdSchema(child, kind, `${path}.${keyword}[${index}]`, 'junction'));
    } else if (keyword === 'not') {
      out['not'] = toCrdSchema(value as JSONSchema, kind, `${path}.not`, 'junction');
    } else {
      throw new ResourceDefinitionError(kind, path, `unknown keyword ${JSON.stringify(keyword)}`);
    }
  }
  if (Array.isArray(out['type'])) {
    const listed = out['type'] as string[];
    const types = listed.filter((type) => type !== 'null');
    if (types.length !== 1) throw new ResourceDefinitionError(kind, path, `CRD schemas take one type per node, not ${JSON.stringify(listed)}`);
    out['type'] = types[0];
    if (listed.includes('null')) out['nullable'] = true;
  }
  const untyped = out['type'] === undefined && !out['x-kubernetes-int-or-string'] && !out['x-kubernetes-preserve-unknown-fields'];
  if (role === 'value' && untyped) throw new ResourceDefinitionError(kind, path, 'every field needs a type (or x-kubernetes-int-or-string / x-kubernetes-preserve-unknown-fields)');
  return out;
}

function join(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}
