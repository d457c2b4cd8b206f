// How the build worker hands its objects to the calling thread without holding that thread's
// event loop: as pieces of JSON text of at most ~16 KB, which the calling thread parses and
// puts together a message at a time. Deserializing one 60,000-key ConfigMap in one go (structured
// clone, or JSON.parse of the whole object) held it for 150–600 ms on a loaded machine.
import type { BuiltObject } from './build.js';
import type { JsonMap, JsonValue } from './json.js';

/**
 * One piece of a built object. An empty `path` starts the next object (and names its `file`);
 * otherwise `json` is the value at `path` (below the object's root) or, with `merge`, entries to
 * add to the map or list already there, in order.
 */
export interface ObjectPiece {
  readonly path: readonly (string | number)[];
  readonly json: string;
  readonly merge?: true;
  readonly file?: string;
}

/** A value's JSON text, split where it is longer than `limit` characters: maps by groups of keys, lists by groups of items. */
function* piecesOfValue(value: JsonValue, json: string, path: (string | number)[], limit: number, file?: string): Generator<ObjectPiece> {
  const start = file === undefined ? {} : { file };
  if (json.length <= limit || value === null || typeof value !== 'object') {
    yield { path, json, ...start };
    return;
  }
  const list = Array.isArray(value);
  yield { path, json: list ? '[]' : '{}', ...start };
  let group: string[] = [];
  let size = 0;
  const flush = function* (): Generator<ObjectPiece> {
    if (group.length === 0) return;
    yield { path, json: list ? `[${group.join(',')}]` : `{${group.join(',')}}`, merge: true };
    group = [];
    size = 0;
  };
  const keys: (string | number)[] = list ? value.map((_, index) => index) : Object.keys(value);
  for (const key of keys) {
    const child = (value as Record<string | number, JsonValue>)[key]!;
    const childJson = JSON.stringify(child);
    if (childJson.length > limit) {
      yield* flush();
      yield* piecesOfValue(child, childJson, [...path, key], limit);
      continue;
    }
    const entry = list ? childJson : `${JSON.stringify(key)}:${childJson}`;
    if (size + entry.length > limit) yield* flush();
    group.push(entry);
    size += entry.length;
  }
  yield* flush();
}

/** `built`'s object as pieces of JSON text of at most about `limit` characters each (a single string longer than that stays whole). */
export function piecesOf(built: BuiltObject, limit: number): Generator<ObjectPiece> {
  return piecesOfValue(built.object, JSON.stringify(built.object), [], limit, built.file);
}

/** Sets `key` on `container` as an own property, `__proto__` included. */
function put(container: Record<string | number, JsonValue>, key: string | number, value: JsonValue): void {
  if (key === '__proto__') Object.defineProperty(container, key, { value, writable: true, enumerable: true, configurable: true });
  else container[key] = value;
}

/** Puts the objects of {@link piecesOf} back together, piece by piece, in the order they were cut. */
export class ObjectAssembler {
  readonly objects: BuiltObject[] = [];

  add(piece: ObjectPiece): void {
    const value = JSON.parse(piece.json) as JsonValue;
    if (piece.path.length === 0 && piece.merge === undefined) {
      this.objects.push({ object: value as JsonMap, file: piece.file ?? '' });
      return;
    }
    const below = piece.merge === undefined ? piece.path.slice(0, -1) : piece.path;
    let container = this.objects[this.objects.length - 1]!.object as Record<string | number, JsonValue>;
    for (const key of below) container = container[key] as Record<string | number, JsonValue>;
    if (piece.merge === undefined) {
      put(container, piece.path[piece.path.length - 1]!, value);
    } else if (Array.isArray(container)) {
      for (const item of value as JsonValue[]) container.push(item);
    } else {
      for (const key of Object.keys(value as JsonMap)) put(container, key, (value as JsonMap)[key]!);
    }
  }
}
