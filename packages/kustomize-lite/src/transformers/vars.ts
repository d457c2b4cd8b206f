import { ResourceConflictError, TransformError } from '../errors.js';
import { gvkSelected, visitFieldSpec, type FieldSpec } from './field-spec.js';
import { lookupDottedPath } from '../field-path.js';
import { isJsonMap, type JsonValue } from '../json.js';
import type { VarEntry } from '../kustomization.js';
import { isClusterScoped, splitApiVersion, type Resource } from '../resource.js';

function varGvk(entry: VarEntry): { group: string; version: string; kind: string } {
  const objref = entry.objref;
  if (objref.apiVersion !== undefined && objref.apiVersion !== '') return { ...splitApiVersion(objref.apiVersion), kind: objref.kind ?? '' };
  return { group: objref.group ?? '', version: objref.version ?? '', kind: objref.kind ?? '' };
}

/**
 * Binds each var to the object its `objref` names (kustomize's MergeVars), marking that object.
 *
 * @throws ResourceConflictError when a var names several objects or is declared twice.
 */
export function bindVars(resources: readonly Resource[], declared: VarEntry[], incoming: readonly VarEntry[]): void {
  for (const entry of incoming) {
    if (declared.some((existing) => existing.name === entry.name)) throw new ResourceConflictError(`var '${entry.name}' already encountered`);
    const gvk = varGvk(entry);
    const namespace = entry.objref.namespace ?? '';
    const useNamespace = namespace !== '' || isClusterScoped(gvk);
    const matched = resources.filter((resource) =>
      resource.allIds().some(
        (id) => gvkSelected(gvk, id) && id.name === (entry.objref.name ?? '') && (!useNamespace || (id.namespace === '' ? 'default' : id.namespace) === (namespace === '' ? 'default' : namespace)),
      ),
    );
    if (matched.length > 1) {
      throw new ResourceConflictError(`found ${matched.length} resId matches for var ${entry.name} (unable to disambiguate)`);
    }
    matched[0]?.varsUsed.add(entry.name);
    declared.push(entry);
  }
}

/** Merges vars collected from a base into the current level. */
export function mergeVarSets(declared: VarEntry[], incoming: readonly VarEntry[]): void {
  for (const entry of incoming) {
    if (declared.some((existing) => existing.name === entry.name)) throw new ResourceConflictError(`var '${entry.name}' already encountered`);
    declared.push(entry);
  }
}

function expand(text: string, values: ReadonlyMap<string, JsonValue>): JsonValue {
  const whole = text.match(/^\$\(([^)]*)\)$/);
  if (whole !== null && values.has(whole[1] as string)) return values.get(whole[1] as string) as JsonValue;
  let result = '';
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (char === '$' && index + 1 < text.length) {
      const next = text[index + 1];
      if (next === '$') {
        result += '$';
        index++;
        continue;
      }
      if (next === '(') {
        const close = text.indexOf(')', index + 2);
        if (close >= 0) {
          const name = text.slice(index + 2, close);
          if (values.has(name)) {
            const value = values.get(name);
            result += typeof value === 'object' ? JSON.stringify(value) : String(value);
          } else result += `$(${name})`;
          index = close;
          continue;
        }
      }
    }
    result += char;
  }
  return result;
}

function expandValue(value: JsonValue, values: ReadonlyMap<string, JsonValue>): JsonValue {
  if (typeof value === 'string') return expand(value, values);
  if (Array.isArray(value)) return value.map((item) => (typeof item === 'string' ? expand(item, values) : item));
  if (isJsonMap(value)) {
    for (const [key, item] of Object.entries(value)) if (typeof item === 'string') value[key] = expand(item, values);
    return value;
  }
  return value;
}

/**
 * Replaces `$(VAR)` in the var-reference fields with each var's value (kustomize's ResolveVars).
 *
 * @throws TransformError when a var's object or field cannot be found.
 */
export function resolveVars(resources: readonly Resource[], declared: readonly VarEntry[], varReference: readonly FieldSpec[]): void {
  if (declared.length === 0) return;
  const values = new Map<string, JsonValue>();
  for (const entry of declared) {
    const resource = resources.find((candidate) => candidate.varsUsed.has(entry.name));
    if (resource === undefined) throw new TransformError(`var '${entry.name}' cannot be mapped to a field in the set of known resources`);
    const fieldPath = entry.fieldref?.fieldpath ?? 'metadata.name';
    const value = lookupDottedPath(resource.object, fieldPath === '' ? 'metadata.name' : fieldPath);
    if (value === undefined) throw new TransformError(`field specified in var '${entry.name}' not found in corresponding resource ${resource.describe()}`, { object: resource.describe() });
    values.set(entry.name, value);
  }
  for (const resource of resources) {
    const gvk = resource.gvk();
    for (const spec of varReference) {
      if (!gvkSelected(spec, gvk)) continue;
      visitFieldSpec(resource.object, { ...spec, create: false }, 'none', (parent, key) => {
        const value = parent[key];
        if (value !== undefined && value !== null) parent[key] = expandValue(value, values);
      }, () => resource.describe());
    }
  }
}
