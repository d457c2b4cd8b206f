import { isJsonObject } from './stored-object.js';

/**
 * A set of field paths, as server-side apply tracks ownership: each path is a list of
 * `f:<field>`, `k:<key json>` (an item of a keyed list) and `v:<value json>` (an item of a set) segments.
 *
 * @remarks
 * Lists of objects that all carry a `name` are keyed by it (containers, env, volumes, ports with
 * names); `finalizers` is a set; every other list is atomic, owned whole. This matches the
 * apiserver's schemas for the shapes Weft's tests use; merge metadata per kind comes from `@weft/merge`.
 */
export type FieldSet = Set<string>;

const separator = '\u0000';

/** The key segment of a list item, or undefined when the list is atomic. */
export function listItemKey(fieldPath: readonly string[], items: readonly unknown[]): ((item: unknown) => string | undefined) | undefined {
  const field = fieldPath[fieldPath.length - 1];
  if (field === 'f:finalizers' && items.every((item) => typeof item === 'string')) return (item) => `v:${JSON.stringify(item)}`;
  if (field === 'f:ownerReferences') return (item) => (isJsonObject(item) && typeof item['uid'] === 'string' ? `k:${JSON.stringify({ uid: item['uid'] })}` : undefined);
  if (items.length > 0 && items.every((item) => isJsonObject(item) && typeof item['name'] === 'string')) {
    return (item) => (isJsonObject(item) && typeof item['name'] === 'string' ? `k:${JSON.stringify({ name: item['name'] })}` : undefined);
  }
  return undefined;
}

/** Top-level fields that are identity or server-owned, never tracked. */
const untrackedMetadata = new Set(['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'managedFields', 'selfLink', 'generateName']);

/** The leaf paths of an object (its fields, minus apiVersion, kind and identity metadata). */
export function fieldsOf(object: Record<string, unknown>, options: { skipStatus?: boolean; onlyStatus?: boolean } = {}): FieldSet {
  const out: FieldSet = new Set();
  for (const [field, value] of Object.entries(object)) {
    if (field === 'apiVersion' || field === 'kind') continue;
    if (options.skipStatus && field === 'status') continue;
    if (options.onlyStatus && field !== 'status') continue;
    if (field === 'metadata' && isJsonObject(value)) {
      for (const [metaField, metaValue] of Object.entries(value)) {
        if (untrackedMetadata.has(metaField)) continue;
        walk(['f:metadata', `f:${metaField}`], metaValue, out);
      }
      continue;
    }
    walk([`f:${field}`], value, out);
  }
  return out;
}

function walk(path: string[], value: unknown, out: FieldSet): void {
  if (isJsonObject(value) && Object.keys(value).length > 0) {
    for (const [field, child] of Object.entries(value)) walk([...path, `f:${field}`], child, out);
    return;
  }
  if (Array.isArray(value) && value.length > 0) {
    const keyOf = listItemKey(path, value);
    if (keyOf) {
      for (const item of value) {
        const key = keyOf(item);
        if (key === undefined) continue;
        out.add([...path, key, '.'].join(separator));
        if (isJsonObject(item)) for (const [field, child] of Object.entries(item)) walk([...path, key, `f:${field}`], child, out);
      }
      return;
    }
  }
  out.add(path.join(separator));
}

/** The value at a path, or undefined when absent. */
export function valueAt(object: unknown, path: string): unknown {
  let at: unknown = object;
  for (const segment of path.split(separator)) {
    if (segment === '.') return at;
    if (segment.startsWith('f:')) {
      at = isJsonObject(at) ? at[segment.slice(2)] : undefined;
    } else if (segment.startsWith('k:') || segment.startsWith('v:')) {
      if (!Array.isArray(at)) return undefined;
      const list = at;
      const keyOf = listItemKey([], list) ?? (() => undefined);
      at = list.find((item) => (segment.startsWith('v:') ? `v:${JSON.stringify(item)}` === segment : keyMatches(item, segment) || keyOf(item) === segment));
    }
    if (at === undefined) return undefined;
  }
  return at;
}

function keyMatches(item: unknown, segment: string): boolean {
  if (!isJsonObject(item)) return false;
  const key = JSON.parse(segment.slice(2)) as Record<string, unknown>;
  return Object.entries(key).every(([field, value]) => item[field] === value);
}

/** Removes the value at a path (a field, or a list item when the path ends at the item). */
export function removeAt(object: Record<string, unknown>, path: string): void {
  const segments = path.split(separator).filter((segment) => segment !== '.');
  let at: unknown = object;
  for (const segment of segments.slice(0, -1)) {
    if (segment.startsWith('f:')) at = isJsonObject(at) ? at[segment.slice(2)] : undefined;
    else if (Array.isArray(at)) at = at.find((item) => (segment.startsWith('v:') ? `v:${JSON.stringify(item)}` === segment : keyMatches(item, segment)));
    if (at === undefined) return;
  }
  const last = segments[segments.length - 1]!;
  if (last.startsWith('f:') && isJsonObject(at)) delete at[last.slice(2)];
  else if (Array.isArray(at)) {
    const index = at.findIndex((item) => (last.startsWith('v:') ? `v:${JSON.stringify(item)}` === last : keyMatches(item, last)));
    if (index >= 0) at.splice(index, 1);
  }
}

/** Drops maps and lists a removal left empty (server-side apply never keeps `labels: {}` it emptied itself). */
export function pruneEmpty(object: Record<string, unknown>, path: string): void {
  const segments = path.split(separator).filter((segment) => segment !== '.' && segment.startsWith('f:'));
  for (let depth = segments.length - 1; depth >= 1; depth -= 1) {
    const parentPath = segments.slice(0, depth - 1);
    let parent: unknown = object;
    for (const segment of parentPath) parent = isJsonObject(parent) ? parent[segment.slice(2)] : undefined;
    const field = segments[depth - 1]!.slice(2);
    if (!isJsonObject(parent)) return;
    const child = parent[field];
    if ((isJsonObject(child) && Object.keys(child).length === 0) || (Array.isArray(child) && child.length === 0)) delete parent[field];
    else return;
  }
}

/** Serialises a set as `fieldsV1`. */
export function toFieldsV1(set: FieldSet): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const path of [...set].sort()) {
    let at = root;
    for (const segment of path.split(separator)) {
      at[segment] ??= {};
      at = at[segment] as Record<string, unknown>;
    }
  }
  return root;
}

/** Reads `fieldsV1` back into a set of leaf paths. */
export function fromFieldsV1(fields: Record<string, unknown> | undefined): FieldSet {
  const out: FieldSet = new Set();
  const visit = (node: Record<string, unknown>, path: string[]) => {
    const children = Object.entries(node);
    if (children.length === 0 && path.length > 0) out.add(path.join(separator));
    for (const [segment, child] of children) visit(isJsonObject(child) ? child : {}, [...path, segment]);
  };
  visit(fields ?? {}, []);
  return out;
}

/** Human form of a path for conflict messages: `.data.key`, `.spec.containers[name="web"].image`. */
export function describePath(path: string): string {
  return path
    .split(separator)
    .filter((segment) => segment !== '.')
    .map((segment) => (segment.startsWith('f:') ? `.${segment.slice(2)}` : segment.startsWith('k:') ? `[${Object.entries(JSON.parse(segment.slice(2)) as object).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}]` : `[${segment.slice(2)}]`))
    .join('');
}
