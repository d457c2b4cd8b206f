import { createHash } from 'node:crypto';
import { Observable, type OperatorFunction, type Subscription } from 'rxjs';
import type { KubeObject, KubeClient } from '@weft/reconcile-core';
import type { InvalidIgnoreRuleError } from './ignore.js';
import type { ApplyOutcome, PipelineOutcome } from './outcome.js';
import { watchDrift, type WatchDriftOptions } from './watch-drift.js';

/**
 * An rxjs operator that guards each applied revision against drift (see {@link watchDrift}):
 * apply outcomes in, the same outcomes out, followed by drift reports of the revision applied last.
 *
 * @remarks
 * Guarantees:
 * - It acts only on revisions that were applied: a failed outcome (a revision that did not build,
 *   or whose apply was refused) is passed on and changes nothing; the last applied revision stays
 *   guarded. Nothing it never saw applied is ever written by it. (A revision applied whose prune
 *   failed is guarded: it is in the cluster.)
 * - A newer applied revision replaces the watches of the previous one (a revision with the very
 *   same objects keeps them).
 * - Its own pipeline's writes are never drift: the `applySet` operator upstream (same client,
 *   field manager and owner) records what it writes, and drift checks of those objects wait while
 *   it applies and prunes. The first sync of a revision reports no drift.
 * - Every drift event becomes a {@link DriftReport} naming the revision; a failed check becomes a
 *   failed outcome of stage `drift` (the object is checked again a second later).
 * - It completes only when unsubscribed (drift correction outlives the input); unsubscribing stops every watch.
 * @throws {@link InvalidIgnoreRuleError} as an error notification when an ignore rule does not parse.
 * @example
 * ```ts
 * import { applySet, correctDrift } from '@weft/drift';
 * import { share } from 'rxjs';
 *
 * const outcomes$ = builds.pipe(applySet(client, { prune: true, owner }), correctDrift(client, { mode: 'revert', owner }), share());
 * ```
 */
export function correctDrift(client: KubeClient, options: Omit<WatchDriftOptions, 'signal'> = {}): OperatorFunction<ApplyOutcome, PipelineOutcome> {
  return (outcomes) =>
    new Observable<PipelineOutcome>((subscriber) => {
      let watching: { fingerprint: string; subscription: Subscription } | undefined;
      let revision = '';
      const guard = (objects: readonly KubeObject[]): void => {
        const fingerprint = createHash('sha256').update(JSON.stringify(objects)).digest('hex');
        if (watching?.fingerprint === fingerprint) return;
        watching?.subscription.unsubscribe();
        watching = {
          fingerprint,
          subscription: watchDrift(client, objects, options).subscribe({
            next: (event) => subscriber.next(event.type === 'error' ? { ok: false, stage: 'drift', revision, error: event.error } : { ok: true, stage: 'drift', revision, event }),
            error: (error: unknown) => subscriber.error(error),
          }),
        };
      };
      const input = outcomes.subscribe({
        next: (outcome) => {
          subscriber.next(outcome);
          // Only what was applied: a failure guards nothing new (unless it failed after applying: a prune).
          const applied = outcome.ok ? outcome : outcome.applied;
          if (!applied) return;
          revision = applied.revision;
          guard(applied.objects);
        },
        error: (error: unknown) => subscriber.error(error),
      });
      return () => {
        input.unsubscribe();
        watching?.subscription.unsubscribe();
      };
    });
}
