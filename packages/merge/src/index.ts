/**
 * @packageDocumentation
 * Kubernetes merge semantics with no runtime attached: merge metadata for every built-in kind
 * (generated from a real kube-apiserver's OpenAPI) and for CRDs, strategic merge patch with its
 * directives, and the structured merge behind server-side apply with `managedFields` ownership.
 */
export type { JsonObject } from './json.js';
export { MergeError, StrategicMergePatchError, isMergeError } from './errors.js';
export { MergeSchemaRegistry, type GroupVersionKind } from './registry.js';
export type {
  TypeSchema,
  ScalarSchema,
  UntypedSchema,
  StructSchema,
  FieldSchema,
  MapSchema,
  ListSchema,
} from './schema.js';
export { applyStrategicMergePatch, type StrategicMergePatchOptions } from './strategic-merge-patch.js';
export {
  serverSideApply,
  ApplyConflictError,
  conflictMessage,
  describeConflictManager,
  type ServerSideApplyOptions,
  type ServerSideApplyResult,
} from './server-side-apply.js';
export { updateManagedFields, type UpdateManagedFieldsOptions, type UpdateManagedFieldsResult } from './update-ownership.js';
export type { FieldConflict } from './field-ownership.js';
export { FieldSet, formatFieldPath, type FieldPath, type PathElement } from './field-set.js';
export { decodeFieldsV1, encodeFieldsV1 } from './fields-v1.js';
export { decodeManagedFields, encodeManagedFields, type ManagedFieldsEntry, type FieldOwnership } from './managed-fields.js';
export { applyJsonPatch, applyJsonMergePatch, JsonPatchError, type JsonPatchOperation } from './json-patch.js';
export { diffFields, fieldsOf, type FieldDiff, type FieldSetOptions } from './diff-fields.js';
