import { TransformError } from './errors.js';
import { isJsonMap, type JsonMap, type JsonValue } from './json.js';

/**
 * Splits a dotted field path as kustomize's SmarterPathSplitter does (`spec.containers.[name=app].image`):
 * a leading `.` is dropped (kubebuilder writes `.metadata.namespace`), `\.` is a dot inside a
 * segment, and a bracketed segment keeps the dots inside it.
 */
export function splitDottedPath(path: string): string[] {
  let parts = path.split('.');
  if (parts.length > 1 && parts[0] === '') parts = parts.slice(1);
  const unescaped: string[] = [];
  for (const part of parts) {
    const last = unescaped.length - 1;
    if (last >= 0 && (unescaped[last] as string).endsWith('\\')) unescaped[last] = `${(unescaped[last] as string).slice(0, -1)}.${part}`;
    else unescaped.push(part);
  }
  const segments: string[] = [];
  for (let index = 0; index < unescaped.length; index++) {
    const part = unescaped[index] as string;
    if (!part.startsWith('[') || part.endsWith(']')) {
      segments.push(part);
      continue;
    }
    const bracketed = [part];
    while (index < unescaped.length - 1) {
      const next = unescaped[++index] as string;
      bracketed.push(next);
      if (next.endsWith(']')) break;
    }
    segments.push(bracketed.join('.'));
  }
  // `containers[0]` → `containers`, `[0]` (as kyaml's vars lookup does)
  return segments.flatMap((segment) => {
    const match = segment.match(/^([^[\]]+)(\[[^\]]*\])$/);
    return match === null ? [segment] : [match[1] as string, match[2] as string];
  });
}

/** A place in an object: a key of a map or an index of a list. */
export interface FieldLocation {
  readonly parent: JsonMap | JsonValue[];
  readonly key: string | number;
}

/** The value at a location. */
export function valueAt(location: FieldLocation): JsonValue | undefined {
  return Array.isArray(location.parent) ? location.parent[location.key as number] : (location.parent as JsonMap)[location.key as string];
}

/** Writes the value at a location. */
export function setValueAt(location: FieldLocation, value: JsonValue): void {
  if (Array.isArray(location.parent)) location.parent[location.key as number] = value;
  else (location.parent as JsonMap)[location.key as string] = value;
}

/**
 * Finds the locations a dotted path names, kyaml-style: `[k=v]` selects list items by field,
 * `[=v]` by value, numbers (or `[n]`) index, `*` matches every item or key; with `create`,
 * missing maps (and `[k=v]` items) are made.
 */
export function findFieldLocations(root: JsonMap, segments: readonly string[], create: boolean): FieldLocation[] & { blockedByNull?: boolean } {
  let current: FieldLocation[] = [{ parent: [root], key: 0 }];
  let blockedByNull = false;
  for (let depth = 0; depth < segments.length; depth++) {
    const segment = segments[depth] as string;
    const isLast = depth === segments.length - 1;
    const next: FieldLocation[] = [];
    for (const location of current) {
      let node = valueAt(location);
      if ((node === undefined || node === null) && create) {
        node = segment.startsWith('[') && !/^\[\d+\]$/.test(segment) ? [] : {};
        setValueAt(location, node);
      }
      if (Array.isArray(node)) {
        const selector = segment.match(/^\[([^=\]]*)=([^\]]*)\]$/);
        if (selector !== null) {
          const [, field, wanted] = selector as unknown as [string, string, string];
          let found = false;
          node.forEach((item, index) => {
            const value = field === '' ? item : isJsonMap(item) ? item[field] : undefined;
            if (value !== undefined && value !== null && typeof value !== 'object' && String(value) === wanted) {
              next.push({ parent: node as JsonValue[], key: index });
              found = true;
            }
          });
          if (!found && create && field !== '') {
            node.push({ [field]: wanted });
            next.push({ parent: node, key: node.length - 1 });
          }
          continue;
        }
        const index = segment.match(/^\[?(\d+)\]?$/);
        if (index !== null) {
          const position = Number(index[1]);
          if (position < node.length) next.push({ parent: node, key: position });
          continue;
        }
        if (segment === '*') {
          node.forEach((_, position) => next.push({ parent: node as JsonValue[], key: position }));
          continue;
        }
        if (segment === '-' && create) {
          node.push(null);
          next.push({ parent: node, key: node.length - 1 });
          continue;
        }
        continue;
      }
      if (isJsonMap(node)) {
        if (segment === '*') {
          for (const key of Object.keys(node)) next.push({ parent: node, key });
          continue;
        }
        const key = segment.startsWith('[') && segment.endsWith(']') && !segment.includes('=') ? segment.slice(1, -1) : segment;
        if (key in node && node[key] !== null) next.push({ parent: node, key });
        else if (create && key in node && !isLast) {
          // kyaml's LookupCreate does not descend into an explicit null: nothing is created
          blockedByNull = true;
        } else if (create) {
          if (!isLast) node[key] = {};
          // a missing leaf is left missing until the value is set (an explicit null keeps its !!null tag)
          next.push({ parent: node, key });
        }
        continue;
      }
      if (node !== undefined && node !== null && !isLast) {
        throw new TransformError(`field path '${segments.join('.')}': '${segments.slice(0, depth).join('.')}' is a scalar, not a map or list`);
      }
    }
    current = next;
  }
  return Object.assign(current, { blockedByNull });
}

/** The single value at a dotted path, or undefined. */
export function lookupDottedPath(root: JsonMap, path: string): JsonValue | undefined {
  const locations = findFieldLocations(root, splitDottedPath(path), false);
  const first = locations[0];
  return first === undefined ? undefined : valueAt(first);
}
