import { FieldSetBuilder, fieldElement, type FieldSet, type PathElement } from './field-set.js';
import type { ListSchema, TypeSchema } from './schema.js';
import { childSchema, isJsonMap, listItemElement, shapeOf } from './value-shape.js';

/** What changed between two values, as structured-merge-diff's `Compare`. */
export interface FieldComparison {
  readonly added: FieldSet;
  readonly removed: FieldSet;
  readonly modified: FieldSet;
}

interface Builders {
  readonly added: FieldSetBuilder;
  readonly removed: FieldSetBuilder;
  readonly modified: FieldSetBuilder;
}

/**
 * Compares an old and a new value: leaves (scalars, atomic values) that appear, disappear or change,
 * plus the structs, maps and list items that appear or disappear as a whole.
 */
export function compareValues(oldValue: unknown, newValue: unknown, schema: TypeSchema): FieldComparison {
  const builders: Builders = { added: new FieldSetBuilder(), removed: new FieldSetBuilder(), modified: new FieldSetBuilder() };
  compareChildren(oldValue, newValue, schema, builders);
  return { added: builders.added.build(), removed: builders.removed.build(), modified: builders.modified.build() };
}

function child(builders: Builders, element: PathElement): Builders {
  return { added: builders.added.child(element), removed: builders.removed.child(element), modified: builders.modified.child(element) };
}

/** Compares what lies under a node whose own status the caller records. */
function compareChildren(lhs: unknown, rhs: unknown, schema: TypeSchema, at: Builders): void {
  const ls = lhs === undefined ? undefined : shapeOf(lhs, schema);
  const rs = rhs === undefined ? undefined : shapeOf(rhs, schema);
  const shape = rs ?? ls;
  if (shape === undefined || shape.kind === 'leaf') return;
  if (ls !== undefined && rs !== undefined && ls.kind !== rs.kind) return;
  if (shape.kind === 'map') {
    const l = isJsonMap(lhs) ? lhs : {};
    const r = isJsonMap(rhs) ? rhs : {};
    for (const key of new Set([...Object.keys(l), ...Object.keys(r)])) {
      compareValue(key in l ? l[key] : undefined, key in r ? r[key] : undefined, childSchema(shape.schema, key), at, fieldElement(key));
    }
    return;
  }
  const left = groupItems(Array.isArray(lhs) ? lhs : [], shape.list);
  const right = groupItems(Array.isArray(rhs) ? rhs : [], shape.list);
  for (const element of new Set([...left.keys(), ...right.keys()])) {
    const l = left.get(element);
    const r = right.get(element);
    if ((l?.length ?? 0) > 1 || (r?.length ?? 0) > 1) {
      // Items sharing a key (a strategic merge patch can make them) are compared as one atomic
      // value; what the single side held underneath goes or comes as a whole.
      if (l === undefined) at.added.insertMember(element);
      else if (r === undefined) at.removed.insertMember(element);
      else if (!jsonEqual(l, r)) at.modified.insertMember(element);
      if (l?.length === 1) compareChildren(l[0], undefined, shape.list.items, child(at, element));
      if (r?.length === 1) compareChildren(undefined, r[0], shape.list.items, child(at, element));
      continue;
    }
    compareValue(l?.[0], r?.[0], shape.list.items, at, element);
  }
}

function isLeafPair(lhs: unknown, rhs: unknown, schema: TypeSchema): boolean {
  const ls = lhs === undefined ? undefined : shapeOf(lhs, schema);
  const rs = rhs === undefined ? undefined : shapeOf(rhs, schema);
  if (ls?.kind === 'leaf' || rs?.kind === 'leaf') return true;
  if (ls !== undefined && rs !== undefined && ls.kind !== rs.kind) return true;
  // Empty (or absent) on both sides is a leaf, to keep the empty/null distinction.
  const emptyL = lhs === undefined || lhs === null || (Array.isArray(lhs) ? lhs.length === 0 : isJsonMap(lhs) && Object.keys(lhs).length === 0);
  const emptyR = rhs === undefined || rhs === null || (Array.isArray(rhs) ? rhs.length === 0 : isJsonMap(rhs) && Object.keys(rhs).length === 0);
  return emptyL && emptyR;
}

function compareValue(lhs: unknown, rhs: unknown, schema: TypeSchema, parent: Builders, element: PathElement): void {
  const ls = lhs === undefined ? undefined : shapeOf(lhs, schema);
  const rs = rhs === undefined ? undefined : shapeOf(rhs, schema);
  if (ls !== undefined && rs !== undefined && ls.kind !== rs.kind) {
    // The value changed shape (map to scalar, say): structured-merge-diff walks each side in its
    // own shape, so the old side's children are removed and the new side's added.
    if (!jsonEqual(lhs, rhs)) parent.modified.insertMember(element);
    if (ls.kind !== 'leaf') compareChildren(lhs, undefined, schema, child(parent, element));
    if (rs.kind !== 'leaf') compareChildren(undefined, rhs, schema, child(parent, element));
    return;
  }
  if (isLeafPair(lhs, rhs, schema)) {
    if (lhs === undefined) parent.added.insertMember(element);
    else if (rhs === undefined) parent.removed.insertMember(element);
    else if (!jsonEqual(lhs, rhs)) parent.modified.insertMember(element);
    return;
  }
  compareChildren(lhs, rhs, schema, child(parent, element));
  if (lhs === undefined) parent.added.insertMember(element);
  else if (rhs === undefined) parent.removed.insertMember(element);
}

/** Deep equality of JSON values. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let index = 0; index < a.length; index++) if (!jsonEqual(a[index], b[index])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const key of ka) {
    if (!(key in b)) return false;
    if (!jsonEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])) return false;
  }
  return true;
}

function groupItems(items: readonly unknown[], list: ListSchema): Map<string, unknown[]> {
  const groups = new Map<string, unknown[]>();
  for (const item of items) {
    const element = listItemElement(list, item);
    const group = groups.get(element);
    if (group === undefined) groups.set(element, [item]);
    else group.push(item);
  }
  return groups;
}
