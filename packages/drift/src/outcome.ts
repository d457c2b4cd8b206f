import type { KubeObject } from '@weft/reconcile-core';
import type { ApplySetResult } from './apply-objects.js';
import type { ChangeSet } from './changeset.js';
import type { DriftEvent } from './watch-drift.js';

/** The stage of a delivery pipeline (source → build → apply → drift) an outcome comes from. */
export type PipelineStage = 'source' | 'build' | 'apply' | 'drift';

/**
 * A stage failed for one revision. Every later stage passes it on untouched, so the end of the
 * pipeline sees each failure once, named by its stage and revision.
 *
 * @remarks `revision` is absent only when the source could not produce one (a fetch failed before
 * any revision was known). `error` names the object and the file where there is one.
 * @example
 * ```ts
 * import type { PipelineOutcome } from '@weft/drift';
 *
 * const failures = outcomes$.subscribe((outcome: PipelineOutcome) => {
 *   if (!outcome.ok) console.error(`${outcome.stage} failed for ${outcome.revision ?? 'no revision'}: ${outcome.error.message}`);
 * });
 * ```
 */
export interface FailedOutcome {
  readonly ok: false;
  readonly stage: PipelineStage;
  readonly revision?: string;
  readonly error: Error;
  /**
   * Set when the revision was applied but a later step of the stage failed (pruning): what was
   * applied. Drift correction guards it, since it is in the cluster.
   */
  readonly applied?: AppliedSet;
}

/**
 * A revision built into a set of objects: what the `applySet` operator takes.
 *
 * @remarks Make one yourself to feed objects from elsewhere:
 * `{ ok: true, stage: 'build', revision: 'v42', objects }`.
 * @example
 * ```ts
 * import type { BuiltSet } from '@weft/drift';
 *
 * const built: BuiltSet = { ok: true, stage: 'build', revision: 'v1', objects };
 * ```
 */
export interface BuiltSet {
  readonly ok: true;
  readonly stage: 'build';
  readonly revision: string;
  readonly objects: readonly KubeObject[];
  /** The file each object came from, for error messages. */
  readonly sourceOf?: (object: KubeObject) => string | undefined;
}

/**
 * What a build stage emits per revision (and what the `applySet` operator takes).
 *
 * @example
 * ```ts
 * import type { BuildOutcome } from '@weft/drift';
 *
 * const broken: BuildOutcome = { ok: false, stage: 'build', revision: 'v3', error: new Error('kustomization.yaml: missing.yaml: no such file') };
 * ```
 */
export type BuildOutcome = BuiltSet | FailedOutcome;

/**
 * A revision applied: the objects as written (ownership labels included, objects claimed by
 * another owner left out), what happened to each, and what was pruned.
 *
 * @example
 * ```ts
 * import { summarizeChangeSet, type PipelineOutcome } from '@weft/drift';
 *
 * const applies = outcomes$.subscribe((outcome: PipelineOutcome) => {
 *   if (outcome.ok && outcome.stage === 'apply') console.log(summarizeChangeSet(outcome.result));
 * });
 * ```
 */
export interface AppliedSet {
  readonly ok: true;
  readonly stage: 'apply';
  readonly revision: string;
  /** The objects as applied, for drift correction to guard. */
  readonly objects: readonly KubeObject[];
  readonly result: ApplySetResult;
  readonly pruned: ChangeSet;
  /** The file each applied object came from (as the build said), for messages. */
  readonly sourceOf?: (object: KubeObject) => string | undefined;
}

/**
 * What the `applySet` operator emits per revision (and what `correctDrift` takes).
 *
 * @example
 * ```ts
 * import type { ApplyOutcome } from '@weft/drift';
 *
 * const refused: ApplyOutcome = { ok: false, stage: 'apply', revision: 'v2', error: new Error('ConfigMap/shop/Not_Valid dry-run failed') };
 * ```
 */
export type ApplyOutcome = AppliedSet | FailedOutcome;

/**
 * Something drift correction saw or did to an applied revision (see `DriftEvent`); a failed
 * check arrives as a {@link FailedOutcome} of stage `drift` instead.
 *
 * @example
 * ```ts
 * import type { PipelineOutcome } from '@weft/drift';
 *
 * const reverts = outcomes$.subscribe((outcome: PipelineOutcome) => {
 *   if (outcome.ok && outcome.stage === 'drift' && outcome.event.type === 'reverted') console.log(`${outcome.event.subject} put back`);
 * });
 * ```
 */
export interface DriftReport {
  readonly ok: true;
  readonly stage: 'drift';
  /** The applied revision the drifted object belongs to. */
  readonly revision: string;
  readonly event: Exclude<DriftEvent, { type: 'error' }>;
}

/**
 * What the `correctDrift` operator emits: every apply outcome it received, passed on, and its
 * drift reports and failed checks.
 *
 * @example
 * ```ts
 * import type { PipelineOutcome } from '@weft/drift';
 *
 * const everything = outcomes$.subscribe((outcome: PipelineOutcome) => console.log(outcome.stage, outcome.revision, outcome.ok));
 * ```
 */
export type PipelineOutcome = ApplyOutcome | DriftReport | FailedOutcome;
