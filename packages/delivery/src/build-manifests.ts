import { posix } from 'node:path';
import type { KubeObject } from '@weft/reconcile-core';
import {
  type KustomizeFs,
  type PostBuildOptions,
  KustomizeError,
  buildInWorker,
  substituteVariables,
  withGeneratedKustomization,
} from '@weft/kustomize-lite';
import { parseDocument } from 'yaml';

/** Options of {@link buildManifests}. */
export interface BuildManifestsOptions {
  /** The unpacked artifact, rooted at `/`. */
  fs: KustomizeFs;
  /** `spec.path`, relative to the artifact's root. Default: the root. */
  path?: string;
  /** `spec.targetNamespace`: set as the top kustomization's `namespace`. */
  targetNamespace?: string;
  /**
   * `spec.postBuild`, with a way to read `substituteFrom` objects. `strict` (default true, as Flux's
   * `StrictPostBuildSubstitutions` feature gate defaults) fails the build on a variable that is set
   * nowhere and has no default; false expands it to nothing.
   */
  postBuild?: Pick<PostBuildOptions, 'substitute' | 'substituteFrom' | 'getObject' | 'strict'>;
  signal?: AbortSignal;
}

/** What {@link buildManifests} returns: the objects to apply and the file each came from. */
export interface BuiltManifests {
  objects: KubeObject[];
  /** The file (relative to the artifact's root) that defined an object of `objects`. */
  sourceOf(object: KubeObject): string | undefined;
}

const kustomizationFileNames = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

/**
 * Flux's build step: `kustomize build` of `path` in the artifact (with a generated
 * kustomization.yaml when there is none), `targetNamespace`, then `postBuild` substitution.
 *
 * @remarks
 * Files are loaded from anywhere in the artifact (kustomize's `LoadRestrictionsNone`, as Flux
 * builds), never from outside it. `targetNamespace` is set as the `namespace` of the top
 * kustomization, as kustomize-controller does, so kustomize's namespace transformer decides which objects are namespaced and updates
 * references such as RoleBinding subjects. Objects labelled or annotated
 * `kustomize.toolkit.fluxcd.io/substitute: disabled` are not substituted. Inputs over 128 KiB
 * are built on a worker thread (kustomize-lite's `buildInWorker`): the calling thread is not
 * held by the parse, aborting `signal` ends the worker at once, and a build that needs more than
 * a 384 MiB heap fails with `InputTooLargeError` naming the file.
 * @throws kustomize-lite's `KustomizeError` (and subclasses) naming the file: a missing path, a YAML or
 * kustomization error, a substitution error (an unset variable, a `substituteFrom` object not found).
 * @example
 * ```ts
 * import { artifactFs, buildManifests } from '@weft/delivery';
 *
 * const { objects, sourceOf } = await buildManifests({ fs: artifactFs(artifact.entries), path: './deploy', targetNamespace: 'shop', postBuild: { substitute: { cluster: 'eu-1' } } });
 * ```
 */
export async function buildManifests(options: BuildManifestsOptions): Promise<BuiltManifests> {
  const directory = posix.resolve('/', options.path ?? '.');
  const stat = await options.fs.stat(directory);
  if (stat?.type !== 'directory') throw new KustomizeError(`kustomization path not found: '${options.path ?? '.'}' is not a directory of the artifact`, { file: options.path ?? '.' });
  let fs = await withGeneratedKustomization(options.fs, directory);
  if (options.targetNamespace !== undefined) fs = await withTargetNamespace(fs, directory, options.targetNamespace);
  // As Flux's kustomize-controller: no load restriction within the artifact (a base next to the
  // overlays, a symlinked file); the artifact's file system itself ends at its root. A large
  // input is built on a worker thread with a capped heap, so the operator's event loop (its
  // health probes, its other Kustomizations) is never held by a parse.
  const built = await buildInWorker(directory, { fs, loadRestrictor: 'LoadRestrictionsNone', ...(options.signal ? { signal: options.signal } : {}) });
  const files = built.map((entry) => posix.join(posix.relative('/', directory), entry.file));
  const postBuild = options.postBuild;
  const substituted =
    postBuild && (Object.keys(postBuild.substitute ?? {}).length > 0 || (postBuild.substituteFrom ?? []).length > 0)
      ? await substituteVariables(
          built.map((entry) => entry.object),
          { strict: true, ...postBuild, ...(options.signal ? { signal: options.signal } : {}) },
        )
      : built.map((entry) => entry.object);
  const objects = substituted as unknown as KubeObject[];
  const sources = new Map<KubeObject, string>(objects.map((object, index) => [object, files[index]!]));
  return { objects, sourceOf: (object) => sources.get(object) };
}

/** A view of `fs` whose top kustomization in `directory` has `namespace: <namespace>`. */
async function withTargetNamespace(fs: KustomizeFs, directory: string, namespace: string): Promise<KustomizeFs> {
  for (const name of kustomizationFileNames) {
    const path = posix.join(directory, name);
    if ((await fs.stat(path))?.type !== 'file') continue;
    const document = parseDocument(new TextDecoder().decode(await fs.readFile(path)));
    if (document.errors.length > 0) throw new KustomizeError(`${posix.relative('/', path)}: ${document.errors[0]!.message}`, { file: posix.relative('/', path) });
    if (document.contents === null) document.contents = document.createNode({}) as never;
    document.set('namespace', namespace);
    const rewritten = new TextEncoder().encode(document.toString());
    return {
      ...fs,
      readFile: async (file) => (posix.resolve('/', file) === path ? rewritten : fs.readFile(file)),
      stat: async (file) => (posix.resolve('/', file) === path ? { type: 'file', size: rewritten.byteLength } : fs.stat(file)),
      readDir: (file) => fs.readDir(file),
      realPath: (file) => fs.realPath(file),
    };
  }
  return fs;
}
