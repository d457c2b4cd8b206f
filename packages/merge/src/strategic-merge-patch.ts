import { StrategicMergePatchError } from './errors.js';
import { MergeSchemaRegistry, type GroupVersionKind } from './registry.js';
import { untypedSchema, type TypeSchema } from './schema.js';
import { cloneJson, describeTarget, type JsonObject } from './json.js';

const directiveMarker = '$patch';
const retainKeysDirective = '$retainKeys';
const deleteFromPrimitiveListPrefix = '$deleteFromPrimitiveList';
const setElementOrderPrefix = '$setElementOrder';

/** Options of {@link applyStrategicMergePatch}. */
export interface StrategicMergePatchOptions {
  /** Where merge keys and patch strategies come from. @defaultValue {@link MergeSchemaRegistry.builtin} */
  readonly registry?: MergeSchemaRegistry;
  /** The kind of `original`; read from its `apiVersion` and `kind` when absent. */
  readonly gvk?: GroupVersionKind;
  /** The schema to patch against, instead of the registry's (tests, OpenAPI sub-schemas). */
  readonly schema?: TypeSchema;
}

type Json = unknown;
type JsonMap = { [key: string]: Json };

interface FieldMeta {
  readonly type: TypeSchema;
  readonly patchStrategy: readonly string[];
  readonly patchMergeKey: string;
}

const untypedField: FieldMeta = { type: untypedSchema, patchStrategy: [], patchMergeKey: '' };

function isMap(value: Json): value is JsonMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function jsonKind(value: Json): 'map' | 'slice' | 'null' | 'string' | 'number' | 'boolean' {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'slice';
  if (typeof value === 'object') return 'map';
  return typeof value as 'string' | 'number' | 'boolean';
}

function fieldOf(schema: TypeSchema, key: string): FieldMeta {
  if (schema.kind === 'struct') {
    const field = schema.fields.get(key);
    if (field === undefined) return untypedField;
    return { type: field.type, patchStrategy: field.patchStrategy, patchMergeKey: field.patchMergeKey ?? '' };
  }
  if (schema.kind === 'map') return { type: schema.values, patchStrategy: [], patchMergeKey: '' };
  return untypedField;
}

/** The schema of a merging list's items; a field typed as a struct (Go pointer fields) stands for its items. */
function itemSchema(schema: TypeSchema): TypeSchema {
  return schema.kind === 'list' ? schema.items : schema;
}

/** Splits strategies into (retainKeys present, the other strategy), as apimachinery does. */
function mainStrategy(strategies: readonly string[]): string {
  if (strategies.length === 0) return '';
  if (strategies.length === 1) return strategies[0] === 'retainKeys' ? '' : (strategies[0] ?? '');
  if (strategies.length === 2) {
    if (strategies[0] === 'retainKeys') return strategies[1] ?? '';
    if (strategies[1] === 'retainKeys') return strategies[0] ?? '';
  }
  throw new StrategicMergePatchError(`unexpected patch strategy: ${strategies.join(',')}`);
}

function show(value: Json): string {
  return JSON.stringify(value);
}

function noMergeKey(item: Json, mergeKey: string): StrategicMergePatchError {
  return new StrategicMergePatchError(`map: ${show(item)} does not contain declared merge key: ${mergeKey}`);
}

function badPatchType(directive: Json, patch: Json): StrategicMergePatchError {
  return new StrategicMergePatchError(`Unknown patch type: ${show(directive)} in map: ${show(patch)}`);
}

