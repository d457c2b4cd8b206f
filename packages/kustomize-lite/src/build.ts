import { posix } from 'node:path';
import { stringify } from 'yaml';
import { MergeSchemaRegistry } from '@weft/merge';
import { BuildAbortedError, KustomizationFileError, MissingFileError, UnsupportedFeatureError } from './errors.js';
import { nodeFs, type KustomizeFs } from './file-system.js';
import { generate } from './generators.js';
import { formatGoNumber } from './go-yaml-scalars.js';
import { contentHash } from './hash-suffix.js';
import { isJsonMap, type JsonMap } from './json.js';
import { isRemoteReference, loadKustomization, type Kustomization, type VarEntry } from './kustomization.js';
import { LinkedValues } from './linked-values.js';
import { Loader, type LoadRestrictor, type LoadSession } from './load-restrictor.js';
import { parseManifests, parseYamlDocuments } from './manifest-yaml.js';
import { fixNameReferences } from './transformers/name-references.js';
import { absorbGenerated, appendResources } from './resource-map.js';
import { Resource } from './resource.js';
import { chooseOrder, sortLegacy } from './sort.js';
import { runBuiltinTransformers, runTransformerConfigs, type TransformContext } from './transformers/stage.js';
import { crdNameReferences } from './transformers/crd-name-references.js';
import { defaultTransformerConfig, emptyTransformerConfig, mergeTransformerConfig, parseTransformerConfig, type TransformerConfig } from './transformers/config.js';
import { bindVars, mergeVarSets, resolveVars } from './transformers/vars.js';
import { generatorConfigs } from './transformers/plugin-configs.js';

/** Options of {@link build}. */
export interface BuildOptions {
  /** Where files are read from. @defaultValue {@link nodeFs} */
  readonly fs?: KustomizeFs;
  /** `LoadRestrictionsRootOnly` (default) refuses files outside each kustomization root. */
  readonly loadRestrictor?: LoadRestrictor;
  /**
   * `legacy` sorts as `kustomize build` does by default; `none` keeps input order. When unset, the
   * kustomization's `sortOptions` decide, else legacy.
   */
  readonly reorder?: 'legacy' | 'none';
  /** Upper bound on bytes read in one build. @defaultValue 64 MiB */
  readonly maxInputBytes?: number;
  /** Cancels the build; it then rejects with {@link BuildAbortedError}. */
  readonly signal?: AbortSignal;
}

/** One object of a build's output with the file it came from. */
export interface BuiltObject {
  readonly object: JsonMap;
  /** The file (relative to the build directory) that defined or generated the object. */
  readonly file: string;
}

/** The state a kustomization level accumulates: resources, field-spec config and vars. */
interface Accumulator {
  resources: Resource[];
  config: TransformerConfig;
  vars: VarEntry[];
}

interface BuildSession extends LoadSession {
  registry: MergeSchemaRegistry;
  /** Whether a kustomization's `openapi:` chose the schema (the first one to do so wins, as in kustomize). */
  openApiChosen: boolean;
  /**
   * Whether kustomize would have parsed its built-in schema by now: it does so the first time it
   * meets an object of a kind outside its precomputed table (a custom resource). A custom schema
   * set after that is layered over the built-in one; set before, it stands alone.
   */
  builtinSchemaParsed: boolean;
  readonly links: LinkedValues;
  /** buildMetadata of the top kustomization: origin and transformer annotations for the whole tree. */
  originAnnotations: boolean;
  transformerAnnotations: boolean;
}

const defaultMaxInputBytes = 64 * 1024 * 1024;

