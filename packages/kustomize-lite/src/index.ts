/**
 * @packageDocumentation
 * Kustomize-compatible builds in process: bases, overlays, components, patches, generators and
 * name references with the same output as `kustomize build`, over a read-only file-system
 * interface (a directory, a git artifact or memory); plus Flux's generated kustomization and
 * `postBuild` variable substitution, and the `weft-kustomize` CLI.
 */
export { build, buildWithSources, type BuildOptions, type BuiltObject } from './build.js';
export { buildInWorker, type WorkerBuildOptions } from './worker-build.js';
export { nodeFs, memoryFs, type KustomizeFs, type FsEntry } from './file-system.js';
export type { LoadRestrictor } from './load-restrictor.js';
export { toYamlStream } from './manifest-yaml.js';
export type { JsonMap, JsonValue } from './json.js';
export type { JsonObject } from '@weft/merge';
export {
  KustomizeError,
  KustomizationFileError,
  YamlSyntaxError,
  LoadRestrictionError,
  MissingFileError,
  UnreadableFileError,
  CycleError,
  ResourceConflictError,
  TransformError,
  UnsupportedFeatureError,
  InputTooLargeError,
  SubstitutionError,
  BuildAbortedError,
} from './errors.js';
export { envsubst, type VariableLookup, type EnvsubstOptions } from './envsubst.js';
export { substituteVariables, collectVariables, type PostBuildOptions, type SubstituteReference } from './post-build.js';
export { withGeneratedKustomization } from './flux-generated-kustomization.js';
export { runCli, type CliResult } from './cli.js';