/**
 * Applies a strategic merge patch, as kube-apiserver does for `application/strategic-merge-patch+json`.
 *
 * @remarks
 * Follows k8s.io/apimachinery `strategicpatch.StrategicMergeMapPatch`: maps merge, `null` deletes,
 * lists with `patchStrategy: merge` merge by their `patchMergeKey` (or as sets of scalars), other
 * lists are replaced, and the directives `$patch: replace | delete | merge`, `$retainKeys`,
 * `$setElementOrder/<list>` and `$deleteFromPrimitiveList/<list>` work as there. List order follows
 * the apiserver: patch items in patch (or `$setElementOrder`) order, interleaved with server-only
 * items in their live order.
 *
 * Pure: neither argument is modified. Copy-on-write: the result is new along every path the patch
 * touches and shares the subtrees it leaves alone with `original` (nothing with `patch`), so treat
 * both as immutable, or clone the result before changing it in place. (apimachinery patches a map
 * decoded for the purpose in place instead; copying the whole object first cost three quarters of
 * the time.)
 *
 * Kinds the registry does not know (custom resources without a CRD given to the registry) are
 * patched without metadata: maps merge, lists are replaced, directives still apply, which is JSON
 * merge patch plus directives. (kube-apiserver itself refuses strategic merge patches for custom
 * resources with 415; kustomize patches them this way.)
 *
 * Not done here, because it belongs to decoding into a typed object: dropping unknown fields and
 * defaulting. Compare with the apiserver on objects that already went through it.
 *
 * @throws {@link StrategicMergePatchError} for a malformed patch (bad directive, a merging-list item
 *   without its merge key, a `$setElementOrder` list that contradicts the patch, mixed element types).
 *
 * @example
 * ```ts
 * import { applyStrategicMergePatch } from '@weft/merge';
 *
 * const patched = applyStrategicMergePatch(deployment, {
 *   spec: { template: { spec: { containers: [{ name: 'app', image: 'app:2' }] } } },
 * });
 * // other containers are kept; the one named "app" gets the new image
 * ```
 */
export function applyStrategicMergePatch(
  original: JsonObject,
  patch: JsonObject,
  options: StrategicMergePatchOptions = {},
): JsonObject {
  if (!isMap(original)) throw new StrategicMergePatchError('the object to patch must be a JSON object');
  if (!isMap(patch)) throw new StrategicMergePatchError('a strategic merge patch must be a JSON object');
  const schema = options.schema ?? schemaFor(original, patch, options);
  try {
    // The engine consumes the patch (directives are deleted from it, its values move into the
    // result): it works on a copy. `original` is copied map by map and list by list as it is changed.
    return mergeMap(original, cloneJson(patch), schema) as JsonObject;
  } catch (error) {
    if (error instanceof StrategicMergePatchError) {
      const target = describeTarget(original);
      throw new StrategicMergePatchError(target ? `${target}: ${error.message}` : error.message, { cause: error });
    }
    throw error;
  }
}

function schemaFor(original: JsonMap, patch: JsonMap, options: StrategicMergePatchOptions): TypeSchema {
  const registry = options.registry;
  let gvk = options.gvk;
  if (gvk === undefined) {
    const apiVersion = typeof original['apiVersion'] === 'string' ? original['apiVersion'] : patch['apiVersion'];
    const kind = typeof original['kind'] === 'string' ? original['kind'] : patch['kind'];
    if (typeof apiVersion !== 'string' || typeof kind !== 'string') return untypedSchema;
    const slash = apiVersion.indexOf('/');
    gvk = slash < 0 ? { group: '', version: apiVersion, kind } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1), kind };
  }
  return (registry ?? MergeSchemaRegistry.builtin()).lookup(gvk) ?? untypedSchema;
}

function mergeMap(original: JsonMap | undefined, patch: JsonMap, schema: TypeSchema): JsonMap {
  if (directiveMarker in patch) return handleDirectiveInMergeMap(patch[directiveMarker], patch);
  const target: JsonMap = original === undefined ? {} : { ...original };
  applyRetainKeysDirective(target, patch);
  mergePatchIntoOriginal(target, patch, schema);
  for (const rawKey of Object.keys(patch)) {
    let key = rawKey;
    const patchValue = patch[rawKey];
    let isDeleteList = false;
    if (rawKey.startsWith(deleteFromPrimitiveListPrefix)) {
      key = extractKey(rawKey, deleteFromPrimitiveListPrefix);
      isDeleteList = true;
    }
    if (patchValue === null) {
      delete target[key];
      continue; // IgnoreUnmatchedNulls, as the apiserver applies patches
    }
    const originalValue = target[key];
    const originalKind = key in target ? jsonKind(originalValue) : undefined;
    if (originalKind === undefined || originalKind !== jsonKind(patchValue)) {
      // A new field (or one whose JSON type changes) takes the patch value, minus nulls and directives.
      if (!isDeleteList) setWithoutDirectives(target, key, discardNullValues(patchValue));
      continue;
    }
    if (originalKind === 'map') {
      const field = fieldOf(schema, key);
      const strategy = mainStrategy(field.patchStrategy);
      target[key] =
        strategy === 'replace' ? patchValue : mergeMap(originalValue as JsonMap, patchValue as JsonMap, field.type);
    } else if (originalKind === 'slice') {
      const field = fieldOf(schema, key);
      const strategy = mainStrategy(field.patchStrategy);
      // A copy: merging replays Go's in-place slice writes on it.
      target[key] = mergeSliceHandler((originalValue as Json[]).slice(), patchValue as Json[], field, strategy, isDeleteList);
    } else {
      setWithoutDirectives(target, key, patchValue);
    }
  }
  return target;
}