/**
 * Builds a kustomization directory as `kustomize build` does and returns its objects in order.
 *
 * @remarks
 * Guarantees: the same objects, in the same order, as kustomize v5 for the features it supports
 * (see the package README); nothing outside the root is read under the default load restrictor;
 * the input objects are never shared with the output. Caveats: remote resources, Helm charts and
 * exec/KRM plugins are refused with {@link UnsupportedFeatureError}.
 *
 * @throws {@link KustomizeError} subclasses naming the file and object: {@link YamlSyntaxError},
 * {@link KustomizationFileError}, {@link MissingFileError}, {@link LoadRestrictionError},
 * {@link CycleError}, {@link ResourceConflictError}, {@link TransformError},
 * {@link InputTooLargeError}, {@link BuildAbortedError}.
 *
 * @example
 * ```ts
 * import { build, nodeFs, toYamlStream } from '@weft/kustomize-lite';
 *
 * const objects = await build('overlays/prod', { fs: nodeFs(), reorder: 'none' });
 * console.log(toYamlStream(objects));
 * ```
 */
export async function build(path: string, options: BuildOptions = {}): Promise<JsonMap[]> {
  return (await buildWithSources(path, options)).map((entry) => entry.object);
}

/**
 * Like {@link build}, with the file each object came from (for error messages downstream).
 *
 * @remarks Same guarantees as {@link build}.
 * @throws The same errors as {@link build}.
 * @example
 * ```ts
 * import { buildWithSources } from '@weft/kustomize-lite';
 *
 * for (const { object, file } of await buildWithSources('/repo/app')) console.log(file, object['kind']);
 * ```
 */
export async function buildWithSources(path: string, options: BuildOptions = {}): Promise<BuiltObject[]> {
  const fs = options.fs ?? nodeFs();
  const directory = posix.resolve(path);
  const session: BuildSession = {
    fs,
    restrictor: options.loadRestrictor ?? 'LoadRestrictionsRootOnly',
    maxInputBytes: options.maxInputBytes ?? defaultMaxInputBytes,
    signal: options.signal,
    bytesRead: 0,
    buildRoot: directory,
    registry: MergeSchemaRegistry.builtin(),
    openApiChosen: false,
    builtinSchemaParsed: false,
    links: new LinkedValues(),
    originAnnotations: false,
    transformerAnnotations: false,
  };
  if (options.signal?.aborted) throw new BuildAbortedError('kustomize build aborted', { cause: options.signal.reason });
  const loader = await Loader.open(session, directory, path);
  const loaded = await loadKustomization(loader);
  // kustomize builds a Component directory on its own as it would a Kustomization
  session.originAnnotations = loaded.kustomization.buildMetadata?.includes('originAnnotations') === true;
  session.transformerAnnotations = loaded.kustomization.buildMetadata?.includes('transformerAnnotations') === true;
  const accumulator = await accumulateTarget(loader, loaded.kustomization, loaded.file, session, undefined);
  const resources = accumulator.resources;
  for (const resource of resources) {
    if (resource.generated?.hashSuffix !== true) continue;
    resource.rememberId();
    resource.setName(`${resource.name}-${contentHash(resource.object)}`);
  }
  fixNameReferences(resources, accumulator.config.nameReference);
  resolveVars(resources, accumulator.vars, accumulator.config.varReference);
  const kept = resources.filter((resource) => resource.annotations()?.['config.kubernetes.io/local-config'] !== 'true');
  const { order, orderFirst, orderLast } = chooseOrder(loaded.kustomization.sortOptions, options.reorder, loaded.file);
  const sorted = order === 'legacy' ? sortLegacy(kept, orderFirst, orderLast) : kept;
  return sorted.map((resource) => ({ object: finalObject(resource), file: resource.file }));
}

function finalObject(resource: Resource): JsonMap {
  const object = resource.object;
  const added: JsonMap = {};
  if (resource.transformations.length > 0) added['alpha.config.kubernetes.io/transformations'] = stringify(resource.transformations);
  if (resource.origin !== undefined) added['config.kubernetes.io/origin'] = stringify(resource.origin);
  if (Object.keys(added).length > 0) {
    const metadata = resource.metadata;
    const annotations = isJsonMap(metadata['annotations']) ? metadata['annotations'] : {};
    metadata['annotations'] = { ...annotations, ...added };
  }
  rewriteAnnotations(object);
  return object;
}

