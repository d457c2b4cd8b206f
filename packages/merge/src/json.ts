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