function setWithoutDirectives(target: JsonMap, key: string, value: Json): void {
  const [cleaned, keep] = removeDirectives(value);
  if (keep) target[key] = cleaned;
  else delete target[key];
}

/** Drops every map holding a `$patch` directive (and the directive maps inside lists), as apimachinery does for new values. */
function removeDirectives(value: Json): [Json, boolean] {
  if (Array.isArray(value)) {
    const kept: Json[] = [];
    for (const item of value) {
      const [cleaned, keep] = removeDirectives(item);
      if (keep) kept.push(cleaned);
    }
    return [kept, true];
  }
  if (isMap(value)) {
    if (directiveMarker in value) return [undefined, false];
    for (const [key, inner] of Object.entries(value)) {
      const [cleaned, keep] = removeDirectives(inner);
      if (keep) value[key] = cleaned;
      else delete value[key];
    }
  }
  return [value, true];
}

function discardNullValues(value: Json): Json {
  if (Array.isArray(value)) {
    for (const item of value) discardNullValues(item);
  } else if (isMap(value)) {
    for (const [key, inner] of Object.entries(value)) {
      if (inner === null) delete value[key];
      else discardNullValues(inner);
    }
  }
  return value;
}

function handleDirectiveInMergeMap(directive: Json, patch: JsonMap): JsonMap {
  if (directive === 'replace') {
    delete patch[directiveMarker];
    return patch;
  }
  if (directive === 'delete') return {};
  throw badPatchType(directive, patch);
}

function extractKey(key: string, prefix: string): string {
  const slash = key.indexOf('/');
  if (slash < 0 || key.slice(0, slash) !== prefix) {
    throw new StrategicMergePatchError(
      prefix === setElementOrderPrefix
        ? 'invalid patch: the key of a $setElementOrder list must be $setElementOrder/<list>'
        : 'invalid patch: the key of a $deleteFromPrimitiveList list must be $deleteFromPrimitiveList/<list>',
    );
  }
  return key.slice(slash + 1);
}

function applyRetainKeysDirective(original: JsonMap, patch: JsonMap): void {
  if (!(retainKeysDirective in patch)) return;
  const retainKeys = patch[retainKeysDirective];
  delete patch[retainKeysDirective];
  if (!Array.isArray(retainKeys)) throw new StrategicMergePatchError('invalid patch: $retainKeys must be a list of field names');
  const retained = new Set<Json>(retainKeys);
  for (const [key, value] of Object.entries(patch)) {
    if (value === null || key.startsWith(deleteFromPrimitiveListPrefix) || key.startsWith(setElementOrderPrefix)) continue;
    if (!retained.has(key)) {
      throw new StrategicMergePatchError(
        `invalid patch: $retainKeys does not list ${JSON.stringify(key)}, a field the patch sets (every field in the patch must be retained)`,
      );
    }
  }
  for (const key of Object.keys(original)) {
    if (!retained.has(key)) delete original[key];
  }
}

