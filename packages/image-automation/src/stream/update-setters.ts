import type { OperatorFunction } from 'rxjs';
import { type SetterResult, applySetters } from '../setters/apply-setters.js';
import type { PolicyRefs } from '../setters/rewrite-setters.js';
import { abortableStage } from './abortable.js';

/** What {@link updateSetters} emits for each set of policy refs. */
export type SetterOutcome = { readonly ok: true; readonly result: SetterResult } | { readonly ok: false; readonly error: Error };

/**
 * An rxjs operator that rewrites the setter markers in a local checkout for each set of policy
 * refs it receives ({@link applySetters}).
 *
 * @remarks
 * Newest input wins (a newer set aborts the walk in flight between files); failures are
 * emitted as `{ ok: false }`; unsubscribing aborts.
 *
 * @example
 * ```ts
 * import { updateSetters } from '@weft/image-automation';
 * refs$.pipe(updateSetters({ checkout: checkoutDir, path: './apps' })).subscribe((o) => o.ok && console.log(o.result.files));
 * ```
 */
export function updateSetters(options: { readonly checkout: string; readonly path?: string }): OperatorFunction<PolicyRefs, SetterOutcome> {
  return abortableStage<PolicyRefs, SetterOutcome>(
    async (policies, signal) => ({ ok: true, result: await applySetters(options.checkout, { policies, signal, ...(options.path !== undefined ? { path: options.path } : {}) }) }),
    (_, error) => ({ ok: false, error }),
  );
}
