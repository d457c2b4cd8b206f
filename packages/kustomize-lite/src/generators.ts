import { posix } from 'node:path';
import { KustomizationFileError, TransformError } from './errors.js';
import { resolvePlainScalar } from './go-yaml-scalars.js';
import type { JsonMap } from './json.js';
import type { GeneratorArgs, GeneratorOptions } from './kustomization.js';
import type { Loader } from './load-restrictor.js';
import { Resource, type GeneratorBehavior } from './resource.js';

/** Which object a generator makes. */
export type GeneratedKind = 'ConfigMap' | 'Secret';

// a file's byte order mark is part of the data kustomize generates from it
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function unquote(value: string): string {
  if (value.length < 2 || value[0] !== value[value.length - 1]) return value;
  return value[0] === '"' || value[0] === "'" ? value.slice(1, -1) : value;
}

function parseLiteral(source: string, file: string): [string, string] {
  const equals = source.indexOf('=');
  if (equals <= 0) throw new KustomizationFileError(`${file}: invalid literal source ${source}, expected key=value`, { file });
  return [source.slice(0, equals), unquote(source.slice(equals + 1))];
}

function parseEnvFile(text: string, file: string): [string, string][] {
  const pairs: [string, string][] = [];
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  lines.forEach((rawLine, index) => {
    const line = rawLine.replace(/\r$/, '').replace(/^\s+/, '');
    if (line === '' || line.startsWith('#')) return;
    const equals = line.indexOf('=');
    const key = equals < 0 ? line : line.slice(0, equals);
    // kustomize v5 takes any key as written (`export X`, `2BAD`, a trailing space): the apiserver judges them
    if (key === '') throw new KustomizationFileError(`${file}:${index + 1}: a line has an empty key`, { file });
    // a line without `=` is a key with an empty value: kustomize v5 does not look it up in its environment
    pairs.push([key, equals < 0 ? '' : line.slice(equals + 1)]);
  });
  return pairs;
}

/** kustomize's Secret encoding: base64, wrapped at 70 characters (each line ending in a newline) once it is that long. */
function base64(bytes: Uint8Array | string): string {
  const encoded = Buffer.from(bytes).toString('base64');
  if (encoded.length < 70) return encoded;
  let wrapped = '';
  for (let index = 0; index < encoded.length; index += 70) wrapped += `${encoded.slice(index, index + 70)}\n`;
  return wrapped;
}

/**
 * Makes the ConfigMap or Secret a `configMapGenerator`/`secretGenerator` entry describes.
 *
 * @throws KustomizationFileError for bad literals, env lines, duplicate or invalid keys; the
 * loader's errors for files it may not or cannot read.
 */
export async function generate(
  kind: GeneratedKind,
  args: GeneratorArgs,
  defaults: GeneratorOptions | undefined,
  loader: Loader,
  file: string,
): Promise<Resource> {
  const name = args.name ?? '';
  if (name === '') throw new KustomizationFileError(`${file}: a ${kind} generator needs a name`, { file });
  const data: JsonMap = {};
  const binaryData: JsonMap = {};
  const add = (key: string, value: string | Uint8Array) => {
    if (resolvePlainScalar(key, 'v3').tag !== 'str') {
      // kustomize writes generated keys as plain YAML and reads them back: `null`, `true` or `1`
      // come back as a key that is not a string, which its JSON conversion cannot write
      throw new TransformError(`${file}: json: unsupported type: map[interface {}]interface {} (the ${kind} ${name} key "${key}" reads back as a ${resolvePlainScalar(key, 'v3').tag})`, { file });
    }
    if (key in data || key in binaryData) {
      throw new KustomizationFileError(`${file}: ${kind.toLowerCase()} ${name} illegally repeats the key \`${key}\``, { file });
    }
    if (kind === 'Secret') {
      data[key] = base64(value);
      return;
    }
    if (typeof value === 'string') {
      data[key] = value;
      return;
    }
    try {
      data[key] = utf8.decode(value);
    } catch {
      binaryData[key] = base64(value);
    }
  };
  const envFiles = [...(args.envs ?? []), ...(args.env !== undefined && args.env !== '' ? [args.env] : [])];
  for (const envFile of envFiles) {
    const loaded = await loader.readFile(envFile);
    for (const [key, value] of parseEnvFile(loaded.text, loader.display(loaded.path))) add(key, value);
  }
  for (const source of args.literals ?? []) {
    const [key, value] = parseLiteral(source, file);
    add(key, value);
  }
  for (const source of args.files ?? []) {
    const equals = source.indexOf('=');
    let key: string;
    let path: string;
    if (equals < 0) {
      path = source;
      key = posix.basename(source);
    } else {
      key = source.slice(0, equals);
      path = source.slice(equals + 1);
      if (key === '' || path === '') throw new KustomizationFileError(`${file}: key or file path is missing from '${source}'`, { file });
    }
    const loaded = await loader.readFile(path);
    add(key, loaded.bytes);
  }
  const options = mergeOptions(defaults, args.options);
  const metadata: JsonMap = { name };
  if (args.namespace !== undefined && args.namespace !== '') metadata['namespace'] = args.namespace;
  if (options.labels !== undefined && Object.keys(options.labels).length > 0) metadata['labels'] = { ...options.labels };
  if (options.annotations !== undefined && Object.keys(options.annotations).length > 0) metadata['annotations'] = { ...options.annotations };
  const object: JsonMap = { apiVersion: 'v1', kind, metadata };
  if (kind === 'Secret') object['type'] = args.type !== undefined && args.type !== '' ? args.type : 'Opaque';
  // kustomize's Secret generator always writes `data` (`data: {}` when empty); its ConfigMap generator only when there is some
  if (kind === 'Secret' || Object.keys(data).length > 0) object['data'] = data;
  if (Object.keys(binaryData).length > 0) object['binaryData'] = binaryData;
  if (options.immutable === true) object['immutable'] = true;
  const resource = new Resource(object, file);
  // kustomize's NewGenerationBehavior: anything but merge and replace (`add`, a typo) is create
  const behavior: GeneratorBehavior = args.behavior === 'merge' || args.behavior === 'replace' ? args.behavior : 'create';
  resource.generated = { behavior, hashSuffix: options.disableNameSuffixHash !== true };
  return resource;
}

/** kustomize's MergeGlobalOptionsIntoLocal: `generatorOptions` maps override the entry's; flags are or-ed. */
function mergeOptions(defaults: GeneratorOptions | undefined, own: GeneratorOptions | undefined): GeneratorOptions {
  return {
    labels: { ...(own?.labels ?? {}), ...(defaults?.labels ?? {}) },
    annotations: { ...(own?.annotations ?? {}), ...(defaults?.annotations ?? {}) },
    disableNameSuffixHash: defaults?.disableNameSuffixHash === true || own?.disableNameSuffixHash === true,
    immutable: defaults?.immutable === true || own?.immutable === true,
  };
}