function mergePatchIntoOriginal(original: JsonMap, patch: JsonMap, schema: TypeSchema): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(setElementOrderPrefix)) continue;
    const order = patch[key];
    delete patch[key];
    if (!Array.isArray(order)) throw new StrategicMergePatchError(`invalid patch: ${key} must be a list`);
    const listKey = extractKey(key, setElementOrderPrefix);
    const foundOriginal = listKey in original;
    const foundPatch = listKey in patch;
    // A copy of the live list: merging writes into it, and the order below is read from what it left.
    const originalList = Array.isArray(original[listKey]) ? (original[listKey] as Json[]).slice() : original[listKey];
    const patchList = patch[listKey];
    if (foundOriginal && !Array.isArray(originalList)) throw new StrategicMergePatchError(`invalid patch: ${listKey} is not a list`);
    if (foundPatch && !Array.isArray(patchList)) throw new StrategicMergePatchError(`invalid patch: ${listKey} in the patch is not a list`);
    const originalLength = foundOriginal ? (originalList as Json[]).length : 0;
    const field = fieldOf(schema, listKey);
    const strategy = mainStrategy(field.patchStrategy);
    const mergeKey = field.patchMergeKey;
    validatePatchWithSetOrderList((patchList as Json[] | undefined) ?? [], order, mergeKey);
    let merged: Json[];
    if (foundOriginal && !foundPatch) merged = originalList as Json[];
    else if (!foundOriginal && foundPatch) merged = removeDirectives(patchList)[0] as Json[];
    else if (foundOriginal && foundPatch) merged = mergeSliceHandler(originalList as Json[], patchList as Json[], field, strategy, false);
    else continue;
    // Read after merging: apimachinery orders by the live list as the merge left it (see GoSlice).
    const serverOrder = foundOriginal ? (originalList as Json[]).slice(0, originalLength) : [];
    const kind = sliceElementKind([serverOrder, (patchList as Json[] | undefined) ?? []]);
    const [patchItems, serverOnly] =
      mergeKey === '' ? partitionPrimitives(merged, order) : partitionMaps(merged, order, mergeKey);
    original[listKey] = normalizeElementOrder(patchItems, serverOnly, order, serverOrder, mergeKey, kind);
    delete patch[listKey];
  }
}

function validatePatchWithSetOrderList(patchList: Json[], order: Json[], mergeKey: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  let nonDelete = patchList;
  if (mergeKey !== '') nonDelete = extractToDeleteItems(patchList)[0];
  let patchIndex = 0;
  let orderIndex = 0;
  while (patchIndex < nonDelete.length && orderIndex < order.length) {
    const item = nonDelete[patchIndex];
    if (isMap(item) && directiveMarker in item) {
      patchIndex++;
      continue;
    }
    if (mergeKeyValueEqual(item, order[orderIndex], mergeKey)) patchIndex++;
    orderIndex++;
  }
  if (patchIndex < nonDelete.length && orderIndex >= order.length) {
    throw new StrategicMergePatchError(
      `The order in patch list:\n${show(patchList)}\n doesn't match ${setElementOrderPrefix} list:\n${show(order)}\n`,
    );
  }
}

function mergeKeyValueEqual(left: Json, right: Json, mergeKey: string): boolean {
  if (mergeKey === '') return left === right;
  if (!isMap(left) || !isMap(right)) throw new StrategicMergePatchError(`invalid patch: items of a merging list must be maps`);
  if (!(mergeKey in left)) throw noMergeKey(left, mergeKey);
  if (!(mergeKey in right)) throw noMergeKey(right, mergeKey);
  return left[mergeKey] === right[mergeKey];
}

function mergeSliceHandler(original: Json[], patch: Json[], field: FieldMeta, strategy: string, isDeleteList: boolean): Json[] {
  // Deletion lists work whatever the field's strategy.
  if (strategy === 'merge' || isDeleteList) return mergeSlice(original, patch, itemSchema(field.type), field.patchMergeKey, isDeleteList);
  return patch;
}

type ElementKind = 'map' | 'scalar';

function sliceElementKind(slices: Json[][]): ElementKind {
  let previous: string | undefined;
  for (const slice of slices) {
    for (const value of slice) {
      const kind = jsonKind(value);
      if (previous === undefined) {
        if (kind === 'slice') throw new StrategicMergePatchError('lists of lists are not supported');
        previous = kind;
      } else if (previous !== kind) {
        throw new StrategicMergePatchError(`list element types are not identical: ${show(slices)}`);
      }
    }
  }
  if (previous === undefined) throw new StrategicMergePatchError('no elements in any of the given slices');
  return previous === 'map' ? 'map' : 'scalar';
}

/**
 * A Go slice over a shared backing array. apimachinery mutates the live list in place while merging
 * (deleting with `append(s[:i], s[i+1:]...)`, appending into spare capacity, deduplicating by
 * swapping), and `$setElementOrder` then orders the result by that mutated list; the visible order
 * of items depends on it, so the engine replays the same writes on the same backing array.
 */
