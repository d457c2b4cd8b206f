import type { KubeObject } from '@weft/reconcile-core';

/**
 * Per-object annotations Weft reads. Flux's `kustomize.toolkit.fluxcd.io/*` spellings are
 * honoured as aliases, so manifests written for Flux keep working.
 *
 * @remarks Values are compared case-insensitively (`Enabled`, `enabled`). When both spellings are
 * set, Weft's wins.
 * @example
 * ```ts
 * import { annotations } from '@weft/drift';
 *
 * const kept = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kept', namespace: 'shop', annotations: { [annotations.prune]: 'disabled' } }, data: {} };
 * ```
 */
export const annotations = {
  /** Apply policy: `Override` (default), `Merge`, `IfNotPresent`, `Ignore`. */
  applyPolicy: 'weft.dev/ssa',
  /** `disabled` keeps the object when it leaves git. */
  prune: 'weft.dev/prune',
  /** `enabled` recreates the object when an immutable field changes. */
  force: 'weft.dev/force',
  /** `disabled` leaves the object alone when it drifts (no report, no revert). */
  drift: 'weft.dev/drift',
} as const;

/** Flux's spellings of the same annotations. */
export const fluxAnnotations = {
  applyPolicy: 'kustomize.toolkit.fluxcd.io/ssa',
  prune: 'kustomize.toolkit.fluxcd.io/prune',
  force: 'kustomize.toolkit.fluxcd.io/force',
  drift: 'kustomize.toolkit.fluxcd.io/reconcile',
} as const;

/** How one object is applied, from its `weft.dev/ssa` (or Flux `…/ssa`) annotation. */
export type ApplyPolicy = 'Override' | 'Merge' | 'IfNotPresent' | 'Ignore';

function annotation(object: KubeObject, key: keyof typeof annotations): string | undefined {
  const all = object.metadata.annotations ?? {};
  return all[annotations[key]] ?? all[fluxAnnotations[key]];
}

/**
 * The object's apply policy; `Override` when unset or unrecognised (as Flux).
 *
 * @remarks Reads `weft.dev/ssa`, then Flux's `kustomize.toolkit.fluxcd.io/ssa`.
 * @example
 * ```ts
 * import { applyPolicyOf } from '@weft/drift';
 *
 * applyPolicyOf({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', annotations: { 'weft.dev/ssa': 'IfNotPresent' } } }); // 'IfNotPresent'
 * ```
 */
export function applyPolicyOf(object: KubeObject): ApplyPolicy {
  const value = annotation(object, 'applyPolicy')?.toLowerCase();
  if (value === 'merge') return 'Merge';
  if (value === 'ifnotpresent') return 'IfNotPresent';
  if (value === 'ignore') return 'Ignore';
  return 'Override';
}

/** Whether the object asks to be recreated on immutable-field changes. */
export function forceRequested(object: KubeObject): boolean {
  return annotation(object, 'force')?.toLowerCase() === 'enabled';
}

/** Whether the object opted out of pruning. */
export function pruneDisabled(object: KubeObject): boolean {
  return annotation(object, 'prune')?.toLowerCase() === 'disabled';
}

/** Whether the object opted out of drift detection and correction. */
export function driftDisabled(object: KubeObject): boolean {
  return annotation(object, 'drift')?.toLowerCase() === 'disabled';
}
