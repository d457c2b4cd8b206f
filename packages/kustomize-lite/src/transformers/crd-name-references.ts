import type { NameReferenceRule } from './field-spec.js';
import { isJsonMap, type JsonMap, type JsonValue } from '../json.js';
import { splitApiVersion } from '../resource.js';

/**
 * The name-reference rules a kustomize `crds:` file declares: OpenAPI definitions (keyed by Go
 * type name, each `{Schema, Dependencies}`) whose properties carry
 * `x-kubernetes-object-ref-kind` / `x-kubernetes-object-ref-api-version`.
 *
 * @remarks A property marked so refers to an object of that kind by its `name` field.
 */
export function crdNameReferences(document: JsonValue): NameReferenceRule[] {
  if (!isJsonMap(document)) return [];
  const rules: NameReferenceRule[] = [];
  const propertiesOf = (definition: string): JsonMap | undefined => {
    const entry = document[definition];
    if (!isJsonMap(entry)) return undefined;
    const schema = isJsonMap(entry['Schema']) ? entry['Schema'] : entry;
    return isJsonMap(schema['properties']) ? schema['properties'] : undefined;
  };
  for (const definition of Object.keys(document)) {
    const properties = propertiesOf(definition);
    if (properties === undefined || !('kind' in properties) || !('apiVersion' in properties)) continue;
    const kind = definition.slice(definition.lastIndexOf('.') + 1);
    const walk = (props: JsonMap, path: string[], seen: Set<string>): void => {
      for (const [name, property] of Object.entries(props)) {
        if (!isJsonMap(property)) continue;
        const refKind = property['x-kubernetes-object-ref-kind'];
        if (typeof refKind === 'string') {
          const apiVersion = typeof property['x-kubernetes-object-ref-api-version'] === 'string' ? property['x-kubernetes-object-ref-api-version'] : '';
          const { group, version } = splitApiVersion(apiVersion);
          const target: { kind: string; group?: string; version?: string } = { kind: refKind };
          if (group !== '') target.group = group;
          if (version !== '') target.version = version;
          rules.push({ target, fieldSpecs: [{ kind, path: [...path, name, 'name'].join('/') }] });
          continue;
        }
        const ref = property['$ref'];
        if (typeof ref === 'string' && !seen.has(ref)) {
          const nested = propertiesOf(ref);
          if (nested !== undefined) walk(nested, [...path, name], new Set([...seen, ref]));
        }
      }
    };
    walk(properties, [], new Set([definition]));
  }
  return rules;
}
