import type { ResourceRegistry } from './registry.js';
import type { ResourceDefinition } from './resources.js';
import type { StoredObject } from './stored-object.js';

/** Whether a request's Accept header asks for a `meta.k8s.io` Table, as `kubectl get` does. */
export function wantsTable(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((part) => part.includes('as=Table'));
}

/** `kubectl`'s age format: `42s`, `5m3s`, `3h`, `2d`. */
export function age(timestamp: string | undefined, now = Date.now()): string {
  if (!timestamp) return '<unknown>';
  const seconds = Math.max(0, Math.floor((now - Date.parse(timestamp)) / 1000));
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h`;
  return `${Math.floor(hours / 24)}d`;
}

interface Column {
  readonly name: string;
  readonly type: string;
  readonly format: string;
  readonly description: string;
  readonly priority: number;
  readonly cell: (object: StoredObject) => unknown;
}

function columnsOf(registry: ResourceRegistry, resource: ResourceDefinition): Column[] {
  const name: Column = { name: 'Name', type: 'string', format: 'name', description: 'Name of the object', priority: 0, cell: (object) => object.metadata.name };
  const created: Column = { name: 'Age', type: 'string', format: '', description: 'Time since creation', priority: 0, cell: (object) => age(object.metadata.creationTimestamp) };
  const printer = resource.crdName !== undefined ? registry.printerColumns(resource) : undefined;
  if (printer && printer.length > 0) {
    return [
      name,
      ...printer.map((column) => ({
        name: column.name,
        type: column.type,
        format: column.format ?? '',
        description: column.description ?? '',
        priority: column.priority ?? 0,
        cell: (object: StoredObject) => {
          const value = readColumnPath(object, column.jsonPath);
          return column.type === 'date' && typeof value === 'string' ? age(value) : value ?? null;
        },
      })),
    ];
  }
  return [name, created];
}

/** A `meta.k8s.io/v1` Table of objects, the rows carrying the objects themselves. */
export function toTable(registry: ResourceRegistry, resource: ResourceDefinition, objects: readonly StoredObject[], listMetadata: Record<string, unknown>): Record<string, unknown> {
  const columns = columnsOf(registry, resource);
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMetadata,
    columnDefinitions: columns.map(({ cell: _cell, ...definition }) => definition),
    rows: objects.map((object) => ({ cells: columns.map((column) => column.cell(object)), object })),
  };
}

/**
 * Reads a printer column's JSONPath as the apiserver does for the common forms: `.a.b`, `.a[0]`,
 * and a filter on a list such as `.status.conditions[?(@.type=="Ready")].status` (the first match).
 */
export function readColumnPath(object: unknown, path: string): unknown {
  const segment = /\.([^.[\]]+)|\[(\d+)\]|\[\?\(@\.([^=!<>\s]+)\s*==\s*(?:"([^"]*)"|'([^']*)'|([^)\s]+))\s*\)\]/y;
  let values: unknown[] = [object];
  let at = 0;
  while (at < path.length) {
    segment.lastIndex = at;
    const match = segment.exec(path);
    if (!match) return undefined;
    at = segment.lastIndex;
    const [, field, index, filterPath, double, single, bare] = match;
    if (field !== undefined) values = values.map((value) => (isObject(value) ? value[field] : undefined));
    else if (index !== undefined) values = values.map((value) => (Array.isArray(value) ? value[Number(index)] : undefined));
    else {
      const wanted = double ?? single ?? bare ?? '';
      values = values.flatMap((value) => (Array.isArray(value) ? value.filter((item) => String(filterPath!.split('.').reduce<unknown>((inner, key) => (isObject(inner) ? inner[key] : undefined), item)) === wanted) : []));
    }
    values = values.filter((value) => value !== undefined);
  }
  return values[0];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
