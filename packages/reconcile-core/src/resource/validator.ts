import { isIP } from 'node:net';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import type { KubeJSONSchema as JSONSchema } from './crd-schema.js';
import { WeftError } from '../errors.js';
import type { FieldCause } from '../client/errors.js';

/** The outcome of validating a value against a resource definition. */
export type ValidationResult<T> = { readonly valid: true; readonly object: T } | { readonly valid: false; readonly errors: readonly FieldCause[] };

/**
 * An object failed its resource definition's schema; lists each field as the apiserver would
 * (`spec.replicas`, `metadata.name`).
 *
 * @remarks Not retryable: fix the object.
 * @example
 * ```ts
 * import { ResourceValidationError } from '@weft/reconcile-core';
 * try { WidgetKind.assertValid(input); } catch (e) { if (e instanceof ResourceValidationError) for (const f of e.errors) console.log(f.field, f.message); }
 * ```
 */
export class ResourceValidationError extends WeftError {
  override name = 'ResourceValidationError';
  constructor(
    /** `Kind/namespace/name` of the object (as far as it could be read). */
    readonly objectName: string,
    readonly errors: readonly FieldCause[],
  ) {
    super(`${objectName} is invalid: ${errors.map((error) => `${error.field}: ${error.message}`).join('; ')}`);
  }
}

const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** The string formats the apiserver checks (kube-openapi's registry); unlisted ones pass. */
const formats: Record<string, true | RegExp | ((value: string) => boolean)> = {
  'date-time': /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/,
  datetime: /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/,
  date: /^\d{4}-\d{2}-\d{2}$/,
  byte: /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/,
  uuid: /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/,
  ipv4: (value) => isIP(value) === 4,
  ipv6: (value) => isIP(value) === 6,
  hostname: (value) => value.length <= 253 && dns1123Subdomain.test(value),
  email: /^[^\s@]+@[^\s@]+$/,
  int32: true,
  int64: true,
  float: true,
  double: true,
  password: true,
  duration: true,
  uri: true,
  cidr: true,
  mac: true,
  uuid3: true,
  uuid4: true,
  uuid5: true,
  bsonobjectid: true,
  isbn: true,
  isbn10: true,
  isbn13: true,
  creditcard: true,
  ssn: true,
  hexcolor: true,
  rgbcolor: true,
};

/**
 * Compiles the ajv validator of a resource: `apiVersion` and `kind` must match, `metadata.name`
 * must be a DNS-1123 subdomain, and the rest must satisfy the schema.
 *
 * @remarks
 * Caveats: CEL rules (`x-kubernetes-validations`) are not evaluated (the apiserver enforces them);
 * unknown fields pass (the apiserver prunes them); `default`s are not applied.
 */
export function compileValidator<T>(definition: { apiVersion: string; kind: string; schema: JSONSchema }): (value: unknown) => ValidationResult<T> {
  const ajv = new Ajv({ allErrors: true, strict: false, formats });
  ajv.addKeyword({
    keyword: 'x-kubernetes-int-or-string',
    schemaType: 'boolean',
    validate: (enabled: boolean, data: unknown) => !enabled || typeof data === 'string' || Number.isInteger(data),
    errors: false,
  });
  for (const keyword of ['x-kubernetes-preserve-unknown-fields', 'x-kubernetes-embedded-resource', 'x-kubernetes-list-type', 'x-kubernetes-list-map-keys', 'x-kubernetes-map-type', 'x-kubernetes-validations']) {
    ajv.addKeyword({ keyword });
  }
  ajv.addKeyword({ keyword: 'example' });
  ajv.addKeyword({ keyword: 'externalDocs' });
  const validateSchema: ValidateFunction = ajv.compile(definition.schema as object);

  return (value: unknown): ValidationResult<T> => {
    const errors: FieldCause[] = [];
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return { valid: false, errors: [{ field: '', reason: 'FieldValueTypeInvalid', message: 'must be an object' }] };
    }
    const object = value as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown } };
    if (object.apiVersion !== definition.apiVersion) errors.push({ field: 'apiVersion', reason: 'FieldValueInvalid', message: `must be ${definition.apiVersion}` });
    if (object.kind !== definition.kind) errors.push({ field: 'kind', reason: 'FieldValueInvalid', message: `must be ${definition.kind}` });
    const name = object.metadata?.name;
    if (typeof name !== 'string' || name === '') errors.push({ field: 'metadata.name', reason: 'FieldValueRequired', message: 'Required value: name is required' });
    else if (name.length > 253 || !dns1123Subdomain.test(name)) {
      errors.push({ field: 'metadata.name', reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(name)}: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'` });
    }
    if (!validateSchema(value)) errors.push(...(validateSchema.errors ?? []).filter(isReportable).map((error) => fieldCause(error, value)));
    return errors.length === 0 ? { valid: true, object: value as T } : { valid: false, errors };
  };
}

/** anyOf/oneOf summaries repeat what their branches said; keep the branches' errors. */
function isReportable(error: ErrorObject): boolean {
  return error.keyword !== 'anyOf' && error.keyword !== 'oneOf' && error.keyword !== 'if';
}

function fieldCause(error: ErrorObject, root: unknown): FieldCause {
  let field = fieldPath(error.instancePath, root);
  let reason = 'FieldValueInvalid';
  let message = error.message ?? 'is invalid';
  switch (error.keyword) {
    case 'required': {
      const missing = (error.params as { missingProperty: string }).missingProperty;
      field = field ? `${field}.${missing}` : missing;
      reason = 'FieldValueRequired';
      message = 'Required value';
      break;
    }
    case 'enum': {
      reason = 'FieldValueNotSupported';
      const allowed = (error.params as { allowedValues: unknown[] }).allowedValues;
      message = `Unsupported value: ${JSON.stringify(valueAt(error.instancePath, root))}: supported values: ${allowed.map((value) => JSON.stringify(value)).join(', ')}`;
      break;
    }
    case 'type':
      reason = 'FieldValueTypeInvalid';
      message = `Invalid value: ${JSON.stringify(valueAt(error.instancePath, root))}: ${message}`;
      break;
    default:
      message = `Invalid value: ${JSON.stringify(valueAt(error.instancePath, root))}: ${message}`;
  }
  return { field, reason, message };
}

/** `/spec/items/0/name` → `spec.items[0].name`, telling array indexes from map keys by the data. */
function fieldPath(pointer: string, root: unknown): string {
  if (pointer === '') return '';
  let path = '';
  let node: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    path += Array.isArray(node) ? `[${segment}]` : path === '' ? segment : `.${segment}`;
    node = (node as Record<string, unknown> | undefined)?.[segment];
  }
  return path;
}

function valueAt(pointer: string, root: unknown): unknown {
  let node: unknown = root;
  for (const raw of pointer === '' ? [] : pointer.slice(1).split('/')) node = (node as Record<string, unknown> | undefined)?.[raw.replace(/~1/g, '/').replace(/~0/g, '~')];
  return node;
}
