import { gvkSelected, imageFieldSpecs, visitFieldSpec, type FieldSpec } from './field-spec.js';
import { isJsonMap, type JsonMap, type JsonValue } from '../json.js';
import type { ImageEntry } from '../kustomization.js';
import type { Resource } from '../resource.js';

interface ParsedImage {
  name: string;
  tag: string;
  digest: string;
}

function parseImage(image: string): ParsedImage {
  let name = image;
  let digest = '';
  let tag = '';
  const at = name.indexOf('@');
  if (at >= 0) {
    digest = name.slice(at + 1);
    name = name.slice(0, at);
  }
  const colon = name.lastIndexOf(':');
  if (colon > name.lastIndexOf('/')) {
    tag = name.slice(colon + 1);
    name = name.slice(0, colon);
  }
  return { name, tag, digest };
}

function rewriteImage(image: string, entry: ImageEntry): string | undefined {
  const parsed = parseImage(image);
  if (parsed.name !== entry.name) return undefined;
  let { name, tag, digest } = parsed;
  if (entry.newName !== undefined && entry.newName !== '') name = entry.newName;
  if (entry.newTag !== undefined && entry.newTag !== '') {
    tag = entry.newTag;
    digest = '';
  }
  if (entry.digest !== undefined && entry.digest !== '') {
    digest = entry.digest;
    tag = '';
  }
  if (entry.tagSuffix !== undefined && entry.tagSuffix !== '') tag = `${tag}${entry.tagSuffix}`;
  return `${name}${tag === '' ? '' : `:${tag}`}${digest === '' ? '' : `@${digest}`}`;
}

function rewriteContainers(node: JsonValue, entry: ImageEntry): void {
  if (Array.isArray(node)) {
    for (const item of node) rewriteContainers(item, entry);
    return;
  }
  if (!isJsonMap(node)) return;
  for (const [key, value] of Object.entries(node)) {
    if ((key === 'containers' || key === 'initContainers') && Array.isArray(value)) {
      for (const container of value) {
        if (!isJsonMap(container)) continue;
        const image = container['image'];
        if (typeof image !== 'string') continue;
        const rewritten = rewriteImage(image, entry);
        if (rewritten !== undefined) container['image'] = rewritten;
      }
    }
    rewriteContainers(value, entry);
  }
}

/**
 * Rewrites container images by name: `newName`, `newTag`, `digest`, `tagSuffix`.
 *
 * @remarks Every `containers`/`initContainers` list anywhere in an object is considered, plus the
 * fields of `fieldSpecs` (kustomize's legacy walk and its field-spec pass).
 */
export function transformImages(resources: readonly Resource[], entries: readonly ImageEntry[], fieldSpecs: readonly FieldSpec[] = imageFieldSpecs): void {
  for (const entry of entries) {
    for (const resource of resources) {
      rewriteContainers(resource.object, entry);
      const gvk = resource.gvk();
      for (const spec of fieldSpecs) {
        if (!gvkSelected(spec, gvk)) continue;
        visitFieldSpec(resource.object, { ...spec, create: false }, 'none', (parent: JsonMap, key) => {
          const image = parent[key];
          if (typeof image !== 'string') return;
          const rewritten = rewriteImage(image, entry);
          if (rewritten !== undefined) parent[key] = rewritten;
        }, () => resource.describe());
      }
    }
  }
}