/**
 * kustomize ends every build by rewriting each object's annotations from their values' text (it
 * removes its own build annotations that way): every value becomes a string (`2` becomes `"2"`,
 * a map or list `""`, a null `"null"`), and an empty or null `annotations` field is dropped.
 */
function rewriteAnnotations(object: JsonMap): void {
  const metadata = object['metadata'];
  if (!isJsonMap(metadata) || !('annotations' in metadata)) return;
  const annotations = metadata['annotations'];
  if (annotations === null || (isJsonMap(annotations) && Object.keys(annotations).length === 0)) {
    delete metadata['annotations'];
    return;
  }
  if (!isJsonMap(annotations)) return;
  for (const [key, value] of Object.entries(annotations)) {
    if (typeof value === 'string') continue;
    annotations[key] = typeof value === 'number' ? formatGoNumber(value) : typeof value === 'boolean' || value === null ? String(value) : '';
  }
}

/** Accumulates one kustomization (or component) level: resources, generators, components, transformers, vars. */
async function accumulateTarget(
  loader: Loader,
  kustomization: Kustomization,
  file: string,
  session: BuildSession,
  parent: Accumulator | undefined,
): Promise<Accumulator> {
  loader.checkAborted();
  await loadOpenApi(loader, kustomization, session, file);
  // kustomize starts each level with an empty configuration, merges its bases' in, then its own
  const accumulator: Accumulator = parent ?? { resources: [], config: emptyTransformerConfig(), vars: [] };
  const originEnabled = session.originAnnotations || kustomization.buildMetadata?.includes('originAnnotations') === true;
  for (const entry of kustomization.resources ?? []) {
    await accumulateResource(loader, entry, accumulator, session, file, originEnabled);
  }
  // the level's own configuration: its `configurations:` files merged in order, then the defaults
  // (kustomize's MakeTransformerConfig; a file's spec for one kind displaces a default on its path)
  let ownConfig: TransformerConfig | undefined;
  for (const configuration of kustomization.configurations ?? []) {
    const loaded = await loader.readFile(configuration);
    const parsed = parseTransformerConfig(loaded.text, loader.display(loaded.path));
    ownConfig = ownConfig === undefined ? parsed : mergeTransformerConfig(ownConfig, parsed);
  }
  accumulator.config = mergeTransformerConfig(accumulator.config, ownConfig === undefined ? defaultTransformerConfig() : mergeTransformerConfig(ownConfig, defaultTransformerConfig()));
  for (const crd of kustomization.crds ?? []) {
    const loaded = await loader.readFile(crd);
    const display = loader.display(loaded.path);
    const rules = parseYamlDocuments(loaded.text, display, { reader: 'sigs-yaml' }).flatMap((document) => crdNameReferences(document));
    accumulator.config = mergeTransformerConfig(accumulator.config, { ...emptyTransformerConfig(), nameReference: rules });
  }
  await runGenerators(loader, kustomization, accumulator, session, file, originEnabled);
  for (const component of kustomization.components ?? []) {
    await accumulateComponent(loader, component, accumulator, session, file);
  }
  const recordTransformers = session.transformerAnnotations || kustomization.buildMetadata?.includes('transformerAnnotations') === true;
  const context: TransformContext = { loader, session, file, registry: session.registry, links: session.links, recordTransformers };
  await runBuiltinTransformers(accumulator.resources, kustomization, accumulator.config, context);
  await runTransformerConfigs(accumulator.resources, kustomization.transformers ?? [], accumulator.config, context, (path) => loadPluginDirectory(loader, path, session));
  bindVars(accumulator.resources, accumulator.vars, kustomization.vars ?? []);
  return accumulator;
}

