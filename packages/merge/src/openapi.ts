import type { FieldDef, ListDef, SchemaDefinitions, TypeDef, TypeRef } from './schema.js';
import { kindKey } from './schema.js';

type Node = { [key: string]: unknown };

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function refName(ref: string): string {
  return ref.slice(ref.lastIndexOf('/') + 1);
}

/** Looks up named schemas of the document(s) being compiled, to read key-field defaults. */
type SchemaLookup = (name: string) => Node | undefined;

/**
 * Compiles one JSON-schema node (OpenAPI v2/v3 or a CRD's structural schema) into the compact
 * encoding. Precedence follows kube-openapi's conversion to structured-merge-diff schemas:
 * `x-kubernetes-list-type` first, else a `merge` patch strategy makes a list a map (with the
 * merge key) or a set (without one), else the list is atomic.
 */
export function compileSchemaNode(node: unknown, lookup: SchemaLookup): TypeRef {
  if (!isNode(node)) return 'u';
  if (typeof node['$ref'] === 'string') return refName(node['$ref']);
  const allOf = node['allOf'];
  if (Array.isArray(allOf) && allOf.length === 1 && node['properties'] === undefined) {
    return compileSchemaNode(allOf[0], lookup);
  }
  if (node['x-kubernetes-int-or-string'] === true) return 's';
  const type = node['type'];
  if (type === 'array') return compileList(node, lookup);
  const properties = node['properties'];
  const additional = node['additionalProperties'];
  const preserves = node['x-kubernetes-preserve-unknown-fields'] === true;
  const atomic = node['x-kubernetes-map-type'] === 'atomic';
  if (isNode(properties)) {
    const fields: Record<string, FieldDef> = {};
    for (const [name, property] of Object.entries(properties)) fields[name] = compileField(property, lookup);
    const struct: TypeDef = { f: fields };
    const required = Array.isArray(node['required']) ? (node['required'] as unknown[]).filter((name): name is string => typeof name === 'string' && name in fields) : [];
    if (required.length > 0) struct.r = required;
    if (atomic) struct.a = 1;
    if (preserves) struct.x = 1;
    return struct;
  }
  if (isNode(additional)) {
    const map: TypeDef = { map: compileSchemaNode(additional, lookup) };
    if (atomic) map.a = 1;
    return map;
  }
  if (type === 'string' || type === 'integer' || type === 'number' || type === 'boolean') return 's';
  return 'u';
}

function compileField(property: unknown, lookup: SchemaLookup): FieldDef {
  const type = compileSchemaNode(property, lookup);
  if (!isNode(property)) return type;
  const strategy = property['x-kubernetes-patch-strategy'];
  const mergeKey = property['x-kubernetes-patch-merge-key'];
  // `default: {}` on a struct-typed field marks a Go value (not pointer) field: always serialized.
  const defaultValue = property['default'];
  const alwaysPresent = isNode(defaultValue) && Object.keys(defaultValue).length === 0 && type !== 's' && type !== 'u' && !(typeof type === 'object' && !('f' in type));
  if (typeof strategy !== 'string' && typeof mergeKey !== 'string' && !alwaysPresent) return type;
  const field: { type: TypeRef; ps?: string; mk?: string; z?: 1 } = { type };
  if (typeof strategy === 'string') field.ps = strategy;
  if (typeof mergeKey === 'string') field.mk = mergeKey;
  if (alwaysPresent) field.z = 1;
  return field;
}

function compileList(node: Node, lookup: SchemaLookup): ListDef {
  const items = node['items'];
  const list: ListDef = { list: compileSchemaNode(items, lookup) };
  const listType = node['x-kubernetes-list-type'];
  const strategy = node['x-kubernetes-patch-strategy'];
  const mergeKey = node['x-kubernetes-patch-merge-key'];
  if (listType === 'map') {
    list.t = 'map';
    list.k = Array.isArray(node['x-kubernetes-list-map-keys']) ? (node['x-kubernetes-list-map-keys'] as string[]) : [];
  } else if (listType === 'set') {
    list.t = 'set';
  } else if (listType === undefined && typeof strategy === 'string' && strategy.split(',').includes('merge')) {
    if (typeof mergeKey === 'string') {
      list.t = 'map';
      list.k = [mergeKey];
    } else {
      list.t = 'set';
    }
  }
  if (list.t === 'map' && list.k !== undefined) {
    const itemNode = resolveNode(items, lookup);
    const properties = itemNode?.['properties'];
    const defaults: Record<string, unknown> = {};
    for (const key of list.k) {
      const keyNode = isNode(properties) ? resolveNode(properties[key], lookup) : undefined;
      const value = keyNode?.['default'];
      if (value !== undefined && value !== null && typeof value !== 'object') defaults[key] = value;
    }
    if (Object.keys(defaults).length > 0) list.d = defaults;
  }
  return list;
}

function resolveNode(node: unknown, lookup: SchemaLookup): Node | undefined {
  if (!isNode(node)) return undefined;
  if (typeof node['$ref'] === 'string') return lookup(refName(node['$ref']));
  const allOf = node['allOf'];
  if (Array.isArray(allOf) && allOf.length === 1 && node['properties'] === undefined) {
    const inner = resolveNode(allOf[0], lookup);
    // A default beside the allOf applies to the referenced type.
    return node['default'] !== undefined && inner !== undefined ? { ...inner, default: node['default'] } : inner;
  }
  return node;
}

/** The named schemas of an OpenAPI v3 (`components.schemas`) or v2 (`definitions`) document. */
export function openApiSchemas(document: unknown): Record<string, Node> {
  if (!isNode(document)) return {};
  const components = document['components'];
  if (isNode(components) && isNode(components['schemas'])) return components['schemas'] as Record<string, Node>;
  if (isNode(document['definitions'])) return document['definitions'] as Record<string, Node>;
  return {};
}

/**
 * Compiles OpenAPI v2/v3 documents into compact definitions: every named schema, and every
 * `x-kubernetes-group-version-kind` as a kind rooted in its schema.
 *
 * @param namespaced - scope of each `group/version/Kind`, from discovery; when given, only kinds
 *   listed there are kept (the apiserver's documents also tag option types such as DeleteOptions).
 */
export function compileOpenApiDocuments(
  documents: readonly unknown[],
  namespaced?: ReadonlyMap<string, boolean>,
  kubernetesVersion?: string,
): SchemaDefinitions {
  const all: Record<string, Node> = {};
  for (const document of documents) Object.assign(all, openApiSchemas(document));
  const lookup: SchemaLookup = (name) => all[name];
  const result: SchemaDefinitions = { kinds: {}, types: {} };
  if (kubernetesVersion !== undefined) result.kubernetesVersion = kubernetesVersion;
  for (const [name, node] of Object.entries(all)) {
    result.types[name] = compileSchemaNode(node, lookup);
    const gvks = node['x-kubernetes-group-version-kind'];
    if (!Array.isArray(gvks)) continue;
    for (const gvk of gvks) {
      if (!isNode(gvk)) continue;
      const key = kindKey(String(gvk['group'] ?? ''), String(gvk['version'] ?? ''), String(gvk['kind'] ?? ''));
      if (namespaced === undefined) {
        result.kinds[key] = [name];
      } else if (namespaced.has(key)) {
        result.kinds[key] = [name, namespaced.get(key) ? 1 : 0];
      }
    }
  }
  return result;
}
