import type { MergeSchemaRegistry } from '@weft/merge';
import { KustomizationFileError, TransformError } from '../errors.js';
import type { FieldSpec } from './field-spec.js';
import { transformImages } from './images.js';
import { isJsonMap, type JsonMap, type JsonValue } from '../json.js';
import type { ImageEntry, Kustomization, PatchEntry, TargetSelector } from '../kustomization.js';
import { mergeFieldSpecs, transformMetadataMap } from './labels.js';
import type { LinkedValues } from '../linked-values.js';
import type { Loader } from '../load-restrictor.js';
import { parseManifests, parseYamlDocuments } from '../manifest-yaml.js';
import { transformNameAffixes } from './name-affixes.js';
import { transformNamespace, type RoleBindingSubjectMode } from './namespace.js';
import { applyJson6902Patch, applyStrategicPatches, parseJson6902, parsePatch, type PatchOptions } from './patches.js';
import { pluginConfigs, refuseExternalPlugin } from './plugin-configs.js';
import { applyReplacements, type Replacement } from './replacements.js';
import { transformReplicas } from './replicas.js';
import type { Resource } from '../resource.js';
import type { TransformerConfig } from './config.js';

/** What a transformer stage needs besides the resources. */
export interface TransformContext {
  readonly loader: Loader;
  readonly session: { registry: MergeSchemaRegistry };
  /** The kustomization file (display path). */
  readonly file: string;
  readonly registry: MergeSchemaRegistry;
  /** Label/annotation values kustomize shares between fields (see {@link LinkedValues}). */
  readonly links: LinkedValues;
  /** Whether to record each transformer on the objects it ran over (buildMetadata transformerAnnotations). */
  readonly recordTransformers?: boolean;
}

/**
 * Records a builtin transformer run on every object (kustomize's transformer annotations);
 * `configuredBy` names the config object as written (name and, when set, namespace).
 */
function record(resources: readonly Resource[], context: TransformContext, kind: string, configuredIn: string = context.file, name?: string, namespace?: string): void {
  if (context.recordTransformers !== true) return;
  const configuredBy: JsonMap = { apiVersion: 'builtin', kind };
  if (name !== undefined) configuredBy['name'] = name;
  if (namespace !== undefined && namespace !== '') configuredBy['namespace'] = namespace;
  for (const resource of resources) resource.transformations.push({ configuredIn, configuredBy });
}

/** Reads patch text from a file or takes it inline. */
async function patchText(loader: Loader, entry: { path?: string; patch?: string }, file: string): Promise<{ text: string; file: string }> {
  const hasPath = entry.path !== undefined && entry.path !== '';
  const hasPatch = entry.patch !== undefined && entry.patch !== '';
  if (hasPath && hasPatch) throw new KustomizationFileError(`${file}: patch and path can't be set at the same time`, { file });
  if (hasPath) {
    const loaded = await loader.readFile(entry.path as string);
    return { text: loaded.text, file: loader.display(loaded.path) };
  }
  if (hasPatch) return { text: entry.patch as string, file };
  throw new KustomizationFileError(`${file}: must specify one of patch and path in a patch`, { file });
}

async function runPatch(resources: Resource[], loader: Loader, entry: PatchEntry, context: TransformContext): Promise<void> {
  const { text, file } = await patchText(loader, entry, context.file);
  const parsed = parsePatch(text, file);
  const options: PatchOptions = entry.options ?? {};
  if (parsed.type === 'strategic') {
    applyStrategicPatches(resources, parsed.documents, entry.target, options, context.session.registry, file, context.links);
    return;
  }
  if (entry.target === undefined) throw new KustomizationFileError(`${file}: must specify a target for JSON patch`, { file });
  applyJson6902Patch(resources, parsed.operations, entry.target, file);
}

async function runPatchesStrategicMerge(resources: Resource[], loader: Loader, entries: readonly string[], context: TransformContext): Promise<void> {
  // kustomize configures one transformer with every entry and refuses it when, together, they
  // hold no patch (files that are empty or only comments); an empty file next to a real patch is fine.
  const patches: Array<{ documents: JsonMap[]; file: string }> = [];
  for (const entry of entries) {
    if (entry.trim() === '') {
      // kustomize reads an entry as patch text first: an empty one is an empty patch
      patches.push({ documents: [], file: context.file });
      continue;
    }
    let text: string;
    let file: string;
    const kind = await loader.classify(entry);
    if (kind === 'file') {
      const loaded = await loader.readFile(entry);
      text = loaded.text;
      file = loader.display(loaded.path);
    } else if (entry.includes('\n') || entry.trimStart().startsWith('{')) {
      text = entry;
      file = context.file;
    } else {
      await loader.readFile(entry);
      continue;
    }
    patches.push({ documents: parseManifests(text, file), file });
  }
  if (entries.length > 0 && patches.every((patch) => patch.documents.length === 0)) {
    throw new KustomizationFileError(`${context.file}: trouble configuring builtin PatchStrategicMergeTransformer: patch appears to be empty; files=[${entries.join(' ')}], Patch=`, { file: context.file });
  }
  for (const { documents, file } of patches) applyStrategicPatches(resources, documents, undefined, {}, context.session.registry, file, context.links);
}

