import fastJsonPatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { applyStrategicMergePatch, type MergeSchemaRegistry } from '@weft/merge';
import { KustomizationFileError, TransformError } from '../errors.js';
import { isJsonMap, type JsonMap, type JsonValue } from '../json.js';
import type { TargetSelector } from '../kustomization.js';
import { parseManifests, parseYamlDocuments } from '../manifest-yaml.js';
import { matchAnyId } from '../resource-map.js';
import { formatId, Resource } from '../resource.js';
import { selectResources } from './target-selector.js';
import { restoreKyamlListOrder } from '../kyaml-list-order.js';
import type { LinkedValues } from '../linked-values.js';

/** A parsed patch: strategic merge documents, or a JSON 6902 operation list. */
export type ParsedPatch = { readonly type: 'strategic'; readonly documents: JsonMap[] } | { readonly type: 'json6902'; readonly operations: Operation[] };

/** What kustomize lets a patch change besides content. */
export interface PatchOptions {
  readonly allowNameChange?: boolean;
  readonly allowKindChange?: boolean;
}

/**
 * Tells a strategic merge patch from a JSON 6902 patch, as kustomize does (a YAML/JSON list of
 * operations is JSON 6902; maps are strategic merge documents). Empty text yields no documents.
 *
 * @throws KustomizationFileError when the text is neither.
 */
export function parsePatch(text: string, file: string): ParsedPatch {
  // kustomize reads JSON patch operations through sigs.k8s.io/yaml, strategic merge patches through kyaml
  const values = parseYamlDocuments(text, file, { reader: 'sigs-yaml' });
  if (values.length === 1 && Array.isArray(values[0])) return { type: 'json6902', operations: toOperations(values[0], file) };
  if (values.every(isJsonMap)) return { type: 'strategic', documents: parseManifests(text, file) };
  throw new KustomizationFileError(`unable to parse SM or JSON patch from ${file}`, { file });
}

/**
 * Parses a JSON 6902 patch (JSON or YAML list of operations).
 *
 * @throws KustomizationFileError for anything else.
 */
export function parseJson6902(text: string, file: string): Operation[] {
  const values = parseYamlDocuments(text, file, { reader: 'sigs-yaml' });
  if (values.length === 0) return [];
  if (values.length !== 1 || !Array.isArray(values[0])) throw new KustomizationFileError(`${file}: a JSON 6902 patch must be a list of operations`, { file });
  return toOperations(values[0], file);
}

function toOperations(list: JsonValue[], file: string): Operation[] {
  return list.map((operation) => {
    if (!isJsonMap(operation) || typeof operation['op'] !== 'string' || typeof operation['path'] !== 'string') {
      throw new KustomizationFileError(`${file}: invalid JSON patch operation ${JSON.stringify(operation)}`, { file });
    }
    return operation as unknown as Operation;
  });
}

/** Applies one strategic merge patch document to `resource`; returns false when the patch deleted the object. */
function patchResource(resource: Resource, patch: JsonMap, options: PatchOptions, registry: MergeSchemaRegistry, links: LinkedValues | undefined): boolean {
  const name = resource.name;
  const namespace = resource.namespace;
  const kind = resource.kind;
  if (options.allowNameChange === true || options.allowKindChange === true) resource.rememberId();
  const document: JsonMap = { ...patch, apiVersion: resource.apiVersion };
  if (typeof patch['kind'] === 'string') document['kind'] = patch['kind'];
  let patched: JsonMap;
  try {
    patched = applyStrategicMergePatch(resource.object, document, { registry, gvk: resource.gvk() }) as JsonMap;
    if (patched !== null) patched = restoreKyamlListOrder(resource.object, document, patched, registry, resource.gvk());
  } catch (error) {
    throw new TransformError(`applying strategic merge patch to ${resource.describe()}: ${(error as Error).message}`, {
      object: resource.describe(),
      file: resource.file,
      cause: error,
    });
  }
  if (patched === null || Object.keys(patched).length === 0) return false;
  links?.transfer(resource.object, patched);
  resource.object = patched;
  if (options.allowKindChange !== true) resource.object['kind'] = kind;
  if (options.allowNameChange !== true) resource.setName(name);
  if (namespace === '') {
    if (isJsonMap(resource.object['metadata'])) delete resource.object['metadata']['namespace'];
  } else resource.setNamespace(namespace);
  return true;
}

function patchIdOf(patch: JsonMap, file: string): Resource {
  return new Resource(patch, file);
}

/**
 * Applies strategic merge patch documents: with a `target`, to every selected object; without,
 * to the one object whose (original or current) id matches the patch's.
 *
 * @throws TransformError when a target-less patch matches no object or several.
 */
export function applyStrategicPatches(
  resources: Resource[],
  documents: readonly JsonMap[],
  target: TargetSelector | undefined,
  options: PatchOptions,
  registry: MergeSchemaRegistry,
  file: string,
  links?: LinkedValues,
): void {
  for (const document of documents) {
    let selected: Resource[];
    if (target === undefined) {
      const id = patchIdOf(document, file).currentId();
      const matches = matchAnyId(resources, id);
      if (matches.length !== 1) {
        const reason = matches.length === 0 ? `no matches for Id ${formatId(id)}` : `multiple matches for Id ${formatId(id)}`;
        throw new TransformError(`${reason}; failed to find unique target for patch ${formatId(id)} (patch from ${file})`, { object: formatId(id), file });
      }
      selected = matches;
    } else {
      selected = selectResources(resources, target);
    }
    for (const resource of selected) {
      if (!patchResource(resource, document, options, registry, links)) resources.splice(resources.indexOf(resource), 1);
    }
  }
}

/**
 * Applies a JSON 6902 patch to every object the target selects (remembering ids, so a rename by
 * patch is followed by references).
 *
 * @throws TransformError when an operation fails (missing path for `replace`/`remove`, failed `test`).
 */
export function applyJson6902Patch(resources: readonly Resource[], operations: readonly Operation[], target: TargetSelector, file: string): void {
  if (operations.length === 0) return;
  for (const resource of selectResources(resources, target)) {
    resource.rememberId();
    try {
      const result = fastJsonPatch.applyPatch(resource.object, structuredClone(operations as Operation[]), true, false);
      resource.object = result.newDocument as JsonMap;
    } catch (error) {
      throw new TransformError(`failed to apply JSON patch from ${file} to ${resource.describe()}: ${(error as Error).message.split('\n')[0]}`, {
        object: resource.describe(),
        file,
        cause: error,
      });
    }
  }
}
