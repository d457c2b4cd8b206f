import { type Condition } from './git-repository.js';

/**
 * Sets a condition in a list, keeping `lastTransitionTime` when the status did not change
 * (kstatus semantics); returns a new list.
 *
 * @example
 * ```ts
 * status.conditions = setCondition(status.conditions, { type: 'Ready', status: 'True', reason: 'Succeeded', message: 'ok' }, 3);
 * ```
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  next: Omit<Condition, 'lastTransitionTime' | 'observedGeneration'>,
  observedGeneration: number | undefined,
  now: Date = new Date(),
): Condition[] {
  const existing = conditions?.find((c) => c.type === next.type);
  const condition: Condition = {
    ...next,
    ...(observedGeneration !== undefined ? { observedGeneration } : {}),
    lastTransitionTime: existing && existing.status === next.status ? existing.lastTransitionTime : now.toISOString().replace(/\.\d+Z$/, 'Z'),
  };
  return [...(conditions ?? []).filter((c) => c.type !== next.type), condition];
}

/**
 * Removes the conditions of the given types (negative-polarity conditions are present only while True).
 *
 * @example
 * ```ts
 * status.conditions = removeConditions(status.conditions, 'FetchFailed', 'Reconciling');
 * ```
 */
export function removeConditions(conditions: readonly Condition[] | undefined, ...types: string[]): Condition[] {
  return (conditions ?? []).filter((c) => !types.includes(c.type));
}