/** The OpenAPI versions kustomize v5.8.2 has built in (`openapi: {version: …}`). */
const builtinOpenApiVersions = new Set(['v1.21.2']);

/**
 * A kustomization's `openapi:` field, as kustomize's openapi.SetSchema: the first kustomization of
 * the build to name a schema (the top one is read first) decides it for the whole build; `version`
 * must be one kustomize has built in. A custom schema stands alone (other kinds lose their merge
 * keys, `$ref`s to built-in types do not resolve) unless kustomize had already parsed its built-in
 * schema, in which case it is added to it (see {@link BuildSession.builtinSchemaParsed}).
 */
async function loadOpenApi(loader: Loader, kustomization: Kustomization, session: BuildSession, file: string): Promise<void> {
  const openapi = kustomization.openapi;
  if (openapi === undefined || session.openApiChosen) return;
  const path = openapi['path'];
  const version = openapi['version'];
  if (path !== undefined && version !== undefined) {
    throw new KustomizationFileError(`${file}: builtin version and custom schema provided, cannot use both`, { file });
  }
  if (path !== undefined) {
    const loaded = await loader.readFile(path);
    const display = loader.display(loaded.path);
    const [document] = parseYamlDocuments(loaded.text, display);
    if (!isJsonMap(document)) throw new KustomizationFileError(`${display}: an OpenAPI document must be a map`, { file: display });
    try {
      session.registry = (session.builtinSchemaParsed ? session.registry : MergeSchemaRegistry.empty()).withOpenApi(document);
    } catch (error) {
      throw new KustomizationFileError(`${display}: invalid OpenAPI document: ${(error as Error).message}`, { file: display, cause: error });
    }
    session.openApiChosen = true;
    return;
  }
  if (version === undefined || version === '') return;
  if (!builtinOpenApiVersions.has(version)) throw new KustomizationFileError(`${file}: the specified OpenAPI version is not built in`, { file });
  session.openApiChosen = true;
}

async function accumulateResource(
  loader: Loader,
  entry: string,
  accumulator: Accumulator,
  session: BuildSession,
  file: string,
  originEnabled: boolean,
): Promise<void> {
  if (entry === '') {
    throw new KustomizationFileError(`accumulating resources: accumulation err='accumulating resources from '': '${loader.root}' must resolve to a file': new root cannot be empty (in ${file})`, { file });
  }
  const kind = await loader.classify(entry);
  if (kind === 'file') {
    const loaded = await loader.readFile(entry);
    const display = loader.display(loaded.path);
    const added = parseManifests(loaded.text, display).map((object) => {
      const resource = new Resource(object, display);
      if (!session.builtinSchemaParsed && MergeSchemaRegistry.builtin().lookup(resource.gvk()) === undefined) session.builtinSchemaParsed = true;
      if (originEnabled) resource.origin = { path: display };
      validateResource(resource);
      return resource;
    });
    appendResources(accumulator.resources, added);
    return;
  }
  if (kind === 'directory') {
    const child = await loader.child(entry);
    const loaded = await loadKustomization(child);
    if (loaded.isComponent) {
      throw new KustomizationFileError(`accumulating resources from '${entry}': expected kind 'Kustomization' for path '${child.root}' but got 'Component'`, { file });
    }
    const sub = await accumulateTarget(child, loaded.kustomization, loaded.file, session, undefined);
    appendResources(accumulator.resources, sub.resources);
    mergeVarSets(accumulator.vars, sub.vars);
    accumulator.config = mergeTransformerConfig(accumulator.config, sub.config);
    return;
  }
  if (isRemoteReference(entry)) {
    throw new UnsupportedFeatureError('resources', `${file}: resources: remote resource '${entry}' is not supported by weft-kustomize`, { file });
  }
  throw new MissingFileError(
    `accumulating resources: accumulation err='accumulating resources from '${entry}': evalsymlink failure on '${loader.resolve(entry)}' : lstat ${loader.resolve(entry)}: no such file or directory' (in ${file})`,
    { file },
  );
}

