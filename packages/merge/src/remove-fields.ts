import { FieldSet, fieldElement } from './field-set.js';
import type { TypeSchema } from './schema.js';
import { childSchema, listItemElement, shapeOf } from './value-shape.js';

/**
 * Removes the members of `set` from a value, as structured-merge-diff's `RemoveItems`: a member
 * field or list item goes with everything under it; atomic values are never entered. A map or list
 * left with nothing becomes `null` (see {@link withoutTypedNulls} for what the apiserver stores).
 */
export function removeFields(value: unknown, set: FieldSet, schema: TypeSchema): unknown {
  if (set.isEmpty()) return value;
  const shape = shapeOf(value, schema);
  if (shape.kind === 'leaf') return value;
  if (shape.kind === 'map') {
    if (value === null || typeof value !== 'object' || Object.keys(value).length === 0) return null;
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      const element = fieldElement(key);
      if (set.members.has(element)) continue;
      const subset = set.withPrefix(element);
      if (subset.isEmpty()) {
        out[key] = child;
        continue;
      }
      out[key] = removeFields(child, subset, childSchema(shape.schema, key));
    }
    return Object.keys(out).length > 0 ? out : null;
  }
  if (!Array.isArray(value) || value.length === 0) return null;
  const items: unknown[] = [];
  for (const item of value) {
    const element = listItemElement(shape.list, item);
    if (set.members.has(element)) continue;
    const subset = set.withPrefix(element);
    items.push(subset.isEmpty() ? item : removeFields(item, subset, shape.list.items));
  }
  return items.length > 0 ? items : null;
}

/**
 * structured-merge-diff's `EnsureNamedFieldsAreMembers`: every struct field that has owned
 * children also becomes a member, so removing the set removes the field as a whole.
 */
export function withNamedFieldsAsMembers(set: FieldSet, schema: TypeSchema): FieldSet {
  if (set.isEmpty()) return set;
  const members = new Set(set.members);
  const children = new Map<string, FieldSet>();
  for (const [element, child] of set.children) {
    let type: TypeSchema | undefined;
    if (element.startsWith('f:')) {
      const name = element.slice(2);
      if (schema.kind === 'struct') {
        const field = schema.fields.get(name);
        if (field !== undefined) {
          members.add(element);
          type = field.type;
        } else if (schema.preservesUnknownFields) {
          type = childSchema(schema, name);
        }
      } else if (schema.kind === 'map' || schema.kind === 'untyped') {
        type = childSchema(schema, name);
      }
    } else if (element.startsWith('k:') && schema.kind === 'list') {
      type = schema.items;
    }
    children.set(element, type === undefined ? child : withNamedFieldsAsMembers(child, type));
  }
  return FieldSet.fromParts(members, children);
}

export { listItemElement };

/**
 * Drops `null` from declared struct fields, as decoding into the typed object does before the
 * apiserver stores it; untyped content (RawExtension, preserved unknown fields) keeps its nulls.
 */
export function withoutTypedNulls(value: unknown, schema: TypeSchema): unknown {
  if (Array.isArray(value)) {
    const items = schema.kind === 'list' ? schema.items : undefined;
    if (items === undefined) return value;
    let changed = false;
    const result = value.map((item) => {
      const cleaned = withoutTypedNulls(item, items);
      if (cleaned !== item) changed = true;
      return cleaned;
    });
    return changed ? result : value;
  }
  if (value === null || typeof value !== 'object' || (schema.kind !== 'struct' && schema.kind !== 'map')) return value;
  let changed = false;
  const result: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    if (child === null && schema.kind === 'struct' && schema.fields.has(key)) {
      changed = true;
      continue;
    }
    const cleaned = withoutTypedNulls(child, childSchema(schema, key));
    if (cleaned !== child) changed = true;
    result[key] = cleaned;
  }
  return changed ? result : value;
}
