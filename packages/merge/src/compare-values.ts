import { FieldSetBuilder, fieldElement, type FieldSet, type PathElement } from './field-set.js';
import type { TypeSchema } from './schema.js';
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
  const l = Array.isArray(lhs) ? lhs : [];
  const r = Array.isArray(rhs) ? rhs : [];
  const left = new Map<string, unknown>();
  for (const item of l) {
    const element = listItemElement(shape.list, item);
    if (!left.has(element)) left.set(element, item);
  }
  const right = new Map<string, unknown>();
  for (const item of r) {
    const element = listItemElement(shape.list, item);
    if (!right.has(element)) right.set(element, item);
  }
  for (const element of new Set([...left.keys(), ...right.keys()])) {
    compareValue(left.get(element), right.get(element), shape.list.items, at, element);
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