function validateResource(resource: Resource): void {
  const object = resource.object;
  if (typeof object['kind'] !== 'string' || object['kind'] === '') {
    throw new KustomizationFileError(`missing kind in object from ${resource.file}`, { file: resource.file });
  }
  const metadata = object['metadata'];
  if (!isJsonMap(metadata) || (typeof metadata['name'] !== 'string' && typeof metadata['generateName'] !== 'string')) {
    throw new KustomizationFileError(`missing metadata.name in object ${String(object['kind'])} from ${resource.file}`, { file: resource.file });
  }
}

async function accumulateComponent(loader: Loader, entry: string, accumulator: Accumulator, session: BuildSession, file: string): Promise<void> {
  if (entry === '') throw new KustomizationFileError(`accumulating components: new root cannot be empty (in ${file})`, { file });
  const kind = await loader.classify(entry);
  if (kind !== 'directory') {
    if (isRemoteReference(entry)) throw new UnsupportedFeatureError('components', `${file}: components: remote component '${entry}' is not supported`, { file });
    throw new MissingFileError(`accumulating components: '${entry}' must be a directory containing a Component (in ${file})`, { file });
  }
  const child = await loader.child(entry);
  const loaded = await loadKustomization(child);
  if (!loaded.isComponent) {
    throw new KustomizationFileError(`accumulating components: expected kind 'Component' for path '${child.root}' but got 'Kustomization'`, { file });
  }
  await accumulateTarget(child, loaded.kustomization, loaded.file, session, accumulator);
}

async function runGenerators(loader: Loader, kustomization: Kustomization, accumulator: Accumulator, session: BuildSession, file: string, originEnabled: boolean): Promise<void> {
  const generated: Resource[] = [];
  for (const args of kustomization.configMapGenerator ?? []) {
    const resource = await generate('ConfigMap', args, kustomization.generatorOptions, loader, file);
    if (originEnabled) resource.origin = { configuredIn: file, configuredBy: { apiVersion: 'builtin', kind: 'ConfigMapGenerator' } };
    generated.push(resource);
  }
  for (const args of kustomization.secretGenerator ?? []) {
    const resource = await generate('Secret', args, kustomization.generatorOptions, loader, file);
    if (originEnabled) resource.origin = { configuredIn: file, configuredBy: { apiVersion: 'builtin', kind: 'SecretGenerator' } };
    generated.push(resource);
  }
  for (const entry of kustomization.generators ?? []) {
    for (const config of await generatorConfigs(loader, entry, file, (path) => loadPluginDirectory(loader, path, session))) {
      if (config.kind === 'Object') {
        generated.push(new Resource(config.object, config.file));
        continue;
      }
      const resource = await generate(config.kind, config.args, undefined, loader, config.file);
      if (originEnabled) {
        const configuredBy: JsonMap = { apiVersion: 'builtin', kind: config.kind === 'ConfigMap' ? 'ConfigMapGenerator' : 'SecretGenerator' };
        if (config.metadataName !== undefined) configuredBy['name'] = config.metadataName;
        if (config.metadataNamespace !== undefined) configuredBy['namespace'] = config.metadataNamespace;
        resource.origin = { configuredIn: config.file, configuredBy };
      }
      generated.push(resource);
    }
  }
  for (const resource of generated) absorbGenerated(accumulator.resources, resource);
}

/** Builds a directory named in `generators:`/`transformers:`: its output objects are plugin configs. */
async function loadPluginDirectory(loader: Loader, path: string, session: BuildSession): Promise<Resource[]> {
  const child = await loader.child(path);
  const loaded = await loadKustomization(child);
  const sub = await accumulateTarget(child, loaded.kustomization, loaded.file, session, undefined);
  return sub.resources;
}

