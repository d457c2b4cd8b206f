import type { FailedOutcome } from '@weft/drift';
import { type GitArtifact, type GitRepositoryArtifact, type GitSourceOptions, gitSourceEvents } from '@weft/git-source';
import { filter, map, type Observable } from 'rxjs';

/**
 * A new revision from the source: a `gitSource()` artifact (its files in memory) or a
 * GitRepository's stored artifact (`status.artifact`, read through an {@link ArtifactReader}).
 *
 * @example
 * ```ts
 * import type { SourceRevision } from '@weft/delivery';
 *
 * const revision: SourceRevision = { ok: true, stage: 'source', revision: artifact.revision, artifact };
 * ```
 */
export interface SourceRevision {
  readonly ok: true;
  readonly stage: 'source';
  readonly revision: string;
  readonly artifact: GitArtifact | GitRepositoryArtifact;
}

/**
 * What a source stage emits: a new revision, or a failure (a fetch that failed: the last good
 * revision stays applied). What {@link kustomizeBuild} takes.
 *
 * @example
 * ```ts
 * import type { SourceOutcome } from '@weft/delivery';
 *
 * const failed: SourceOutcome = { ok: false, stage: 'source', error: new Error('git fetch failed') };
 * ```
 */
export type SourceOutcome = SourceRevision | FailedOutcome;

/**
 * A git repository as a stream of source outcomes: one per new revision, and one per failed poll
 * (without a revision: the source could not produce one). git-source's `gitSourceEvents`, in the
 * values every stage of the delivery pipeline takes.
 *
 * @remarks The same guarantees as `gitSource`: polls every `interval`, retries failures with
 * backoff (the last good revision stays current), unsubscribing aborts a fetch in flight.
 * @example
 * ```ts
 * import { gitRevisions } from '@weft/delivery';
 *
 * const revisions$ = gitRevisions({ url: repo.url, ref: { branch: 'main' }, interval: '1s' });
 * ```
 */
export function gitRevisions(options: GitSourceOptions): Observable<SourceOutcome> {
  return gitSourceEvents(options).pipe(
    filter((event) => event.type !== 'unchanged'),
    map((event): SourceOutcome => (event.type === 'artifact' ? { ok: true, stage: 'source', revision: event.artifact.revision, artifact: event.artifact } : { ok: false, stage: 'source', error: event.error })),
  );
}
