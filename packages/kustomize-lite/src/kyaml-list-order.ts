import type { FieldSchema, MergeSchemaRegistry, TypeSchema } from '@weft/merge';
import { isJsonMap, type JsonMap, type JsonValue } from './json.js';
import type { Gvk } from './resource.js';

function keyOf(item: JsonValue, mergeKey: string | undefined): string | undefined {
  if (mergeKey === undefined) return typeof item === 'object' ? undefined : JSON.stringify(item);
  if (!isJsonMap(item)) return undefined;
  const value = item[mergeKey];
  return value === undefined ? undefined : JSON.stringify(value);
}

function reorderList(original: JsonValue[], patch: JsonValue[], result: JsonValue[], field: FieldSchema): JsonValue[] {
  const mergeKey = field.patchMergeKey;
  const keyed = new Map<string, JsonValue>();
  for (const item of result) {
    const key = keyOf(item, mergeKey);
    if (key === undefined) return result;
    keyed.set(key, item);
  }
  const ordered: JsonValue[] = [];
  for (const item of [...patch, ...original]) {
    const key = keyOf(item, mergeKey);
    if (key !== undefined && keyed.has(key)) {
      ordered.push(keyed.get(key) as JsonValue);
      keyed.delete(key);
    }
  }
  for (const item of result) {
    const key = keyOf(item, mergeKey) as string;
    if (keyed.has(key)) {
      ordered.push(item);
      keyed.delete(key);
    }
  }
  return ordered;
}

function itemSchema(schema: TypeSchema): TypeSchema {
  return schema.kind === 'list' ? schema.items : schema;
}

function walk(original: JsonValue | undefined, patch: JsonValue | undefined, result: JsonValue, schema: TypeSchema | undefined): JsonValue {
  if (schema === undefined || !isJsonMap(result) || !isJsonMap(original) || !isJsonMap(patch)) return result;
  if (schema.kind === 'map') {
    for (const [key, value] of Object.entries(result)) result[key] = walk(original[key], patch[key], value, schema.values);
    return result;
  }
  if (schema.kind !== 'struct') return result;
  for (const [key, value] of Object.entries(result)) {
    const field = schema.fields.get(key);
    if (field === undefined) continue;
    const before = original[key];
    const patched = patch[key];
    if (Array.isArray(value) && Array.isArray(before) && Array.isArray(patched)) {
      const merging = field.patchStrategy.includes('merge');
      const reordered = merging ? reorderList(before, patched, value, field) : value;
      const items = itemSchema(field.type);
      if (merging && field.patchMergeKey !== undefined) {
        const originals = new Map(before.map((item) => [keyOf(item, field.patchMergeKey), item] as const));
        const patches = new Map(patched.map((item) => [keyOf(item, field.patchMergeKey), item] as const));
        result[key] = reordered.map((item) => walk(originals.get(keyOf(item, field.patchMergeKey)), patches.get(keyOf(item, field.patchMergeKey)), item, items));
      } else result[key] = reordered;
      continue;
    }
    result[key] = walk(before, patched, value, field.type);
  }
  return result;
}

/**
 * Puts merged lists in the order kustomize's own strategic merge (kyaml) leaves them: the patch's
 * items first, in patch order, then the items only the object had, in their order.
 *
 * @remarks
 * The apiserver interleaves object-only items by their old positions; kyaml does not. Only lists
 * whose schema says `patchStrategy: merge` are reordered; items are matched by merge key.
 */
export function restoreKyamlListOrder(original: JsonMap, patch: JsonMap, merged: JsonMap, registry: MergeSchemaRegistry, gvk: Gvk): JsonMap {
  const schema = registry.lookup(gvk);
  return walk(original, patch, merged, schema) as JsonMap;
}
