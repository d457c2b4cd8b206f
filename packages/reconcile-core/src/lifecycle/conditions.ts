/**
 * One `metav1.Condition`, as kstatus and Flux use them.
 *
 * @remarks `lastTransitionTime` is RFC 3339 (seconds), and changes only when `status` changes.
 */
export interface Condition {
  /** CamelCase type: `Ready`, `Reconciling`, `Stalled`, or your own. */
  readonly type: string;
  readonly status: ConditionStatus;
  /** CamelCase machine-readable reason, e.g. `Succeeded`, `ProgressingWithRetry`. */
  readonly reason: string;
  readonly message: string;
  readonly lastTransitionTime: string;
  /** The `metadata.generation` the condition was computed for. */
  readonly observedGeneration?: number;
}

/** A condition's status. */
export type ConditionStatus = 'True' | 'False' | 'Unknown';

/** The condition a caller sets; {@link setCondition} fills in `lastTransitionTime`. */
export interface ConditionInput {
  readonly type: string;
  readonly status: ConditionStatus;
  readonly reason: string;
  readonly message?: string;
  readonly observedGeneration?: number | undefined;
}

/** The `status` shape the kstatus helpers read and write. */
export interface StatusWithConditions {
  readonly conditions?: readonly Condition[] | undefined;
  readonly observedGeneration?: number | undefined;
  readonly [field: string]: unknown;
}

/** The object shape the condition readers take: anything with `status.conditions`. */
export interface ObjectWithConditions {
  readonly metadata?: { readonly generation?: number | undefined; readonly deletionTimestamp?: unknown } | undefined;
  readonly status?: StatusWithConditions | undefined;
}

/**
 * The JSON Schema of a `status.conditions` list of kstatus conditions (`metav1.Condition`), for the
 * status schema given to {@link defineResource}.
 *
 * @remarks A `const` literal, so `defineResource` types `status.conditions` as {@link Condition}-shaped objects.
 *
 * @example
 * ```ts
 * import { conditionsSchema, defineResource } from '@weft/reconcile-core';
 * defineResource({ group: 'example.com', version: 'v1', kind: 'WebApp', schema: { type: 'object', properties: {
 *   status: { type: 'object', properties: { conditions: conditionsSchema } } } } } as const);
 * ```
 */
export const conditionsSchema = {
  type: 'array',
  items: {
    type: 'object',
    required: ['type', 'status', 'reason', 'message', 'lastTransitionTime'],
    properties: {
      type: { type: 'string' },
      status: { type: 'string', enum: ['True', 'False', 'Unknown'] },
      reason: { type: 'string' },
      message: { type: 'string' },
      observedGeneration: { type: 'integer' },
      lastTransitionTime: { type: 'string', format: 'date-time' },
    },
  },
} as const;

/** kstatus `Ready`: the object's desired state is achieved. */
export const ReadyCondition = 'Ready';
/** kstatus `Reconciling` (abnormal-true): the controller is working towards the desired state. */
export const ReconcilingCondition = 'Reconciling';
/** kstatus `Stalled` (abnormal-true): the controller cannot make progress without a change. */
export const StalledCondition = 'Stalled';

