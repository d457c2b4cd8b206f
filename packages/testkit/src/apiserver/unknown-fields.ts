import type { TypeSchema } from '@weft/merge';
import { isJsonObject } from './stored-object.js';

/**
 * Removes the fields a kind's schema does not declare, as the apiserver's decoder drops them, and
 * returns their paths in document order (`spec.template.spec.containers[0].bogus`), for the
 * `fieldValidation` answer: a warning each (Warn, the default), a 400 (Strict), or nothing (Ignore).
 */
export function dropUnknownFields(value: unknown, schema: TypeSchema | undefined, path = ''): string[] {
  if (!schema) return [];
  const found: string[] = [];
  if (schema.kind === 'struct' && isJsonObject(value)) {
    for (const [field, child] of Object.entries(value)) {
      const at = path === '' ? field : `${path}.${field}`;
      const declared = schema.fields.get(field);
      if (declared) found.push(...dropUnknownFields(child, declared.type, at));
      else if (!schema.preservesUnknownFields) {
        found.push(at);
        delete value[field];
      }
    }
  } else if (schema.kind === 'map' && isJsonObject(value)) {
    for (const [key, child] of Object.entries(value)) found.push(...dropUnknownFields(child, schema.values, `${path}[${key}]`));
  } else if (schema.kind === 'list' && Array.isArray(value)) {
    value.forEach((item, index) => found.push(...dropUnknownFields(item, schema.items, `${path}[${index}]`)));
  }
  return found;
}
