import { ResourceConflictError } from './errors.js';
import { isJsonMap, type JsonMap, type JsonValue } from './json.js';
import { formatId, idKey, sameId, type ResId, type Resource } from './resource.js';

/**
 * Appends `resource`, refusing a second object with the same current id (kustomize's
 * "may not add resource with an already registered id").
 *
 * @throws ResourceConflictError naming both origins.
 */
export function appendResource(resources: Resource[], resource: Resource): void {
  appendResources(resources, [resource]);
}

/**
 * Appends several resources at once (one pass over the existing ones).
 *
 * @throws ResourceConflictError as {@link appendResource}.
 */
export function appendResources(resources: Resource[], added: readonly Resource[]): void {
  const known = new Map<string, Resource>();
  for (const existing of resources) known.set(idKey(existing.currentId()), existing);
  for (const resource of added) {
    const id = resource.currentId();
    const key = idKey(id);
    const existing = known.get(key);
    if (existing !== undefined) {
      throw new ResourceConflictError(
        `may not add resource with an already registered id: ${formatId(id)} (from ${resource.file}; already added from ${existing.file})`,
        { object: resource.describe(), file: resource.file },
      );
    }
    known.set(key, resource);
    resources.push(resource);
  }
}

/**
 * Throws when two resources share a current id.
 *
 * @throws ResourceConflictError naming the id.
 */
export function assertUniqueIds(resources: readonly Resource[], message: string): void {
  const seen = new Set<string>();
  for (const resource of resources) {
    const key = idKey(resource.currentId());
    if (seen.has(key)) throw new ResourceConflictError(`${message}: ${formatId(resource.currentId())}`, { object: resource.describe(), file: resource.file });
    seen.add(key);
  }
}

/** Resources any of whose ids (original, intermediate or current) equals `id`. */
export function matchAnyId(resources: readonly Resource[], id: ResId): Resource[] {
  return resources.filter(
    (resource) => (resource.name === id.name || resource.previousIds.some((previous) => previous.name === id.name)) && resource.allIds().some((candidate) => sameId(candidate, id)),
  );
}

function mergeStringMaps(base: JsonMap | undefined, overrides: JsonMap | undefined): JsonMap | undefined {
  if (base === undefined && overrides === undefined) return undefined;
  return { ...(base ?? {}), ...(overrides ?? {}) };
}

/**
 * A Secret's `data` with its `stringData` folded in, base64-encoded (kustomize's
 * normalizeSecretStringData, done when a generator merges into the Secret).
 *
 * @throws ResourceConflictError when a stringData value is not a scalar.
 */
function secretDataWithStringData(secret: Resource, id: ResId): JsonValue | undefined {
  const stringData = secret.object['stringData'];
  if (!isJsonMap(stringData)) return secret.object['data'];
  const data: JsonMap = isJsonMap(secret.object['data']) ? { ...secret.object['data'] } : {};
  for (const [key, value] of Object.entries(stringData)) {
    if (typeof value === 'object' && value !== null) {
      throw new ResourceConflictError(`failed to normalize stringData for ${formatId(id)}: read stringData: stringData value for key "${key}" must be a scalar`, {
        object: secret.describe(),
        file: secret.file,
      });
    }
    data[key] = Buffer.from(value === null ? '' : String(value), 'utf8').toString('base64');
  }
  return data;
}

/**
 * Adds a generated object, honouring its behavior: `create` appends, `merge` folds its data into
 * the existing object of the same id, `replace` swaps it in (labels and annotations merged, the
 * existing object's name, namespace and history kept).
 *
 * @throws ResourceConflictError when the behavior does not fit what exists.
 */
export function absorbGenerated(resources: Resource[], generated: Resource): void {
  const id = generated.currentId();
  const behavior = generated.generated?.behavior ?? 'create';
  const matches = matchAnyId(resources, id);
  if (matches.length === 0) {
    if (behavior !== 'create') {
      throw new ResourceConflictError(`id ${formatId(id)} does not exist; cannot merge or replace`, { object: generated.describe(), file: generated.file });
    }
    appendResource(resources, generated);
    return;
  }
  if (matches.length > 1) {
    throw new ResourceConflictError(`found multiple objects that could accept merge of ${formatId(id)}`, { object: generated.describe(), file: generated.file });
  }
  const existing = matches[0] as Resource;
  if (behavior === 'create') {
    throw new ResourceConflictError(`id ${formatId(id)} exists; behavior must be merge or replace`, { object: generated.describe(), file: generated.file });
  }
  const merged = generated.clone();
  const metadata = merged.metadata;
  const labels = mergeStringMaps(existing.labels(), merged.labels());
  if (labels !== undefined) metadata['labels'] = labels;
  const annotations = mergeStringMaps(existing.annotations(), merged.annotations());
  if (annotations !== undefined) metadata['annotations'] = annotations;
  merged.setName(existing.name);
  if (existing.namespace === '') delete metadata['namespace'];
  else merged.setNamespace(existing.namespace);
  if (behavior === 'merge') {
    // kustomize merges a Secret generator into the existing Secret's data as the API server would
    // store it: its stringData base64-encoded into data (stringData winning), then dropped.
    const existingData = merged.apiVersion === 'v1' && merged.kind === 'Secret' ? secretDataWithStringData(existing, id) : existing.object['data'];
    for (const field of ['data', 'binaryData'] as const) {
      const own = field === 'data' ? existingData : existing.object[field];
      const combined = mergeStringMaps(
        isJsonMap(own) ? own : undefined,
        isJsonMap(merged.object[field]) ? (merged.object[field] as JsonMap) : undefined,
      );
      if (combined !== undefined) merged.object[field] = combined;
    }
    merged.origin = existing.origin ?? merged.origin;
  }
  merged.previousIds = [...existing.previousIds];
  merged.prefixes = [...existing.prefixes];
  merged.suffixes = [...existing.suffixes];
  // a hash suffix only when the existing object is a hashed generated one and the merging
  // generator does not disable it
  merged.generated = { behavior: 'create', hashSuffix: existing.generated?.hashSuffix === true && generated.generated?.hashSuffix === true };
  merged.varsUsed = new Set(existing.varsUsed);
  resources[resources.indexOf(existing)] = merged;
}
