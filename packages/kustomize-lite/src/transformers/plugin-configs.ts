import { KustomizationFileError, MissingFileError, UnsupportedFeatureError } from '../errors.js';
import { isJsonMap, type JsonMap } from '../json.js';
import { decodeStruct, generatorArgsSchema } from '../kustomization-schema.js';
import type { GeneratorArgs } from '../kustomization.js';
import type { Loader } from '../load-restrictor.js';
import { parseYamlDocuments } from '../manifest-yaml.js';
import type { Resource } from '../resource.js';

/** A plugin configuration object from `generators:` or `transformers:`, with its file. */
export interface PluginConfig {
  readonly config: JsonMap;
  readonly file: string;
}

/**
 * Reads the plugin configs an entry of `generators:`/`transformers:` names: a file, a directory
 * (built; its objects are the configs) or inline YAML.
 *
 * @throws MissingFileError when the entry is none of these.
 */
export async function pluginConfigs(
  loader: Loader,
  entry: string,
  kustomizationFile: string,
  buildDirectory: (path: string) => Promise<Resource[]>,
): Promise<PluginConfig[]> {
  const kind = await loader.classify(entry);
  if (kind === 'file') {
    const loaded = await loader.readFile(entry);
    const file = loader.display(loaded.path);
    return parseYamlDocuments(loaded.text, file, { reader: 'sigs-yaml' }).map((config) => {
      if (!isJsonMap(config)) throw new KustomizationFileError(`${file}: a plugin config must be a map`, { file });
      return { config, file };
    });
  }
  if (kind === 'directory') {
    return (await buildDirectory(entry)).map((resource) => ({ config: resource.object, file: resource.file }));
  }
  if (entry.includes('\n')) {
    return parseYamlDocuments(entry, kustomizationFile, { reader: 'sigs-yaml' }).filter(isJsonMap).map((config) => ({ config, file: kustomizationFile }));
  }
  throw new MissingFileError(`'${loader.resolve(entry)}' doesn't exist (named in ${kustomizationFile})`, { file: kustomizationFile });
}

/** Fails for configs that ask for an external plugin (exec, container or starlark KRM functions). */
export function refuseExternalPlugin(config: JsonMap, file: string): never {
  const kind = typeof config['kind'] === 'string' ? config['kind'] : '(no kind)';
  const apiVersion = typeof config['apiVersion'] === 'string' ? config['apiVersion'] : '';
  const annotations = isJsonMap(config['metadata']) && isJsonMap(config['metadata']['annotations']) ? config['metadata']['annotations'] : {};
  if (annotations['config.kubernetes.io/function'] !== undefined) {
    throw new UnsupportedFeatureError('plugins', `${file}: KRM function plugin ${kind} is not supported by weft-kustomize`, { file });
  }
  if (apiVersion === 'builtin') {
    throw new KustomizationFileError(`${file}: unable to load builtin ${kind}.builtin.[noGrp]`, { file });
  }
  throw new UnsupportedFeatureError('plugins', `${file}: exec/Go plugin ${apiVersion}/${kind} is not supported by weft-kustomize (only apiVersion: builtin configs are)`, { file });
}

/** A generator config from `generators:`: ConfigMap/Secret generator args, or an object made outright. */
export type GeneratorConfig =
  | { readonly kind: 'ConfigMap' | 'Secret'; readonly args: GeneratorArgs; readonly file: string; readonly metadataName: string | undefined; readonly metadataNamespace: string | undefined }
  | { readonly kind: 'Object'; readonly object: JsonMap; readonly file: string; readonly metadataName: string | undefined; readonly metadataNamespace: string | undefined };

/** kustomize's builtin IAMPolicyGenerator: a ServiceAccount bound to a GKE workload identity. */
function iamPolicyServiceAccount(config: JsonMap, file: string): JsonMap {
  if (config['cloud'] !== 'gke') throw new KustomizationFileError(`${file}: IAMPolicyGenerator: cloud '${String(config['cloud'])}' is not supported (only gke)`, { file });
  const service = isJsonMap(config['kubernetesService']) ? config['kubernetesService'] : {};
  const account = isJsonMap(config['serviceAccount']) ? config['serviceAccount'] : {};
  const metadata: JsonMap = {
    annotations: { 'iam.gke.io/gcp-service-account': `${String(account['name'] ?? '')}@${String(account['projectId'] ?? '')}.iam.gserviceaccount.com` },
    name: String(service['name'] ?? ''),
  };
  if (typeof service['namespace'] === 'string' && service['namespace'] !== '') metadata['namespace'] = service['namespace'];
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata };
}

/**
 * The builtin ConfigMap/Secret generator configs an entry of `generators:` names.
 *
 * @throws UnsupportedFeatureError for any other generator plugin.
 */
export async function generatorConfigs(
  loader: Loader,
  entry: string,
  kustomizationFile: string,
  buildDirectory: (path: string) => Promise<Resource[]>,
): Promise<GeneratorConfig[]> {
  const configs: GeneratorConfig[] = [];
  for (const { config, file } of await pluginConfigs(loader, entry, kustomizationFile, buildDirectory)) {
    const kind = config['kind'];
    const { apiVersion: _apiVersion, kind: _kind, metadata, ...rest } = config;
    const metadataName = isJsonMap(metadata) && typeof metadata['name'] === 'string' ? metadata['name'] : undefined;
    const metadataNamespace = isJsonMap(metadata) && typeof metadata['namespace'] === 'string' && metadata['namespace'] !== '' ? metadata['namespace'] : undefined;
    if (config['apiVersion'] === 'builtin' && kind === 'IAMPolicyGenerator') {
      configs.push({ kind: 'Object', object: iamPolicyServiceAccount(config, file), file, metadataName, metadataNamespace });
      continue;
    }
    if (config['apiVersion'] !== 'builtin' || (kind !== 'ConfigMapGenerator' && kind !== 'SecretGenerator')) refuseExternalPlugin(config, file);
    // plugin configs are decoded leniently (kustomize's yaml.Unmarshal ignores unknown fields)
    const args = decodeStruct(rest, generatorArgsSchema, `${kind}`, file, { strict: false }) as GeneratorArgs;
    const meta = isJsonMap(metadata) ? metadata : {};
    if ((args.name ?? '') === '' && typeof meta['name'] === 'string') args.name = meta['name'];
    if ((args.namespace ?? '') === '' && typeof meta['namespace'] === 'string') args.namespace = meta['namespace'];
    configs.push({ kind: kind === 'ConfigMapGenerator' ? 'ConfigMap' : 'Secret', args, file, metadataName, metadataNamespace });
  }
  return configs;
}
