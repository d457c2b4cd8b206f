/** A JSON value as kustomize sees a parsed manifest: typed all the way down. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonMap;
/**
 * A JSON object whose values are {@link JsonValue}s all the way down: a parsed manifest, a map
 * inside one, what a build returns.
 *
 * @remarks Narrower than `@weft/merge`'s `JsonObject` (`{ [key: string]: unknown }`, which this
 * package re-exports and takes as input): a `JsonMap` is a `JsonObject`, not the other way round.
 */
export interface JsonMap {
  [key: string]: JsonValue;
}

/** Whether a value is a plain JSON object (not an array, not null). */
export function isJsonMap(value: unknown): value is JsonMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A deep copy of a JSON value. */
export function cloneJson<T extends JsonValue>(value: T): T {
  return structuredClone(value);
}

/** Deep equality of two JSON values (key order ignored). */
export function jsonEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, index) => jsonEqual(item, b[index]));
  }
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => Object.hasOwn(b, key) && jsonEqual(a[key], b[key]));
}
