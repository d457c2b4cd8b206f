import { FieldSet, fieldElement } from './field-set.js';
import type { TypeSchema } from './schema.js';
import { childSchema, listItemElement, shapeOf } from './value-shape.js';

/**
 * Removes the members of `set` from a value, as structured-merge-diff's `RemoveItems`: a member
 * field or list item goes with everything under it; atomic values are never entered. A map or list
 * left with nothing becomes `null`, which its parent drops for typed fields (as decoding into the
 * typed object does) and keeps in untyped content (as the apiserver stores it).
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
      const type = childSchema(shape.schema, key);
      const removed = removeFields(child, subset, type);
      // Typed fields left empty disappear when the apiserver decodes the object; untyped content keeps the null.
      if (removed !== null || child === null || type.kind === 'untyped') out[key] = removed;
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
