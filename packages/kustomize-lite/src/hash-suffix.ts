import { sha256Hex } from './sha256.js';
import { isJsonMap, type JsonMap, type JsonValue } from './json.js';

/** Go's `json.Marshal`: sorted keys, HTML characters and line separators escaped. */
export function goJsonMarshal(value: JsonValue): string {
  return JSON.stringify(sortKeys(value))
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function sortKeys(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isJsonMap(value)) return value;
  const sorted: JsonMap = {};
  for (const key of Object.keys(value).sort()) sorted[key] = sortKeys(value[key] as JsonValue);
  return sorted;
}

function stringMap(value: JsonValue | undefined): JsonMap {
  const result: JsonMap = {};
  if (!isJsonMap(value)) return result;
  for (const [key, item] of Object.entries(value)) result[key] = typeof item === 'string' ? item : item === null ? '' : String(item);
  return result;
}

/** kyaml's hasher reads a missing `data` field as an empty string, not an empty map. */
function dataField(value: JsonValue | undefined): JsonValue {
  return value === undefined ? '' : stringMap(value);
}

/**
 * The content hash kustomize appends to generated ConfigMap and Secret names.
 *
 * @remarks
 * sha256 over the Go JSON encoding of `{binaryData?, data, kind, name: ""}` (ConfigMap) or
 * `{data, kind, name: "", stringData?, type}` (Secret); the first ten hex digits with
 * `0→g 1→h 3→k a→m e→t`, exactly as kustomize's hasher. Other kinds hash their whole object.
 */
export function contentHash(object: JsonMap): string {
  const kind = object['kind'];
  let encoded: JsonMap;
  if (kind === 'ConfigMap') {
    encoded = { kind: 'ConfigMap', name: '', data: dataField(object['data']) };
    if (isJsonMap(object['binaryData']) && Object.keys(object['binaryData']).length > 0) encoded['binaryData'] = stringMap(object['binaryData']);
  } else if (kind === 'Secret') {
    const type = object['type'];
    encoded = { kind: 'Secret', name: '', type: typeof type === 'string' ? type : '', data: dataField(object['data']) };
    if (isJsonMap(object['stringData']) && Object.keys(object['stringData']).length > 0) encoded['stringData'] = stringMap(object['stringData']);
  } else {
    encoded = object;
  }
  const hex = sha256Hex(goJsonMarshal(encoded));
  return hex.slice(0, 10).replace(/[013ae]/g, (char) => ({ '0': 'g', '1': 'h', '3': 'k', a: 'm', e: 't' })[char] as string);
}