async function loadReplacements(loader: Loader, entries: readonly JsonMap[]): Promise<Replacement[]> {
  const replacements: Replacement[] = [];
  for (const entry of entries) {
    if (typeof entry['path'] === 'string') {
      if (entry['source'] !== undefined || entry['targets'] !== undefined) throw new KustomizationFileError('replacements: an entry with a path cannot also have source or targets');
      const loaded = await loader.readFile(entry['path']);
      for (const document of parseYamlDocuments(loaded.text, loader.display(loaded.path), { reader: 'sigs-yaml' })) {
        const items: JsonValue[] = Array.isArray(document) ? document : [document];
        for (const item of items) if (isJsonMap(item)) replacements.push(item as unknown as Replacement);
      }
    } else replacements.push(entry as unknown as Replacement);
  }
  return replacements;
}

/**
 * Runs the transformers a kustomization's fields configure, in kustomize's order:
 * patchesStrategicMerge, patches, namespace, namePrefix, nameSuffix, labels/commonLabels,
 * commonAnnotations, patchesJson6902, replicas, images, replacements.
 *
 * @throws KustomizeError subclasses from each transformer.
 */
export async function runBuiltinTransformers(resources: Resource[], kustomization: Kustomization, config: TransformerConfig, context: TransformContext): Promise<void> {
  const { loader } = context;
  if ((kustomization.patchesStrategicMerge ?? []).length > 0) {
    await runPatchesStrategicMerge(resources, loader, kustomization.patchesStrategicMerge ?? [], context);
    record(resources, context, 'PatchStrategicMergeTransformer');
  }
  for (const entry of kustomization.patches ?? []) {
    await runPatch(resources, loader, entry, context);
    record(resources, context, 'PatchTransformer');
  }
  if (kustomization.namespace !== undefined && kustomization.namespace !== '') {
    transformNamespace(resources, { namespace: kustomization.namespace, fieldSpecs: config.namespace });
    record(resources, context, 'NamespaceTransformer');
  }
  if (kustomization.namePrefix) {
    transformNameAffixes(resources, { prefix: kustomization.namePrefix, fieldSpecs: config.namePrefix });
    record(resources, context, 'PrefixTransformer');
  }
  if (kustomization.nameSuffix) {
    transformNameAffixes(resources, { suffix: kustomization.nameSuffix, fieldSpecs: config.nameSuffix });
    record(resources, context, 'SuffixTransformer');
  }
  for (const label of kustomization.labels ?? []) {
    let specs: FieldSpec[] = [...(label.fields ?? [])];
    if (label.includeSelectors === true) specs = mergeFieldSpecs(specs, config.commonLabels);
    else {
      specs = mergeFieldSpecs(specs, [{ path: 'metadata/labels', create: true }]);
      if (label.includeTemplates === true) specs = mergeFieldSpecs(specs, config.templateLabels);
      if (label.includeVolumeClaimTemplates === true) specs = mergeFieldSpecs(specs, config.volumeClaimTemplateLabels);
    }
    // the `labels` field specs of `configurations:` files
    specs = mergeFieldSpecs(specs, config.labels);
    transformMetadataMap(resources, label.pairs ?? {}, specs, context.links);
    record(resources, context, 'LabelTransformer');
  }
  if (kustomization.commonLabels !== undefined) {
    transformMetadataMap(resources, kustomization.commonLabels, config.commonLabels, context.links);
    record(resources, context, 'LabelTransformer');
  }
  if (kustomization.commonAnnotations !== undefined) {
    transformMetadataMap(resources, kustomization.commonAnnotations, config.commonAnnotations, context.links);
    record(resources, context, 'AnnotationsTransformer');
  }
  for (const entry of kustomization.patchesJson6902 ?? []) {
    const { text, file } = await patchText(loader, entry, context.file);
    if (entry.target === undefined) throw new KustomizationFileError(`${context.file}: patchesJson6902 entries need a target`, { file: context.file });
    applyJson6902Patch(resources, parseJson6902(text, file), entry.target, file);
    record(resources, context, 'PatchJson6902Transformer');
  }
  if (kustomization.replicas !== undefined) {
    transformReplicas(resources, kustomization.replicas, config.replicas);
    record(resources, context, 'ReplicaCountTransformer');
  }
  if (kustomization.images !== undefined) {
    transformImages(resources, kustomization.images, config.images);
    record(resources, context, 'ImageTagTransformer');
  }
  if (kustomization.replacements !== undefined) {
    applyReplacements(resources, await loadReplacements(loader, kustomization.replacements));
    record(resources, context, 'ReplacementTransformer');
  }
}

