import type { OperatorFunction } from 'rxjs';
import type { PolicyRefs } from '../setters/rewrite-setters.js';
import { type UpdateImagesOptions, type UpdateImagesResult, updateImages } from '../update-images.js';
import { abortableStage } from './abortable.js';

/** What {@link commitAndPush} emits for each set of policy refs. */
export type CommitOutcome = { readonly ok: true; readonly result: UpdateImagesResult } | { readonly ok: false; readonly error: Error };

/**
 * An rxjs operator that runs {@link updateImages} for each set of policy refs: clone, rewrite
 * setters, commit and push (nothing when nothing changed).
 *
 * @remarks
 * Newest input wins: a newer set aborts the run in flight (a push already sent stays; an
 * aborted run before its push leaves the remote as it was). Failures are emitted as
 * `{ ok: false }`; unsubscribing aborts.
 *
 * @example
 * ```ts
 * import { commitAndPush } from '@weft/image-automation';
 * refs$.pipe(commitAndPush({ url, branch: 'main', author: { email: 'bot@example.com' }, automation: { namespace: 'apps', name: 'web' } }))
 *   .subscribe((o) => o.ok && console.log(o.result.commit ?? 'up to date'));
 * ```
 */
export function commitAndPush(options: Omit<UpdateImagesOptions, 'policies' | 'signal'>): OperatorFunction<PolicyRefs, CommitOutcome> {
  return abortableStage<PolicyRefs, CommitOutcome>(
    async (policies, signal) => ({ ok: true, result: await updateImages({ ...options, policies, signal }) }),
    (_, error) => ({ ok: false, error }),
  );
}
