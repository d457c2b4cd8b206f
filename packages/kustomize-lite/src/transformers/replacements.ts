import { KustomizationFileError, TransformError } from '../errors.js';
import { findFieldLocations, setValueAt, splitDottedPath, valueAt } from '../field-path.js';
import { formatGoNumber, resolvePlainScalar } from '../go-yaml-scalars.js';
import { cloneJson, isJsonMap, type JsonMap, type JsonValue } from '../json.js';
import type { ResId, Resource } from '../resource.js';
import { matchesPattern, matchesSelector } from './target-selector.js';

interface ResourceSelector {
  group?: string;
  version?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  labelSelector?: string;
  annotationSelector?: string;
}

interface FieldOptions {
  delimiter?: string;
  index?: number;
  create?: boolean;
}

/** One replacement: copy a field of one object into fields of others. */
export interface Replacement {
  source?: ResourceSelector & { fieldPath?: string; options?: FieldOptions };
  targets?: { select?: ResourceSelector; reject?: ResourceSelector[]; fieldPaths?: string[]; options?: FieldOptions }[];
}

/** kustomize's replacement selection: each given part of the id as an anchored regex. */
function idSelectedBy(id: ResId, selector: ResourceSelector): boolean {
  return (
    matchesPattern(selector.group, id.group) &&
    matchesPattern(selector.version, id.version) &&
    matchesPattern(selector.kind, id.kind) &&
    matchesPattern(selector.name, id.name) &&
    matchesPattern(selector.namespace, id.namespace)
  );
}

function selectedByMetadata(resource: Resource, selector: ResourceSelector): boolean {
  if (selector.labelSelector !== undefined && selector.labelSelector !== '' && !matchesSelector(selector.labelSelector, resource.labels())) return false;
  if (selector.annotationSelector !== undefined && selector.annotationSelector !== '' && !matchesSelector(selector.annotationSelector, resource.annotations())) return false;
  return true;
}

function describeSelector(selector: ResourceSelector): string {
  return Object.entries(selector)
    .filter(([key, value]) => typeof value === 'string' && value !== '' && key !== 'fieldPath')
    .map(([key, value]) => `${key}=${value as string}`)
    .join(',');
}

function sourceValue(resources: readonly Resource[], replacement: Replacement): JsonValue {
  const source = replacement.source;
  if (source === undefined) throw new KustomizationFileError('replacement must specify a source');
  const matches = resources.filter((resource) => selectedByMetadata(resource, source) && resource.allIds().some((id) => idSelectedBy(id, source)));
  if (matches.length === 0) throw new TransformError(`nothing selected by ${describeSelector(source)}`);
  if (matches.length > 1) throw new TransformError(`multiple matches for selector ${describeSelector(source)}`);
  const resource = matches[0] as Resource;
  const fieldPath = source.fieldPath ?? 'metadata.name';
  const locations = findFieldLocations(resource.object, splitDottedPath(fieldPath), false);
  const value = locations[0] === undefined ? undefined : valueAt(locations[0]);
  if (value === undefined || value === null || (isJsonMap(value) && Object.keys(value).length === 0)) {
    throw new TransformError(`fieldPath \`${fieldPath}\` is missing for replacement source ${describeSelector(source)}`, { object: resource.describe() });
  }
  const options = source.options;
  if (options?.delimiter === undefined || options.delimiter === '') return value;
  if (typeof value === 'object') throw new TransformError('delimiter option can only be used with scalar nodes');
  const parts = String(value).split(options.delimiter);
  const index = options.index ?? 0;
  if (index < 0 || index >= parts.length) throw new TransformError(`options.index ${index} is out of bounds for value ${String(value)}`);
  return parts[index] as string;
}

/**
 * A scalar written into a scalar field: kustomize copies only the text and keeps the field's YAML
 * tag, so the text must read as the field's type (go-yaml's resolve(tag, text)); a map or list
 * replaces the field whole.
 *
 * @throws TransformError as kustomize fails then: `cannot decode !!str \`abc\` as a !!int`.
 */