function fieldSpecsOf(config: JsonMap): FieldSpec[] {
  const specs = config['fieldSpecs'];
  if (!Array.isArray(specs)) return [];
  return specs.filter(isJsonMap).map((spec) => {
    const result: FieldSpec = { path: String(spec['path'] ?? '') };
    for (const key of ['group', 'version', 'kind'] as const) if (typeof spec[key] === 'string') result[key] = spec[key] as string;
    if (spec['create'] === true) result.create = true;
    return result;
  });
}

function stringMapOf(value: JsonValue | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  if (!isJsonMap(value)) return result;
  for (const [key, item] of Object.entries(value)) result[key] = item === null ? '' : String(item);
  return result;
}

/**
 * Runs the builtin transformer configs named in `transformers:` (files, directories or inline),
 * in order, each with its own field specs.
 *
 * @throws UnsupportedFeatureError for exec/KRM plugins; KustomizationFileError for builtin
 * transformers kustomize itself refuses there (SortOrderTransformer).
 */
export async function runTransformerConfigs(
  resources: Resource[],
  entries: readonly string[],
  _config: TransformerConfig,
  context: TransformContext,
  buildDirectory: (path: string) => Promise<Resource[]>,
): Promise<void> {
  const { loader } = context;
  for (const entry of entries) {
    for (const { config, file } of await pluginConfigs(loader, entry, context.file, buildDirectory)) {
      if (config['apiVersion'] !== 'builtin') refuseExternalPlugin(config, file);
      const local: TransformContext = { ...context, file };
      switch (config['kind']) {
        case 'PatchTransformer':
          await runPatch(resources, loader, config as PatchEntry, local);
          break;
        case 'PatchStrategicMergeTransformer': {
          const paths = Array.isArray(config['paths']) ? config['paths'].map(String) : [];
          await runPatchesStrategicMerge(resources, loader, paths, local);
          if (typeof config['patches'] === 'string') applyStrategicPatches(resources, parseManifests(config['patches'], file), undefined, {}, context.session.registry, file, context.links);
          break;
        }
        case 'PatchJson6902Transformer': {
          const target = config['target'] as TargetSelector | undefined;
          if (target === undefined) throw new KustomizationFileError(`${file}: PatchJson6902Transformer needs a target`, { file });
          const text = typeof config['jsonOp'] === 'string' ? config['jsonOp'] : (await patchText(loader, { path: String(config['path'] ?? '') }, file)).text;
          applyJson6902Patch(resources, parseJson6902(text, file), target, file);
          break;
        }
        case 'NamespaceTransformer': {
          const metadata = isJsonMap(config['metadata']) ? config['metadata'] : {};
          const mode = typeof config['setRoleBindingSubjects'] === 'string' ? (config['setRoleBindingSubjects'] as RoleBindingSubjectMode) : undefined;
          transformNamespace(resources, {
            namespace: String(metadata['namespace'] ?? ''),
            fieldSpecs: fieldSpecsOf(config),
            unsetOnly: config['unsetOnly'] === true,
            ...(mode === undefined ? {} : { roleBindingSubjects: mode }),
          });
          break;
        }
        case 'PrefixTransformer':
        case 'SuffixTransformer':
        case 'PrefixSuffixTransformer':
          transformNameAffixes(resources, { prefix: String(config['prefix'] ?? ''), suffix: String(config['suffix'] ?? ''), fieldSpecs: fieldSpecsOf(config) });
          break;
        case 'LabelTransformer':
          transformMetadataMap(resources, stringMapOf(config['labels']), fieldSpecsOf(config), context.links);
          break;
        case 'AnnotationsTransformer':
          transformMetadataMap(resources, stringMapOf(config['annotations']), fieldSpecsOf(config), context.links);
          break;
        case 'ImageTagTransformer':
          transformImages(resources, [(config['imageTag'] ?? {}) as ImageEntry], fieldSpecsOf(config));
          break;
        case 'ReplicaCountTransformer':
          transformReplicas(resources, [(config['replica'] ?? {}) as { name?: string; count?: number }], fieldSpecsOf(config));
          break;
        case 'ReplacementTransformer':
          applyReplacements(resources, await loadReplacements(loader, Array.isArray(config['replacements']) ? config['replacements'].filter(isJsonMap) : []));
          break;
        default:
          refuseExternalPlugin(config, file);
      }
      const metadata = isJsonMap(config['metadata']) ? config['metadata'] : {};
      record(resources, context, String(config['kind']), file, typeof metadata['name'] === 'string' ? metadata['name'] : undefined, typeof metadata['namespace'] === 'string' ? metadata['namespace'] : undefined);
    }
  }
}

