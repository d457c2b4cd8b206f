/** A JSON object: what Kubernetes objects, patches and apply configurations are. */
export type JsonObject = { [key: string]: unknown };

/** `Kind/namespace/name` (or `Kind/name`) of an object, when it has them, for error messages. */
export function describeTarget(object: JsonObject): string {
  const kind = typeof object['kind'] === 'string' ? object['kind'] : undefined;
  const metadata = object['metadata'];
  const meta = typeof metadata === 'object' && metadata !== null ? (metadata as JsonObject) : {};
  const name = typeof meta['name'] === 'string' ? meta['name'] : undefined;
  const namespace = typeof meta['namespace'] === 'string' && meta['namespace'] !== '' ? meta['namespace'] : undefined;
  if (kind === undefined || name === undefined) return '';
  return namespace === undefined ? `${kind}/${name}` : `${kind}/${namespace}/${name}`;
}

/**
 * A deep copy of a JSON value (objects, arrays, strings, numbers, booleans, null): about three
 * times as fast as `structuredClone` on Kubernetes objects, which matters on the patch paths.
 */
export function cloneJson<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const copy = new Array<unknown>(value.length);
    for (let index = 0; index < value.length; index++) copy[index] = cloneJson(value[index]);
    return copy as T;
  }
  const copy: JsonObject = {};
  for (const key of Object.keys(value)) {
    const item = cloneJson((value as JsonObject)[key]);
    // A parsed "__proto__" is an own field; assigning it would set the copy's prototype instead.
    if (key === '__proto__') Object.defineProperty(copy, key, { value: item, enumerable: true, writable: true, configurable: true });
    else copy[key] = item;
  }
  return copy as T;
}
