import type { ListSchema, TypeSchema } from './schema.js';
import { childSchema, isJsonMap, listItemElement, shapeOf } from './value-shape.js';

/**
 * Merges an applied configuration into a live value as structured-merge-diff's `Merge` does for
 * server-side apply: the configuration wins for every leaf it sets, structs and granular maps merge
 * field by field, sets and keyed lists merge item by item (in structured-merge-diff's order), atomic
 * values are replaced whole.
 *
 * Returns `undefined` only when both sides are absent. Inputs are not modified; results share
 * unchanged subtrees with them.
 */
export function mergeValues(lhs: unknown, rhs: unknown, schema: TypeSchema): unknown {
  if (rhs === undefined) return lhs;
  if (lhs === undefined) return rhs;
  const left = shapeOf(lhs, schema);
  const right = shapeOf(rhs, schema);
  if (left.kind !== right.kind || right.kind === 'leaf') return rhs;
  if (right.kind === 'map') {
    const l = (isJsonMap(lhs) ? lhs : {}) as Record<string, unknown>;
    const r = (isJsonMap(rhs) ? rhs : {}) as Record<string, unknown>;
    if (Object.keys(l).length === 0 && Object.keys(r).length === 0) return rhs;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(l)) out[key] = key in r ? mergeValues(l[key], r[key], childSchema(right.schema, key)) : l[key];
    for (const key of Object.keys(r)) if (!(key in l)) out[key] = r[key];
    return out;
  }
  const l = Array.isArray(lhs) ? lhs : [];
  const r = Array.isArray(rhs) ? rhs : [];
  if (l.length === 0 && r.length === 0) return rhs;
  return mergeListItems(l, r, right.list);
}

interface Indexed {
  readonly elements: string[];
  readonly byElement: Map<string, unknown>;
}

function indexItems(items: readonly unknown[], list: ListSchema): Indexed {
  const elements: string[] = [];
  const byElement = new Map<string, unknown>();
  for (const item of items) {
    const element = listItemElement(list, item);
    elements.push(element);
    if (!byElement.has(element)) byElement.set(element, item);
  }
  return { elements, byElement };
}

/** structured-merge-diff's `visitListItems` order: live order, with applied items placed where the configuration puts them. */
function mergeListItems(lhs: readonly unknown[], rhs: readonly unknown[], list: ListSchema): unknown[] {
  const left = indexItems(lhs, list);
  const right = indexItems(rhs, list);
  const shared = right.elements.filter((element) => left.byElement.has(element));
  let sharedIndex = 0;
  let nextShared: string | undefined = shared[sharedIndex++];
  const advanceShared = (): void => {
    nextShared = shared[sharedIndex++];
  };
  const mergedRight = new Set<string>();
  const out: unknown[] = [];
  const mergeItem = (l: unknown, r: unknown): void => {
    const merged = mergeValues(l, r, list.items);
    if (merged !== undefined) out.push(merged);
  };
  let li = 0;
  let ri = 0;
  while (li < left.elements.length || ri < right.elements.length) {
    if (li < left.elements.length && ri < right.elements.length) {
      const element = left.elements[li] as string;
      if (element === right.elements[ri]) {
        mergedRight.add(element);
        mergeItem(left.byElement.get(element), right.byElement.get(element));
        li++;
        ri++;
        advanceShared();
        continue;
      }
      if (right.byElement.has(element) && nextShared !== undefined && nextShared !== element) {
        li++;
        continue;
      }
    }
    if (li < left.elements.length) {
      const element = left.elements[li] as string;
      if (!right.byElement.has(element)) {
        mergeItem(lhs[li], undefined);
        li++;
        continue;
      }
      if (mergedRight.has(element)) {
        li++;
        continue;
      }
    }
    if (ri < right.elements.length) {
      const element = right.elements[ri] as string;
      mergedRight.add(element);
      mergeItem(left.byElement.get(element), right.byElement.get(element));
      ri++;
      if (nextShared !== undefined && nextShared === element) advanceShared();
    }
  }
  return out;
}

export { isJsonMap };
