import { MergeError } from './errors.js';
import { comparePathElements, FieldSet, type PathElement } from './field-set.js';
import type { JsonObject } from './json.js';

/**
 * Decodes a `FieldsV1` object (the `fieldsV1` of a managedFields entry) into a {@link FieldSet}.
 *
 * @remarks
 * `{"f:spec": {"f:replicas": {}}}` holds `.spec.replicas`; a `".": {}` entry makes its node a member
 * too (`k:{"name":"app"}` items with owned children).
 * @throws {@link MergeError} when a key is not an `f:`, `k:`, `v:`, `i:` or `.` entry or a value is not an object.
 * @example
 * ```ts
 * import { decodeFieldsV1 } from '@weft/merge';
 *
 * decodeFieldsV1({ 'f:spec': { 'f:replicas': {} } }).has(['f:spec', 'f:replicas']); // true
 * ```
 */
export function decodeFieldsV1(fields: JsonObject): FieldSet {
  const members = new Set<PathElement>();
  const children = new Map<PathElement, FieldSet>();
  for (const [key, value] of Object.entries(fields)) {
    if (key === '.') continue;
    if (!/^[fkvi]:/.test(key)) throw new MergeError(`invalid FieldsV1 key ${JSON.stringify(key)}`);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new MergeError(`invalid FieldsV1 value under ${JSON.stringify(key)}: expected an object`);
    }
    const entries = Object.keys(value);
    if (entries.length === 0 || '.' in value) members.add(key);
    if (entries.some((entry) => entry !== '.')) {
      const child = decodeFieldsV1(value as JsonObject);
      if (!child.isEmpty()) children.set(key, child);
    }
  }
  return FieldSet.fromParts(members, children);
}

/**
 * Encodes a {@link FieldSet} as `FieldsV1`, with keys in the order the apiserver writes them.
 *
 * @remarks A node that is both a member and has children gets a `".": {}` entry first.
 * @throws never
 * @example
 * ```ts
 * import { encodeFieldsV1, FieldSet } from '@weft/merge';
 *
 * encodeFieldsV1(FieldSet.fromPaths([['f:spec', 'f:replicas']])); // { 'f:spec': { 'f:replicas': {} } }
 * ```
 */
export function encodeFieldsV1(set: FieldSet): JsonObject {
  const result: JsonObject = {};
  const elements = new Set<PathElement>([...set.members, ...set.children.keys()]);
  for (const element of [...elements].sort(comparePathElements)) {
    const child = set.children.get(element);
    if (child === undefined) {
      result[element] = {};
    } else {
      const encoded = encodeFieldsV1(child);
      result[element] = set.members.has(element) ? { '.': {}, ...encoded } : encoded;
    }
  }
  return result;
}
