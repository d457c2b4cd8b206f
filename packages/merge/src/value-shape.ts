import { MergeError } from './errors.js';
import { fieldElement, type PathElement } from './field-set.js';
import { untypedSchema, type ListSchema, type TypeSchema } from './schema.js';

/** How structured merge sees a value under its schema. */
export type ValueShape =
  | { readonly kind: 'leaf' }
  | { readonly kind: 'map'; readonly schema: TypeSchema }
  | { readonly kind: 'list'; readonly list: ListSchema };

const leaf: ValueShape = { kind: 'leaf' };

export function isJsonMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The shape of a value: scalars, atomic lists and maps, and values whose JSON type contradicts the
 * schema are leaves; structs and granular maps are maps; sets and keyed lists are lists. Untyped
 * content is deduced from the value, as structured-merge-diff does (maps granular, lists atomic).
 */
export function shapeOf(value: unknown, schema: TypeSchema): ValueShape {
  switch (schema.kind) {
    case 'scalar':
      return leaf;
    case 'untyped':
      // A deduced null takes the map form first, as structured-merge-diff resolves it.
      return value === null || isJsonMap(value) ? { kind: 'map', schema } : leaf;
    case 'struct':
    case 'map':
      if (schema.mapType === 'atomic') return leaf;
      // null is an empty struct or map here, as structured-merge-diff reads it.
      return value === undefined || value === null || isJsonMap(value) ? { kind: 'map', schema } : leaf;
    case 'list':
      if (schema.listType === 'atomic') return leaf;
      return value === undefined || value === null || Array.isArray(value) ? { kind: 'list', list: schema } : leaf;
  }
}

/** The schema of a map's entry or a struct's field (unknown fields are untyped). */
export function childSchema(schema: TypeSchema, key: string): TypeSchema {
  if (schema.kind === 'struct') return schema.fields.get(key)?.type ?? untypedSchema;
  if (schema.kind === 'map') return schema.values;
  return untypedSchema;
}

/** Whether `key` is a declared field of a struct (as opposed to a map entry or an unknown field). */
export function isDeclaredField(schema: TypeSchema, key: string): boolean {
  return schema.kind === 'struct' && schema.fields.has(key);
}

export function isEmptyMap(value: unknown): boolean {
  return isJsonMap(value) && Object.keys(value).length === 0;
}

/**
 * The path element of a list item: `k:{…}` with its key fields (sorted by name, defaults filled in)
 * for keyed lists, `v:<json>` for sets.
 *
 * @throws {@link MergeError} for an item without a key field that has no default, or a set item that is not a scalar.
 */
export function listItemElement(list: ListSchema, item: unknown): PathElement {
  if (list.listType === 'map') {
    if (!isJsonMap(item)) throw new MergeError('associative list with keys may not have non-map elements');
    const key: Record<string, unknown> = {};
    for (const name of [...list.keys].sort()) {
      if (name in item && item[name] !== undefined) key[name] = item[name];
      else if (name in list.keyDefaults) key[name] = list.keyDefaults[name];
      else throw new MergeError(`associative list with keys has an element that omits key field ${JSON.stringify(name)} (and doesn't have default value)`);
    }
    return `k:${JSON.stringify(key)}`;
  }
  if (typeof item === 'object' && item !== null) throw new MergeError('associative list without keys has an element that is not a scalar');
  return `v:${JSON.stringify(item)}`;
}

export { fieldElement };
