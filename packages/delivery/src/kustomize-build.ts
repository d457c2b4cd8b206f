import { setMaxListeners } from 'node:events';
import type { BuildOutcome } from '@weft/drift';
import type { PostBuildOptions } from '@weft/kustomize-lite';
import { Observable, of, switchMap, type OperatorFunction } from 'rxjs';
import { artifactFs } from './artifact/artifact-fs.js';
import { ArtifactReader } from './artifact/artifact-reader.js';
import { buildManifests } from './build-manifests.js';
import type { SourceOutcome, SourceRevision } from './source.js';

/** Options of {@link kustomizeBuild}: Flux's Kustomization build fields. */
export interface KustomizeBuildOptions {
  /** Directory of the artifact to build (`spec.path`). Default: its root. */
  readonly path?: string;
  /** Put every namespaced object in this namespace (`spec.targetNamespace`). */
  readonly targetNamespace?: string;
  /** `spec.postBuild`: variables, and a way to read `substituteFrom` objects. */
  readonly postBuild?: Pick<PostBuildOptions, 'substitute' | 'substituteFrom' | 'getObject'>;
  /** Reads stored artifacts (GitRepository `status.artifact`); `gitSource()` artifacts need none. Default: one that fetches `artifact.url`. */
  readonly artifacts?: ArtifactReader;
}

/**
 * The build stage as an rxjs operator: each source revision that arrives is built (kustomize
 * build of `path`, a generated kustomization.yaml when there is none, `targetNamespace`,
 * `postBuild` substitution), and a newer revision aborts the build of an older one.
 *
 * @remarks
 * Guarantees: a revision that does not build (a YAML error, a missing file, an unset variable,
 * an unreadable artifact) becomes a failed outcome of stage `build` naming the revision and the
 * file, and the stream goes on: the next revision (the fix) is built as usual. A failed outcome
 * that arrives (a source that could not fetch) is passed on untouched.
 * @example
 * ```ts
 * import { gitRevisions, kustomizeBuild } from '@weft/delivery';
 *
 * const building = gitRevisions({ url: repo.url, ref: { branch: 'main' }, interval: '1s' })
 *   .pipe(kustomizeBuild({ path: 'deploy', postBuild: { substitute: { cluster: 'eu-1' } } }))
 *   .subscribe((outcome) => console.log(outcome.ok ? `${outcome.revision}: ${outcome.objects.length} objects` : outcome.error.message));
 * ```
 */
export function kustomizeBuild(options: KustomizeBuildOptions = {}): OperatorFunction<SourceOutcome, BuildOutcome> {
  const artifacts = options.artifacts ?? new ArtifactReader();
  return switchMap((source) => {
    if (!source.ok) return of(source);
    return new Observable<BuildOutcome>((subscriber) => {
      const controller = new AbortController();
      setMaxListeners(0, controller.signal);
      void buildRevision(source, { ...options, artifacts }, controller.signal).then((outcome) => {
        if (controller.signal.aborted) return;
        subscriber.next(outcome);
        subscriber.complete();
      });
      return () => controller.abort();
    });
  });
}

/**
 * Builds one source revision, as {@link kustomizeBuild} does for each: never throws, a failure is
 * a failed outcome of stage `build`.
 *
 * @example
 * ```ts
 * import { buildRevision } from '@weft/delivery';
 *
 * const built = await buildRevision({ ok: true, stage: 'source', revision: artifact.revision, artifact }, { path: 'deploy' });
 * if (!built.ok) console.error(built.error.message);
 * ```
 */
export async function buildRevision(source: SourceRevision, options: KustomizeBuildOptions = {}, signal?: AbortSignal): Promise<BuildOutcome> {
  try {
    const artifact = source.artifact;
    const fs = 'entries' in artifact ? artifactFs(artifact.entries) : await (options.artifacts ?? new ArtifactReader()).read(artifact, signal ? { signal } : {});
    const built = await buildManifests({
      fs,
      ...(options.path !== undefined ? { path: options.path } : {}),
      ...(options.targetNamespace !== undefined ? { targetNamespace: options.targetNamespace } : {}),
      ...(options.postBuild ? { postBuild: options.postBuild } : {}),
      ...(signal ? { signal } : {}),
    });
    return { ok: true, stage: 'build', revision: source.revision, objects: built.objects, sourceOf: built.sourceOf };
  } catch (error) {
    return { ok: false, stage: 'build', revision: source.revision, error: error instanceof Error ? error : new Error(String(error)) };
  }
}