/** RFC 3339 with seconds, as `metav1.Time` serialises. */
function timestamp(now: Date): string {
  return now.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function conditionsOf(source: readonly Condition[] | ObjectWithConditions | StatusWithConditions | undefined): readonly Condition[] {
  if (source === undefined) return [];
  if (Array.isArray(source)) return source;
  const withStatus = source as ObjectWithConditions;
  if (withStatus.status !== undefined && typeof withStatus.status === 'object') return withStatus.status.conditions ?? [];
  return (source as StatusWithConditions).conditions ?? [];
}

/**
 * Finds a condition by type in a list, a status, or an object.
 *
 * @remarks Pure: reads only what it is given.
 * @example
 * ```ts
 * import { getCondition } from '@weft/reconcile-core';
 * const ready = getCondition(app, 'Ready'); // { type: 'Ready', status: 'True', … } | undefined
 * ```
 */
export function getCondition(source: readonly Condition[] | ObjectWithConditions | StatusWithConditions | undefined, type: string): Condition | undefined {
  return conditionsOf(source).find((condition) => condition.type === type);
}

/**
 * Sets a condition in a list, returning a new list (the input is not changed).
 *
 * @remarks
 * Guarantees: `lastTransitionTime` is kept when the status is unchanged and set to `now` when it
 * changes (or the condition is new); reason, message and observedGeneration always take the new
 * values; the order of other conditions is kept, a new condition is appended.
 * @example
 * ```ts
 * import { setCondition } from '@weft/reconcile-core';
 * const conditions = setCondition(app.status?.conditions, { type: 'Ready', status: 'True', reason: 'Succeeded', message: 'deployed', observedGeneration: 3 });
 * ```
 */
export function setCondition(conditions: readonly Condition[] | undefined, input: ConditionInput, now: Date = new Date()): Condition[] {
  const list = conditions ?? [];
  const existing = list.find((condition) => condition.type === input.type);
  const next: Condition = {
    type: input.type,
    status: input.status,
    reason: input.reason,
    message: input.message ?? '',
    lastTransitionTime: existing && existing.status === input.status ? existing.lastTransitionTime : timestamp(now),
    ...(input.observedGeneration !== undefined ? { observedGeneration: input.observedGeneration } : {}),
  };
  return existing ? list.map((condition) => (condition === existing ? next : condition)) : [...list, next];
}

/**
 * Removes the conditions of the given types, returning a new list (negative-polarity conditions
 * such as `Stalled` are present only while true).
 *
 * @remarks Pure: reads only what it is given.
 * @example
 * ```ts
 * import { removeCondition } from '@weft/reconcile-core';
 * const conditions = removeCondition(app.status?.conditions, 'Stalled', 'Reconciling');
 * ```
 */
export function removeCondition(conditions: readonly Condition[] | undefined, ...types: readonly string[]): Condition[] {
  return (conditions ?? []).filter((condition) => !types.includes(condition.type));
}

/**
 * Whether a condition is `True`.
 *
 * @remarks Pure: reads only what it is given.
 * @example
 * ```ts
 * import { isConditionTrue } from '@weft/reconcile-core';
 * if (isConditionTrue(app, 'Ready')) console.log('ready');
 * ```
 */
export function isConditionTrue(source: readonly Condition[] | ObjectWithConditions | StatusWithConditions | undefined, type: string): boolean {
  return getCondition(source, type)?.status === 'True';
}

/**
 * Whether an object is Ready for its current generation: `Ready=True`, and neither the condition
 * nor `status.observedGeneration` is older than `metadata.generation`.
 *
 * @remarks A Ready condition computed for an older generation does not count: the spec changed since.
 * @example
 * ```ts
 * import { isReady } from '@weft/reconcile-core';
 * if (isReady(await client.get(WebAppKind, 'web', { namespace }))) console.log('web is ready');
 * ```
 */
export function isReady(object: ObjectWithConditions): boolean {
  const ready = getCondition(object, ReadyCondition);
  if (ready?.status !== 'True') return false;
  const generation = object.metadata?.generation;
  if (generation === undefined) return true;
  if (ready.observedGeneration !== undefined && ready.observedGeneration < generation) return false;
  const observed = object.status?.observedGeneration;
  return observed === undefined || observed >= generation;
}

/**
 * Whether an object is `Stalled=True`.
 *
 * @remarks Pure: reads only what it is given.
 * @example
 * ```ts
 * import { getCondition, isStalled } from '@weft/reconcile-core';
 * if (isStalled(app)) alert(getCondition(app, 'Stalled')?.message);
 * ```
 */
export function isStalled(object: ObjectWithConditions): boolean {
  return isConditionTrue(object, StalledCondition);
}

/**
 * Whether an object is `Reconciling=True`.
 *
 * @remarks Pure: reads only what it is given.
 * @example
 * ```ts
 * import { isReconciling } from '@weft/reconcile-core';
 * if (isReconciling(app)) console.log('in progress');
 * ```
 */
export function isReconciling(object: ObjectWithConditions): boolean {
  return isConditionTrue(object, ReconcilingCondition);
}

/** What the `mark*` helpers take. */
export interface MarkOptions {
  readonly reason: string;
  readonly message?: string;
  /** `metadata.generation` of the object the status is for; recorded as observedGeneration. */
  readonly generation?: number | undefined;
  /** The clock, for tests. */
  readonly now?: Date;
}

function withConditions(status: StatusWithConditions | undefined, conditions: Condition[], generation: number | undefined): StatusWithConditions {
  return { ...status, conditions, ...(generation !== undefined ? { observedGeneration: generation } : {}) };
}

/**
 * kstatus "in progress": `Reconciling=True`, `Ready=Unknown` with the same reason, `Stalled` removed.
 * Returns a new status; `observedGeneration` is left as it was (the work is not done).
 *
 * @remarks Pure: returns a new status (other fields kept); the input is not changed. `lastTransitionTime`
 * follows {@link setCondition}. Write it with `patchStatus` or `applyStatus`.
 * @example
 * ```ts
 * import { markReconciling } from '@weft/reconcile-core';
 * await client.patchStatus(WebAppKind, name, { status: markReconciling(app.status, { reason: 'Progressing', message: 'rolling out', generation: app.metadata.generation }) }, { namespace });
 * ```
 */
export function markReconciling(status: StatusWithConditions | undefined, options: MarkOptions): StatusWithConditions {
  const now = options.now ?? new Date();
  const observedGeneration = options.generation;
  let conditions = setCondition(status?.conditions, { type: ReconcilingCondition, status: 'True', reason: options.reason, message: options.message, observedGeneration }, now);
  conditions = setCondition(conditions, { type: ReadyCondition, status: 'Unknown', reason: options.reason, message: options.message, observedGeneration }, now);
  return withConditions(status, removeCondition(conditions, StalledCondition), undefined);
}

/**
 * kstatus "current": `Ready=True`, `Reconciling` and `Stalled` removed, `observedGeneration` set.
 * Returns a new status.
 *
 * @remarks Pure: returns a new status (other fields kept); the input is not changed. `lastTransitionTime`
 * follows {@link setCondition}. Write it with `patchStatus` or `applyStatus`.
 * @example
 * ```ts
 * import { markReady } from '@weft/reconcile-core';
 * const status = markReady(app.status, { reason: 'Succeeded', message: 'applied revision main@sha1:…', generation: app.metadata.generation });
 * ```
 */
export function markReady(status: StatusWithConditions | undefined, options: MarkOptions): StatusWithConditions {
  const now = options.now ?? new Date();
  let conditions = setCondition(status?.conditions, { type: ReadyCondition, status: 'True', reason: options.reason, message: options.message, observedGeneration: options.generation }, now);
  conditions = removeCondition(removeCondition(conditions, ReconcilingCondition), StalledCondition);
  return withConditions(status, conditions, options.generation);
}

/**
 * kstatus "failed": `Stalled=True`, `Ready=False`, `Reconciling` removed, `observedGeneration`
 * set (this generation will not progress without a change). Returns a new status.
 *
 * @remarks Pure: returns a new status (other fields kept); the input is not changed. `lastTransitionTime`
 * follows {@link setCondition}. Write it with `patchStatus` or `applyStatus`.
 * @example
 * ```ts
 * import { markStalled } from '@weft/reconcile-core';
 * const status = markStalled(app.status, { reason: 'InvalidSpec', message: 'spec.path does not exist', generation });
 * ```
 */
export function markStalled(status: StatusWithConditions | undefined, options: MarkOptions): StatusWithConditions {
  const now = options.now ?? new Date();
  let conditions = setCondition(status?.conditions, { type: StalledCondition, status: 'True', reason: options.reason, message: options.message, observedGeneration: options.generation }, now);
  conditions = setCondition(conditions, { type: ReadyCondition, status: 'False', reason: options.reason, message: options.message, observedGeneration: options.generation }, now);
  return withConditions(status, removeCondition(conditions, ReconcilingCondition), options.generation);
}

/**
 * A failed attempt that will be retried: `Ready=False` and `Reconciling=True` (Flux's
 * `ProgressingWithRetry`), `Stalled` removed, `observedGeneration` set. Returns a new status.
 *
 * @remarks Pure: returns a new status (other fields kept); the input is not changed. `lastTransitionTime`
 * follows {@link setCondition}. Write it with `patchStatus` or `applyStatus`.
 * @example
 * ```ts
 * import { markNotReady } from '@weft/reconcile-core';
 * const status = markNotReady(app.status, { reason: 'ApplyFailed', message: String(error), generation });
 * ```
 */
export function markNotReady(status: StatusWithConditions | undefined, options: MarkOptions): StatusWithConditions {
  const now = options.now ?? new Date();
  let conditions = setCondition(status?.conditions, { type: ReadyCondition, status: 'False', reason: options.reason, message: options.message, observedGeneration: options.generation }, now);
  conditions = setCondition(conditions, { type: ReconcilingCondition, status: 'True', reason: 'ProgressingWithRetry', message: options.message, observedGeneration: options.generation }, now);
  return withConditions(status, removeCondition(conditions, StalledCondition), options.generation);
}