class GoSlice {
  constructor(
    readonly array: Json[],
    readonly length: number,
    readonly capacity: number,
  ) {}

  static over(array: Json[]): GoSlice {
    return new GoSlice(array, array.length, jsonDecodedCapacity(array.length));
  }

  at(index: number): Json {
    return this.array[index];
  }

  set(index: number, value: Json): void {
    this.array[index] = value;
  }

  append(value: Json): GoSlice {
    if (this.length < this.capacity) {
      this.array[this.length] = value;
      return new GoSlice(this.array, this.length + 1, this.capacity);
    }
    const grown = this.array.slice(0, this.length);
    grown.push(value);
    return new GoSlice(grown, this.length + 1, Math.max(1, this.capacity * 2));
  }

  /** `append(s[:index], s[index+1:]...)`. */
  removeAt(index: number): GoSlice {
    for (let i = index; i < this.length - 1; i++) this.array[i] = this.array[i + 1];
    return new GoSlice(this.array, this.length - 1, this.capacity);
  }

  truncate(length: number): GoSlice {
    return new GoSlice(this.array, length, this.capacity);
  }

  toArray(): Json[] {
    return this.array.slice(0, this.length);
  }
}

/** The capacity encoding/json leaves on a decoded array of `length` items (appends from zero: 1, 2, 4, 8, …). */
function jsonDecodedCapacity(length: number): number {
  let capacity = length === 0 ? 0 : 1;
  while (capacity < length) capacity *= 2;
  return capacity;
}

function mergeSlice(originalArray: Json[], patch: Json[], items: TypeSchema, mergeKey: string, isDeleteList: boolean): Json[] {
  if (originalArray.length === 0 && patch.length === 0) return originalArray;
  const kind = sliceElementKind([originalArray, patch]);
  let original = GoSlice.over(originalArray);
  let patchItems = patch;
  let merged: Json[];
  if (kind !== 'map') {
    if (isDeleteList) return deleteFromSlice(originalArray, patch);
    let both = original;
    for (const value of patch) both = both.append(value);
    merged = deduplicateScalars(both).toArray();
  } else {
    if (mergeKey === '') throw new StrategicMergePatchError('cannot merge lists without merge key');
    [original, patchItems] = mergeSliceWithSpecialElements(original, patch, mergeKey);
    merged = mergeSliceWithoutSpecialElements(original, patchItems, mergeKey, items).toArray();
  }
  const [inPatch, serverOnly] =
    mergeKey === '' ? partitionPrimitives(merged, patchItems) : partitionMaps(merged, patchItems, mergeKey);
  return normalizeElementOrder(inPatch, serverOnly, patchItems, original.toArray(), mergeKey, kind);
}

function mergeSliceWithSpecialElements(original: GoSlice, patch: Json[], mergeKey: string): [GoSlice, Json[]] {
  const withoutSpecial: Json[] = [];
  let replace = false;
  let base = original;
  for (const item of patch) {
    const map = item as JsonMap;
    if (!(directiveMarker in map)) {
      withoutSpecial.push(item);
      continue;
    }
    const directive = map[directiveMarker];
    if (directive === 'delete') {
      if (!(mergeKey in map)) throw noMergeKey(map, mergeKey);
      const value = map[mergeKey];
      for (;;) {
        const index = findIndexByKey(base.toArray(), mergeKey, value);
        if (index < 0) break;
        base = base.removeAt(index);
      }
    } else if (directive === 'replace') {
      replace = true;
    } else if (directive === 'merge') {
      throw new StrategicMergePatchError('merging lists cannot yet be specified in the patch');
    } else {
      throw badPatchType(directive, map);
    }
  }
  if (replace) return [GoSlice.over(withoutSpecial), []];
  return [base, withoutSpecial];
}

function mergeSliceWithoutSpecialElements(original: GoSlice, patch: Json[], mergeKey: string, items: TypeSchema): GoSlice {
  let result = original;
  for (const item of patch) {
    const map = item as JsonMap;
    if (!(mergeKey in map)) throw noMergeKey(map, mergeKey);
    const index = findIndexByKey(result.toArray(), mergeKey, map[mergeKey]);
    if (index >= 0) result.set(index, mergeMap(result.at(index) as JsonMap, map, items));
    else result = result.append(item);
  }
  return result;
}

