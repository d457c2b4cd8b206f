import type { JsonObject } from '@weft/merge';
import { YamlSyntaxError } from './errors.js';
import { isJsonMap, type JsonMap, type JsonValue } from './json.js';
import { decodeYamlStream, type YamlDecodeOptions } from './yaml-decode.js';
import { encodeYamlDocument } from './yaml-encode.js';

/**
 * Which of kustomize's YAML readers a file goes through: `kyaml` (go-yaml v3; resources, strategic
 * merge patches, OpenAPI documents) or `sigs-yaml` (sigs.k8s.io/yaml, go-yaml v2 and YAML 1.1;
 * kustomization files, replacement files, transformer configurations, plugin configs, JSON patches).
 */
export type YamlReader = 'kyaml' | 'sigs-yaml';

const readerOptions: Record<YamlReader, YamlDecodeOptions> = {
  kyaml: { version: 'v3', duplicateKeys: 'error' },
  'sigs-yaml': { version: 'v2', duplicateKeys: 'last-wins' },
};

/**
 * Parses a multi-document YAML stream into its documents (empty documents dropped), reading
 * scalars as kustomize's reader for that kind of file does.
 *
 * @throws YamlSyntaxError naming the file and line.
 */
export function parseYamlDocuments(text: string, file: string, options: { reader?: YamlReader } = {}): JsonValue[] {
  const reader = options.reader ?? 'kyaml';
  // a large file is parsed once, without a cache key (a copy of its text) or a copy of its objects
  if (text.length > cacheLimitChars / 4) return decodeYamlStream(text, file, readerOptions[reader]);
  const cacheKey = `${reader}\u0000${text}`;
  const cached = parsedDocuments.get(cacheKey);
  if (cached !== undefined) {
    // most recently used last
    parsedDocuments.delete(cacheKey);
    parsedDocuments.set(cacheKey, cached);
    return structuredClone(cached);
  }
  const values = decodeYamlStream(text, file, readerOptions[reader]);
  remember(cacheKey, values);
  return structuredClone(values);
}

/**
 * Parsed documents by text: a reconciler rebuilding a revision whose files did not change skips
 * the YAML parser (the slowest stage). Bounded by total text size; callers get copies.
 */
const parsedDocuments = new Map<string, JsonValue[]>();
const cacheLimitChars = 32 * 1024 * 1024;
let cachedChars = 0;

/** Empties the parsed-document cache: the CLI's build server starts each build from none. */
export function forgetParsedDocuments(): void {
  parsedDocuments.clear();
  cachedChars = 0;
}

function remember(key: string, values: JsonValue[]): void {
  parsedDocuments.set(key, values);
  cachedChars += key.length;
  for (const [oldest] of parsedDocuments) {
    if (cachedChars <= cacheLimitChars) break;
    parsedDocuments.delete(oldest);
    cachedChars -= oldest.length;
  }
}

/**
 * Parses a manifest file into Kubernetes objects, expanding `kind: List` documents into their items.
 *
 * @throws YamlSyntaxError for bad YAML or a document that is not an object.
 */
export function parseManifests(text: string, file: string): JsonMap[] {
  const objects: JsonMap[] = [];
  for (const value of parseYamlDocuments(text, file)) {
    if (!isJsonMap(value)) {
      throw new YamlSyntaxError(`${file}: a manifest document must be a map, got ${Array.isArray(value) ? 'a list' : typeof value}`, { file });
    }
    if (isListKind(value)) {
      for (const item of value['items'] as JsonValue[]) {
        if (!isJsonMap(item)) throw new YamlSyntaxError(`${file}: List items must be maps`, { file });
        objects.push(item);
      }
      continue;
    }
    objects.push(value);
  }
  return objects;
}

function isListKind(value: JsonMap): boolean {
  const kind = value['kind'];
  return typeof kind === 'string' && kind.endsWith('List') && Array.isArray(value['items']) && !('spec' in value);
}

/**
 * Renders objects as a multi-document YAML stream, as `kustomize build` prints them.
 *
 * @remarks
 * sigs.k8s.io/yaml's text, document by document, separated by `---`: keys in go-yaml's order,
 * strings a YAML 1.1 reader (kubectl) would take for another type double-quoted (`"yes"`,
 * `"0755"`, `"2024-01-01"`), multi-line strings as literal blocks, long lines folded at 80
 * columns. kubectl reads back exactly the objects given.
 *
 * @throws never for JSON values.
 *
 * @example
 * ```ts
 * import { build, nodeFs, toYamlStream } from '@weft/kustomize-lite';
 *
 * process.stdout.write(toYamlStream(await build('overlays/prod', { fs: nodeFs() })));
 * ```
 */
export function toYamlStream(objects: readonly JsonObject[]): string {
  // Built objects are JSON values; `@weft/merge`'s looser JsonObject is taken for them too.
  return objects.map((object) => encodeYamlDocument(object as JsonMap)).join('---\n');
}
