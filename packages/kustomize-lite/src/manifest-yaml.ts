import { parseAllDocuments, stringify, YAMLParseError } from 'yaml';
import { YamlSyntaxError } from './errors.js';
import { isJsonObject, type JsonObject, type JsonValue } from './json.js';

/**
 * Parses a multi-document YAML stream into its documents (empty documents dropped).
 *
 * @throws YamlSyntaxError naming the file and line.
 */
export function parseYamlDocuments(text: string, file: string, options: { uniqueKeys?: boolean; version?: '1.1' | '1.2' } = {}): JsonValue[] {
  const cacheKey = `${options.version ?? '1.2'}${options.uniqueKeys === false ? 'd' : 'u'}\u0000${text}`;
  const cached = parsedDocuments.get(cacheKey);
  if (cached !== undefined) {
    // most recently used last
    parsedDocuments.delete(cacheKey);
    parsedDocuments.set(cacheKey, cached);
    return structuredClone(cached);
  }
  const values = parseUncached(text, file, options);
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

function remember(key: string, values: JsonValue[]): void {
  if (key.length > cacheLimitChars / 4) return;
  parsedDocuments.set(key, values);
  cachedChars += key.length;
  for (const [oldest] of parsedDocuments) {
    if (cachedChars <= cacheLimitChars) break;
    parsedDocuments.delete(oldest);
    cachedChars -= oldest.length;
  }
}

function parseUncached(text: string, file: string, options: { uniqueKeys?: boolean; version?: '1.1' | '1.2' }): JsonValue[] {
  const documents = parseAllDocuments(text, { prettyErrors: false, merge: true, uniqueKeys: options.uniqueKeys ?? true, version: options.version ?? '1.2' });
  const values: JsonValue[] = [];
  for (const document of documents) {
    const error = document.errors[0];
    if (error !== undefined) throw syntaxError(error, file, text);
    const value = document.toJS({ maxAliasCount: 1000 }) as JsonValue | undefined;
    if (value === null || value === undefined) continue;
    values.push(value);
  }
  return values;
}

/**
 * Parses a manifest file into Kubernetes objects, expanding `kind: List` documents into their items.
 *
 * @throws YamlSyntaxError for bad YAML or a document that is not an object.
 */
export function parseManifests(text: string, file: string): JsonObject[] {
  const objects: JsonObject[] = [];
  for (const value of parseYamlDocuments(text, file)) {
    if (!isJsonObject(value)) {
      throw new YamlSyntaxError(`${file}: a manifest document must be a map, got ${Array.isArray(value) ? 'a list' : typeof value}`, { file });
    }
    if (isListKind(value)) {
      for (const item of value['items'] as JsonValue[]) {
        if (!isJsonObject(item)) throw new YamlSyntaxError(`${file}: List items must be maps`, { file });
        objects.push(item);
      }
      continue;
    }
    objects.push(value);
  }
  return objects;
}

function isListKind(value: JsonObject): boolean {
  const kind = value['kind'];
  return typeof kind === 'string' && kind.endsWith('List') && Array.isArray(value['items']) && !('spec' in value);
}

function syntaxError(error: YAMLParseError, file: string, text: string): YamlSyntaxError {
  let position = error.linePos?.[0];
  if (position === undefined && error.pos !== undefined) {
    const before = text.slice(0, error.pos[0]);
    const lineStart = before.lastIndexOf('\n') + 1;
    position = { line: before.split('\n').length, col: error.pos[0] - lineStart + 1 };
  }
  const line = position?.line;
  const where = position === undefined ? file : `${file}:${position.line}:${position.col}`;
  const reason = error.message.split('\n')[0] ?? error.message;
  return new YamlSyntaxError(`${where}: invalid YAML: ${reason}`, { file, ...(line === undefined ? {} : { line }) });
}

/**
 * Renders objects as a multi-document YAML stream, keys sorted as `kustomize build` prints them.
 *
 * @remarks
 * Documents are separated by `---`; strings that would read as another type are quoted. The
 * output parses back to the same objects (it is not byte-identical to kustomize's text).
 *
 * @throws never for JSON values.
 *
 * @example
 * ```ts
 * process.stdout.write(toYamlStream(await build('overlays/prod', { fs: nodeFs() })));
 * ```
 */
export function toYamlStream(objects: readonly JsonObject[]): string {
  return objects.map((object) => stringify(object, { sortMapEntries: true, lineWidth: 0, aliasDuplicateObjects: false })).join('---\n');
}
