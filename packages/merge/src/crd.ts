import { MergeError } from './errors.js';
import type { JsonObject } from './json.js';
import { compileSchemaNode } from './openapi.js';
import { kindKey, type SchemaDefinitions, type StructDef } from './schema.js';

const objectMeta = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Compiles the versions of a CustomResourceDefinition into kinds of the compact encoding.
 *
 * @remarks `metadata` always refers to ObjectMeta, `apiVersion` and `kind` are scalars, as the
 * apiserver types every custom resource.
 */
export function compileCustomResourceDefinition(crd: JsonObject): SchemaDefinitions {
  const metadata = isObject(crd['metadata']) ? crd['metadata'] : {};
  const crdName = typeof metadata['name'] === 'string' ? metadata['name'] : '(unnamed)';
  const spec = crd['spec'];
  if (crd['kind'] !== 'CustomResourceDefinition' || !isObject(spec)) {
    throw new MergeError(`CustomResourceDefinition/${crdName}: not a CustomResourceDefinition (kind ${String(crd['kind'])})`);
  }
  const group = spec['group'];
  const names = spec['names'];
  const versions = spec['versions'];
  if (typeof group !== 'string' || !isObject(names) || typeof names['kind'] !== 'string' || !Array.isArray(versions)) {
    throw new MergeError(`CustomResourceDefinition/${crdName}: spec.group, spec.names.kind and spec.versions are required`);
  }
  const namespaced = spec['scope'] !== 'Cluster';
  const result: SchemaDefinitions = { kinds: {}, types: {} };
  for (const version of versions) {
    if (!isObject(version) || typeof version['name'] !== 'string') continue;
    const schema = isObject(version['schema']) ? version['schema']['openAPIV3Schema'] : undefined;
    // A version without a schema (legacy CRDs) is untyped.
    const compiled = schema === undefined ? 'u' : compileSchemaNode(schema, () => undefined);
    const root: StructDef =
      typeof compiled === 'object' && 'f' in compiled ? { ...compiled, f: { ...compiled.f } } : { f: {}, x: 1 };
    root.f['apiVersion'] = 's';
    root.f['kind'] = 's';
    // Custom resources, too, are created from an object whose metadata is always serialized.
    root.f['metadata'] = { type: objectMeta, z: 1 };
    const key = kindKey(group, version['name'], names['kind']);
    result.kinds[key] = [root, namespaced ? 1 : 0];
    const subresources = isObject(version['subresources']) ? version['subresources'] : isObject(spec['subresources']) ? spec['subresources'] : {};
    (result.statusSubresource ??= {})[key] = subresources['status'] !== undefined ? 1 : 0;
  }
  return result;
}