function convertScalar(value: JsonValue, previous: JsonValue | undefined): JsonValue {
  if (typeof value === 'object' && value !== null) return cloneJson(value);
  if (previous === undefined || typeof previous === 'object') {
    if (previous === null) return intoTag(value, 'null');
    return value;
  }
  if (typeof previous === 'string') return value === null ? '' : String(value);
  if (typeof previous === 'number') return intoTag(value, Number.isInteger(previous) ? 'int' : 'float');
  return intoTag(value, 'bool');
}

function intoTag(value: JsonValue, tag: 'int' | 'float' | 'bool' | 'null'): JsonValue {
  const text = value === null ? '' : typeof value === 'number' ? formatGoNumber(value) : String(value);
  const resolved = resolvePlainScalar(text, 'v3');
  if (resolved.tag === tag || (tag === 'float' && resolved.tag === 'int')) return resolved.value;
  throw new TransformError(`cannot decode !!${resolved.tag} \`${text}\` as a !!${tag} (a replacement keeps the target field's type)`);
}

/**
 * Applies kustomize `replacements`: each source field's value is copied into the target fields
 * (with `delimiter`/`index` refinement and `create`), targets selected by id, labels and
 * annotations and filtered by `reject`.
 *
 * @throws TransformError when the source is missing or ambiguous, or a target field does not
 * exist and `create` is not set.
 */
export function applyReplacements(resources: readonly Resource[], replacements: readonly Replacement[]): void {
  for (const replacement of replacements) {
    const value = sourceValue(resources, replacement);
    for (const target of replacement.targets ?? []) {
      const select = target.select;
      if (select === undefined) throw new KustomizationFileError('target must specify resources to select');
      const fieldPaths = target.fieldPaths === undefined || target.fieldPaths.length === 0 ? ['metadata.name'] : target.fieldPaths;
      for (const resource of resources) {
        if (!selectedByMetadata(resource, select)) continue;
        const ids = resource.allIds();
        // selected by one of its ids; rejected when a reject selector matches any of them (kustomize's RejectsAny)
        if (!ids.some((id) => idSelectedBy(id, select))) continue;
        if ((target.reject ?? []).some((reject) => rejects(resource, ids, reject))) continue;
        for (const fieldPath of fieldPaths) {
          const create = target.options?.create === true;
          const locations = findFieldLocations(resource.object, splitDottedPath(fieldPath), create);
          if (locations.length === 0 && !(create && locations.blockedByNull === true)) {
            throw new TransformError(
              `${create ? `unable to find or create field "${fieldPath}"` : `unable to find field "${fieldPath}"`} in replacement target ${resource.describe()}`,
              { object: resource.describe(), file: resource.file },
            );
          }
          for (const location of locations) setValueAt(location, refine(valueAt(location), value, target.options));
        }
      }
    }
  }
}

function rejects(resource: Resource, ids: readonly ResId[], reject: ResourceSelector): boolean {
  const hasIdPart = ['group', 'version', 'kind', 'name', 'namespace'].some((key) => {
    const value = (reject as Record<string, unknown>)[key];
    return typeof value === 'string' && value !== '';
  });
  const hasMetadataPart = (reject.labelSelector ?? '') !== '' || (reject.annotationSelector ?? '') !== '';
  if (!hasIdPart && !hasMetadataPart) return false;
  if (hasIdPart && !ids.some((id) => idSelectedBy(id, reject))) return false;
  if (hasMetadataPart && !selectedByMetadata(resource, reject)) return false;
  return true;
}

function refine(previous: JsonValue | undefined, value: JsonValue, options: FieldOptions | undefined): JsonValue {
  if (options?.delimiter !== undefined && options.delimiter !== '') {
    if (typeof previous === 'object' && previous !== null) throw new TransformError('delimiter option can only be used with scalar nodes');
    const parts = previous === undefined || previous === null ? [''] : String(previous).split(options.delimiter);
    const index = options.index ?? 0;
    const text = value === null ? '' : String(value);
    if (index < 0) parts.unshift(text);
    else if (index >= parts.length) parts.push(text);
    else parts[index] = text;
    return convertScalar(parts.join(options.delimiter), previous);
  }
  return convertScalar(value, previous);
}

/**
 * Normalises the `replacements` list of a kustomization: inline entries as they are, `path:`
 * entries read from their file (one replacement or a list).
 */
export function toReplacements(values: readonly JsonValue[]): Replacement[] {
  return values.filter(isJsonMap).map((value) => value as JsonMap as Replacement);
}
