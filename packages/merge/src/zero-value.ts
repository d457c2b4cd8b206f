import type { JsonObject } from './json.js';
import type { TypeSchema } from './schema.js';

/**
 * The empty object of a kind as the apiserver serializes a freshly allocated Go object: structs held
 * by value appear as `{}` (recursively), required pointers, slices and maps as `null`, everything
 * else is absent. Field management compares a create against it, so what Go always serializes does
 * not count as added by the creator.
 */
export function zeroValueOf(schema: TypeSchema): JsonObject {
  return zeroStruct(schema, 0) ?? {};
}

function zeroStruct(schema: TypeSchema, depth: number): JsonObject | undefined {
  if (schema.kind !== 'struct' || depth > 12) return undefined;
  const result: JsonObject = {};
  for (const [name, field] of schema.fields) {
    if (field.alwaysPresent) result[name] = zeroStruct(field.type, depth + 1) ?? {};
    else if (schema.required.has(name) && field.type.kind !== 'scalar' && field.type.kind !== 'untyped') result[name] = null;
  }
  return result;
}