function findIndexByKey(list: Json[], mergeKey: string, value: Json): number {
  for (let index = 0; index < list.length; index++) {
    const entry = list[index];
    if (!isMap(entry)) throw new StrategicMergePatchError(`value for key ${index} is not a map.`);
    if (mergeKey in entry && entry[mergeKey] === value) return index;
  }
  return -1;
}

function deleteFromSlice(current: Json[], toDelete: Json[]): Json[] {
  const remove = new Set(toDelete);
  return current.filter((value) => !remove.has(value));
}

/** apimachinery's in-place deduplication (a duplicate is overwritten by the last item). */
function deduplicateScalars(slice: GoSlice): GoSlice {
  let result = slice;
  let last = result.length - 1;
  for (let i = 0; i < last; i++) {
    for (let j = i + 1; j <= last; j++) {
      if (result.at(i) === result.at(j)) {
        result.set(j, result.at(last));
        result = result.truncate(last);
        last--;
        j--;
      }
    }
  }
  return result;
}

function partitionPrimitives(list: Json[], by: Json[]): [Json[], Json[]] {
  const present = new Set(by);
  const inPatch: Json[] = [];
  const serverOnly: Json[] = [];
  for (const value of list) (present.has(value) ? inPatch : serverOnly).push(value);
  return [inPatch, serverOnly];
}

function partitionMaps(list: Json[], by: Json[], mergeKey: string): [Json[], Json[]] {
  const inPatch: Json[] = [];
  const serverOnly: Json[] = [];
  for (const value of list) {
    if (!isMap(value)) throw new StrategicMergePatchError(`invalid patch: items of a merging list must be maps: ${show(value)}`);
    if (!(mergeKey in value)) throw noMergeKey(value, mergeKey);
    (findIndexByKey(by, mergeKey, value[mergeKey]) >= 0 ? inPatch : serverOnly).push(value);
  }
  return [inPatch, serverOnly];
}

function extractToDeleteItems(list: Json[]): [Json[], Json[]] {
  const keep: Json[] = [];
  const toDelete: Json[] = [];
  for (const value of list) {
    if (!isMap(value)) throw new StrategicMergePatchError(`invalid patch: items of a merging list must be maps: ${show(value)}`);
    (value[directiveMarker] === 'delete' ? toDelete : keep).push(value);
  }
  return [keep, toDelete];
}

function indexIn(list: Json[], value: Json, mergeKey: string, kind: ElementKind): number {
  if (kind !== 'map') return list.indexOf(value);
  const wanted = isMap(value) ? value[mergeKey] : undefined;
  for (let index = 0; index < list.length; index++) {
    const item = list[index];
    if ((isMap(item) ? item[mergeKey] : undefined) === wanted) return index;
  }
  return -1;
}

/**
 * Sorts `patchItems` by `patchOrder` and `serverOnly` by `serverOrder`, then interleaves them:
 * apimachinery's order for merged lists.
 */
function normalizeElementOrder(
  patchItems: Json[],
  serverOnly: Json[],
  patchOrder: Json[],
  serverOrder: Json[],
  mergeKey: string,
  kind: ElementKind,
): Json[] {
  const sortedPatch = normalizeSliceOrder(patchItems, patchOrder, mergeKey, kind);
  const sortedServer = normalizeSliceOrder(serverOnly, serverOrder, mergeKey, kind);
  return mergeSortedSlice(sortedServer, sortedPatch, serverOrder, mergeKey, kind);
}

function normalizeSliceOrder(toSort: Json[], order: Json[], mergeKey: string, kind: ElementKind): Json[] {
  let items = toSort;
  let toDelete: Json[] = [];
  if (kind === 'map') {
    for (const list of [toSort, order]) {
      for (const item of list) {
        if (!isMap(item)) throw new StrategicMergePatchError(`invalid patch: items of a merging list must be maps: ${show(item)}`);
        if (!(mergeKey in item)) throw noMergeKey(item, mergeKey);
      }
    }
    [items, toDelete] = extractToDeleteItems(toSort);
  }
  const sorted = new OrderSort(items, order, mergeKey, kind).sorted();
  return [...sorted, ...toDelete];
}

