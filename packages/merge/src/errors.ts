/**
 * Base class of every error thrown by `@weft/merge`.
 *
 * @remarks
 * `@weft/merge` depends on no other Weft package, so this extends `Error` directly; callers that
 * want a `WeftError` wrap it (the cause is kept). No operation leaves its inputs half-changed:
 * the engine works on copies and throws before returning anything.
 *
 * @example
 * ```ts
 * import { applyStrategicMergePatch, MergeError } from '@weft/merge';
 *
 * try { applyStrategicMergePatch(live, patch); } catch (error) { if (error instanceof MergeError) console.error(error.message); }
 * ```
 */
export class MergeError extends Error {
  override readonly name: string = 'MergeError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * A strategic merge patch that cannot be applied: a bad directive, a list item without its merge
 * key, a `$setElementOrder` list that disagrees with the patch, mismatched list element types.
 *
 * @remarks
 * Messages contain the phrases kube-apiserver uses for the same failures (for example
 * `does not contain declared merge key`), prefixed with the object when the caller named it.
 *
 * @example
 * ```ts
 * import { expect } from 'vitest';
 * import { applyStrategicMergePatch, StrategicMergePatchError } from '@weft/merge';
 *
 * expect(() => applyStrategicMergePatch(obj, { spec: { template: { spec: { containers: [{ image: 'x' }] } } } }))
 *   .toThrow(StrategicMergePatchError);
 * ```
 */
export class StrategicMergePatchError extends MergeError {
  override readonly name: string = 'StrategicMergePatchError';
}

/**
 * Whether a value is a {@link MergeError}.
 *
 * @remarks Uses `instanceof`; works for every subclass.
 * @throws never
 * @example
 * ```ts
 * import { isMergeError } from '@weft/merge';
 *
 * if (isMergeError(error)) console.error(error.message);
 * ```
 */
export function isMergeError(value: unknown): value is MergeError {
  return value instanceof MergeError;
}
