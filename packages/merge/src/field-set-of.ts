import { FieldSetBuilder, fieldElement, type FieldSet, type PathElement } from './field-set.js';
import type { TypeSchema } from './schema.js';
import { childSchema, isDeclaredField, isEmptyMap, listItemElement, shapeOf } from './value-shape.js';

/**
 * The set of fields a value sets, as structured-merge-diff's `ToFieldSet`: every scalar and atomic
 * value, every list item (keyed or set), every map entry, and struct fields that are `null` or `{}`.
 */
export function fieldSetOf(value: unknown, schema: TypeSchema): FieldSet {
  const root = new FieldSetBuilder();
  collectChildren(value, schema, root);
  return root.build();
}

function collectChildren(value: unknown, schema: TypeSchema, node: FieldSetBuilder): void {
  const shape = shapeOf(value, schema);
  if (shape.kind === 'map') {
    if (value === null || typeof value !== 'object') return;
    for (const [key, child] of Object.entries(value)) {
      const element = fieldElement(key);
      collectValue(child, childSchema(shape.schema, key), node, element);
      if (child === null || isEmptyMap(child) || !isDeclaredField(shape.schema, key)) node.insertMember(element);
    }
  } else if (shape.kind === 'list') {
    if (!Array.isArray(value)) return;
    for (const item of value) {
      const element = listItemElement(shape.list, item);
      collectValue(item, shape.list.items, node, element);
      node.insertMember(element);
    }
  }
}

function collectValue(value: unknown, schema: TypeSchema, parent: FieldSetBuilder, element: PathElement): void {
  const shape = shapeOf(value, schema);
  if (shape.kind === 'leaf') {
    parent.insertMember(element);
    return;
  }
  collectChildren(value, schema, parent.child(element));
}