function mergeSortedSlice(left: Json[], right: Json[], serverOrder: Json[], mergeKey: string, kind: ElementKind): Json[] {
  const result: Json[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) result.push(right[j++]);
    else if (j >= right.length) result.push(left[i++]);
    else {
      const li = indexIn(serverOrder, left[i], mergeKey, kind);
      const ri = indexIn(serverOrder, right[j], mergeKey, kind);
      if (li >= 0 && ri >= 0 && li < ri) result.push(left[i++]);
      else result.push(right[j++]);
    }
  }
  return result;
}

/**
 * Go's `sort.SliceStable` (insertion sort in blocks of 20, then SymMerge) with apimachinery's
 * comparator, reproduced step for step: the comparator is not a strict order (items missing from
 * the order list compare "less" both ways), so only the same algorithm gives the same order.
 * (A class rather than closures: this runs for every merged list of every patch.)
 */
class OrderSort {
  private readonly data: Json[];

  constructor(
    items: readonly Json[],
    private readonly order: Json[],
    private readonly mergeKey: string,
    private readonly kind: ElementKind,
  ) {
    this.data = [...items];
  }

  sorted(): Json[] {
    const n = this.data.length;
    let blockSize = 20;
    let a = 0;
    let b = blockSize;
    while (b <= n) {
      this.insertionSort(a, b);
      a = b;
      b += blockSize;
    }
    this.insertionSort(a, n);
    while (blockSize < n) {
      a = 0;
      b = 2 * blockSize;
      while (b <= n) {
        this.symMerge(a, a + blockSize, b);
        a = b;
        b += 2 * blockSize;
      }
      const m = a + blockSize;
      if (m < n) this.symMerge(a, m, n);
      blockSize *= 2;
    }
    return this.data;
  }

  /** apimachinery's `less`: by position in the order list, and "less" whenever either is missing from it. */
  private lessAt(i: number, j: number): boolean {
    const ia = indexIn(this.order, this.data[i], this.mergeKey, this.kind);
    if (ia < 0) return true;
    const ib = indexIn(this.order, this.data[j], this.mergeKey, this.kind);
    return ib < 0 || ia < ib;
  }

  private swap(i: number, j: number): void {
    const t = this.data[i];
    this.data[i] = this.data[j];
    this.data[j] = t;
  }

  private insertionSort(a: number, b: number): void {
    for (let i = a + 1; i < b; i++) for (let j = i; j > a && this.lessAt(j, j - 1); j--) this.swap(j, j - 1);
  }

  private swapRange(a: number, b: number, count: number): void {
    for (let i = 0; i < count; i++) this.swap(a + i, b + i);
  }

  private rotate(a: number, m: number, b: number): void {
    let i = m - a;
    let j = b - m;
    while (i !== j) {
      if (i > j) {
        this.swapRange(m - i, m, j);
        i -= j;
      } else {
        this.swapRange(m - i, m + j - i, i);
        j -= i;
      }
    }
    this.swapRange(m - i, m, i);
  }

  private symMerge(a: number, m: number, b: number): void {
    if (m - a === 1) {
      let i = m;
      let j = b;
      while (i < j) {
        const h = (i + j) >>> 1;
        if (this.lessAt(h, a)) i = h + 1;
        else j = h;
      }
      for (let k = a; k < i - 1; k++) this.swap(k, k + 1);
      return;
    }
    if (b - m === 1) {
      let i = a;
      let j = m;
      while (i < j) {
        const h = (i + j) >>> 1;
        if (!this.lessAt(m, h)) i = h + 1;
        else j = h;
      }
      for (let k = m; k > i; k--) this.swap(k, k - 1);
      return;
    }
    const mid = (a + b) >>> 1;
    const nn = mid + m;
    let start: number;
    let r: number;
    if (m > mid) {
      start = nn - b;
      r = mid;
    } else {
      start = a;
      r = m;
    }
    const p = nn - 1;
    while (start < r) {
      const c = (start + r) >>> 1;
      if (!this.lessAt(p - c, c)) start = c + 1;
      else r = c;
    }
    const end = nn - start;
    if (start < m && m < end) this.rotate(start, m, end);
    if (a < start && start < mid) this.symMerge(a, start, mid);
    if (mid < end && end < b) this.symMerge(mid, end, b);
  }
}
