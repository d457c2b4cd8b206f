import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { StatusCause } from './status-error.js';
import { isJsonObject } from './stored-object.js';

/** A structural schema node of a CRD version (`openAPIV3Schema`). */
export interface StructuralSchema {
  type?: string;
  properties?: Record<string, StructuralSchema>;
  additionalProperties?: StructuralSchema | boolean;
  items?: StructuralSchema;
  default?: unknown;
  nullable?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  [keyword: string]: unknown;
}

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, useDefaults: false });

/** Rewrites the Kubernetes extensions ajv does not know into JSON Schema. */
function toJsonSchema(schema: StructuralSchema, atRoot: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [keyword, value] of Object.entries(schema)) {
    if (keyword.startsWith('x-kubernetes-') || keyword === 'nullable' || keyword === 'default' || keyword === 'description' || keyword === 'example' || keyword === 'externalDocs') continue;
    if (keyword === 'properties' && isJsonObject(value)) {
      out['properties'] = Object.fromEntries(
        Object.entries(value as Record<string, StructuralSchema>)
          // metadata is validated as ObjectMeta by the server, not by the CRD's schema.
          .filter(([name]) => !(atRoot && name === 'metadata'))
          .map(([name, child]) => [name, toJsonSchema(child, false)]),
      );
    } else if (keyword === 'items' && isJsonObject(value)) {
      out['items'] = toJsonSchema(value as StructuralSchema, false);
    } else if (keyword === 'additionalProperties' && isJsonObject(value)) {
      out['additionalProperties'] = toJsonSchema(value as StructuralSchema, false);
    } else if ((keyword === 'allOf' || keyword === 'anyOf' || keyword === 'oneOf') && Array.isArray(value)) {
      out[keyword] = value.map((child) => toJsonSchema(child as StructuralSchema, false));
    } else if (keyword === 'not' && isJsonObject(value)) {
      out['not'] = toJsonSchema(value as StructuralSchema, false);
    } else {
      out[keyword] = value;
    }
  }
  if (schema['x-kubernetes-int-or-string']) {
    delete out['type'];
    out['anyOf'] = [{ type: 'integer' }, { type: 'string' }, ...((out['anyOf'] as unknown[]) ?? [])];
  }
  if (schema.nullable && typeof out['type'] === 'string') out['type'] = [out['type'], 'null'];
  return out;
}

/** A compiled CRD version schema: prune, default, validate. */
export interface CompiledSchema {
  /** Removes fields the schema does not declare, unless it preserves unknown fields there; returns their paths. */
  prune(object: Record<string, unknown>): string[];
  /** Fills `default`s of absent fields, recursively inside present objects. */
  applyDefaults(object: Record<string, unknown>): void;
  /** The causes of a 422, empty when the object is valid. */
  validate(object: Record<string, unknown>): StatusCause[];
}

/** Compiles a CRD version's `openAPIV3Schema` (structural, as apiextensions v1 requires). */
export function compileSchema(schema: StructuralSchema): CompiledSchema {
  let validator: ValidateFunction | undefined;
  return {
    prune: (object) => {
      const pruned: string[] = [];
      prune(object, schema, true, '', pruned);
      return pruned;
    },
    applyDefaults: (object) => applyDefaults(object, schema),
    validate(object) {
      validator ??= ajv.compile(toJsonSchema(schema, true));
      if (validator(object)) return [];
      return (validator.errors ?? []).map((error) => causeOf(error, object));
    },
  };
}

function prune(value: unknown, schema: StructuralSchema | undefined, atRoot: boolean, path: string, pruned: string[]): void {
  if (!schema) return;
  if (Array.isArray(value)) {
    value.forEach((item, index) => prune(item, schema.items, false, `${path}[${index}]`, pruned));
    return;
  }
  if (!isJsonObject(value)) return;
  // apiVersion, kind and metadata of the object itself (or of an embedded resource) are never pruned.
  const keep = atRoot || schema['x-kubernetes-embedded-resource'] ? new Set(['apiVersion', 'kind', 'metadata']) : new Set<string>();
  for (const [field, child] of Object.entries(value)) {
    const childSchema = schema.properties?.[field] ?? (isJsonObject(schema.additionalProperties) ? schema.additionalProperties : undefined);
    const at = path === '' ? field : `${path}.${field}`;
    if (childSchema) {
      if (!(atRoot && field === 'metadata')) prune(child, childSchema, false, at, pruned);
    } else if (!schema['x-kubernetes-preserve-unknown-fields'] && schema.additionalProperties !== true && !keep.has(field)) {
      pruned.push(at);
      delete value[field];
    }
  }
}

function applyDefaults(value: unknown, schema: StructuralSchema | undefined): void {
  if (!schema) return;
  if (Array.isArray(value)) {
    for (const item of value) applyDefaults(item, schema.items);
    return;
  }
  if (!isJsonObject(value)) return;
  for (const [field, childSchema] of Object.entries(schema.properties ?? {})) {
    if (value[field] === undefined && childSchema.default !== undefined) value[field] = structuredClone(childSchema.default);
    applyDefaults(value[field], childSchema);
  }
  if (isJsonObject(schema.additionalProperties)) for (const child of Object.values(value)) applyDefaults(child, schema.additionalProperties);
}

function fieldPath(instancePath: string): string {
  return instancePath
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path === '' ? part : `${path}.${part}`), '');
}

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? 'null';
}

function causeOf(error: ErrorObject, object: Record<string, unknown>): StatusCause {
  const at = fieldPath(error.instancePath);
  const actual = error.instancePath.split('/').slice(1).reduce<unknown>((node, part) => (node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined), object);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required': {
      const field = at === '' ? String(params['missingProperty']) : `${at}.${String(params['missingProperty'])}`;
      return { reason: 'FieldValueRequired', message: 'Required value', field };
    }
    case 'type':
      return { reason: 'FieldValueTypeInvalid', message: `Invalid value: ${show(actual)}: ${at} in body must be of type ${String(params['type'])}: ${show(actual)}`, field: at };
    case 'enum':
      return { reason: 'FieldValueNotSupported', message: `Unsupported value: ${show(actual)}: supported values: ${(params['allowedValues'] as unknown[]).map(show).join(', ')}`, field: at };
    case 'maximum':
      return { reason: 'FieldValueInvalid', message: `Invalid value: ${show(actual)}: ${at} in body should be less than or equal to ${String(params['limit'])}`, field: at };
    case 'minimum':
      return { reason: 'FieldValueInvalid', message: `Invalid value: ${show(actual)}: ${at} in body should be greater than or equal to ${String(params['limit'])}`, field: at };
    case 'maxLength':
      return { reason: 'FieldValueTooLong', message: `Too long: may not be more than ${String(params['limit'])} bytes`, field: at };
    case 'minLength':
      return { reason: 'FieldValueInvalid', message: `Invalid value: ${show(actual)}: ${at} in body should be at least ${String(params['limit'])} chars long`, field: at };
    case 'pattern':
      return { reason: 'FieldValueInvalid', message: `Invalid value: ${show(actual)}: ${at} in body should match '${String(params['pattern'])}'`, field: at };
    case 'maxItems':
      return { reason: 'FieldValueTooMany', message: `Too many: ${Array.isArray(actual) ? actual.length : '?'}: must have at most ${String(params['limit'])} items`, field: at };
    default:
      return { reason: 'FieldValueInvalid', message: `Invalid value: ${show(actual)}: ${error.message ?? 'invalid'}`, field: at };
  }
}
