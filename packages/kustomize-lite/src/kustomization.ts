import { posix } from 'node:path';
import { KustomizationFileError, MissingFileError, UnsupportedFeatureError } from './errors.js';
import { isJsonMap, type JsonMap } from './json.js';
import { decodeStruct, kustomizationSchema } from './kustomization-schema.js';
import type { Loader } from './load-restrictor.js';
import { parseYamlDocuments } from './manifest-yaml.js';

/** The file names kustomize recognises as a kustomization, in its order. */
export const kustomizationFileNames = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'] as const;

export interface TargetSelector {
  group?: string;
  version?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  labelSelector?: string;
  annotationSelector?: string;
}

export interface GeneratorOptions {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  disableNameSuffixHash?: boolean;
  immutable?: boolean;
}

export interface GeneratorArgs {
  name?: string;
  namespace?: string;
  behavior?: string;
  files?: string[];
  literals?: string[];
  envs?: string[];
  env?: string;
  options?: GeneratorOptions;
  type?: string;
}

export interface PatchEntry {
  path?: string;
  patch?: string;
  target?: TargetSelector;
  options?: { allowNameChange?: boolean; allowKindChange?: boolean };
}

export interface ImageEntry {
  name?: string;
  newName?: string;
  newTag?: string;
  digest?: string;
  tagSuffix?: string;
}

export interface FieldSpec {
  group?: string;
  version?: string;
  kind?: string;
  path: string;
  create?: boolean;
}

export interface LabelsEntry {
  pairs?: Record<string, string>;
  includeSelectors?: boolean;
  includeTemplates?: boolean;
  includeVolumeClaimTemplates?: boolean;
  fields?: FieldSpec[];
}

export interface VarEntry {
  name: string;
  objref: { group?: string; version?: string; kind?: string; name?: string; namespace?: string; apiVersion?: string };
  fieldref?: { fieldpath?: string };
}

/** A kustomization file, decoded and normalised (`bases` folded into `resources`, `imageTags` into `images`). */
export interface Kustomization {
  apiVersion?: string;
  kind?: string;
  openapi?: Record<string, string>;
  namePrefix?: string;
  nameSuffix?: string;
  namespace?: string;
  commonLabels?: Record<string, string>;
  labels?: LabelsEntry[];
  commonAnnotations?: Record<string, string>;
  patchesStrategicMerge?: string[];
  patchesJson6902?: { target?: TargetSelector; path?: string; patch?: string }[];
  patches?: PatchEntry[];
  images?: ImageEntry[];
  replacements?: JsonMap[];
  replicas?: { name?: string; count?: number }[];
  vars?: VarEntry[];
  sortOptions?: { order?: string; legacySortOptions?: { orderFirst?: string[]; orderLast?: string[] } };
  resources?: string[];
  components?: string[];
  crds?: string[];
  configMapGenerator?: GeneratorArgs[];
  secretGenerator?: GeneratorArgs[];
  generatorOptions?: GeneratorOptions;
  configurations?: string[];
  generators?: string[];
  transformers?: string[];
  validators?: string[];
  buildMetadata?: string[];
}

/** A kustomization with where it was read from. */
export interface LoadedKustomization {
  readonly kustomization: Kustomization;
  /** Path of the kustomization file (display form). */
  readonly file: string;
  readonly isComponent: boolean;
}

/**
 * Finds and decodes the kustomization file of a loader's root.
 *
 * @throws MissingFileError when the directory has none (or several), KustomizationFileError for
 * malformed content, UnsupportedFeatureError for Helm charts.
 */
export async function loadKustomization(loader: Loader): Promise<LoadedKustomization> {
  const entries = new Set(await loader.listRoot());
  const found = kustomizationFileNames.filter((name) => entries.has(name));
  if (found.length === 0) {
    throw new MissingFileError(
      `unable to find one of 'kustomization.yaml', 'kustomization.yml' or 'Kustomization' in directory '${loader.root}'`,
      { file: loader.display(loader.root) },
    );
  }
  if (found.length > 1) {
    throw new KustomizationFileError(`Found multiple kustomization files under: ${loader.root}`, { file: loader.display(loader.root) });
  }
  const fileName = found[0] as string;
  const loaded = await loader.readFile(fileName);
  const file = loader.display(loaded.path);
  return { ...parseKustomization(loaded.text, file), file };
}

/**
 * Decodes kustomization YAML text as kustomize does.
 *
 * @throws KustomizationFileError for unknown fields, wrong types, a wrong kind or apiVersion.
 */
export function parseKustomization(text: string, file: string): { kustomization: Kustomization; isComponent: boolean } {
  // sigs.k8s.io/yaml reads kustomization files as YAML 1.1 (`yes`, `on`, `y` are booleans) and
  // lets a later duplicate key win
  // (only the first document counts, as sigs.k8s.io/yaml's Unmarshal reads it)
  const [raw] = parseYamlDocuments(text, file, { reader: 'sigs-yaml' });
  // kustomize's CheckEmpty: nothing but apiVersion, kind and metadata is an error
  const empty = () => new KustomizationFileError(`${posix.basename(file)} is empty (${file})`, { file });
  if (!isJsonMap(raw)) throw empty();
  const decoded = decodeStruct(raw, kustomizationSchema, 'Kustomization', file) as JsonMap & Kustomization;
  if (Object.keys(decoded).every((key) => key === 'apiVersion' || key === 'kind' || key === 'metadata')) throw empty();
  const kind = decoded.kind ?? 'Kustomization';
  if (kind !== 'Kustomization' && kind !== 'Component') {
    throw new KustomizationFileError(`${file}: kind '${kind}' is not Kustomization or Component`, { file });
  }
  const isComponent = kind === 'Component';
  if (isComponent && decoded.apiVersion !== undefined && decoded.apiVersion !== 'kustomize.config.k8s.io/v1alpha1') {
    throw new KustomizationFileError(`apiVersion for Component should be kustomize.config.k8s.io/v1alpha1`, { file });
  }
  for (const helm of ['helmCharts', 'helmGlobals', 'helmChartInflationGenerator'] as const) {
    if (decoded[helm] !== undefined) {
      throw new UnsupportedFeatureError(helm, `${file}: ${helm}: Helm charts are not supported by weft-kustomize`, { file });
    }
  }
  if (decoded.validators !== undefined && decoded.validators.length > 0) {
    throw new UnsupportedFeatureError('validators', `${file}: validators: validator plugins are not supported by weft-kustomize`, { file });
  }
  const kustomization: Kustomization = { ...decoded };
  const bases = (decoded as JsonMap)['bases'] as string[] | undefined;
  if (bases !== undefined) kustomization.resources = [...(kustomization.resources ?? []), ...bases];
  const imageTags = (decoded as JsonMap)['imageTags'] as ImageEntry[] | undefined;
  if (imageTags !== undefined) kustomization.images = [...(kustomization.images ?? []), ...imageTags];
  return { kustomization, isComponent };
}

/** Whether a resource entry names a remote target (URL, git repository). */
export function isRemoteReference(entry: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(entry) || entry.startsWith('git@') || entry.startsWith('github.com/') || /\?ref=/.test(entry) || entry.startsWith('gitlab.com/');
}

/** The directory of a file path (posix). */
export function directoryOf(path: string): string {
  return posix.dirname(path);
}
