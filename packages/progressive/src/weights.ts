/**
 * Traffic weight arithmetic of the canary strategy, as Flagger's scheduler computes it: the
 * total is 100, `stepWeights` (if set) win over `stepWeight`, and the last step is capped by the
 * total.
 */
import type { CanaryAnalysis } from './canary-types.js';

/** The weight that means "all traffic". */
export const totalWeight = 100;

/** The weight at which the canary strategy stops increasing traffic and asks to promote. */
export function maxWeight(analysis: CanaryAnalysis): number {
  const steps = analysis.stepWeights ?? [];
  if (steps.length > 0) return Math.min(totalWeight, steps[steps.length - 1]!);
  if ((analysis.maxWeight ?? 0) > 0) return analysis.maxWeight!;
  return totalWeight;
}

/**
 * How much the canary weight grows on the next step from `canaryWeight`; 0 means the strategy
 * has nothing left to step (Flagger then skips the traffic increase and the promotion check).
 */
export function nextStepWeight(analysis: CanaryAnalysis, canaryWeight: number): number {
  const steps = analysis.stepWeights ?? [];
  if ((analysis.stepWeight ?? 0) > 0 || steps.length === 0) return analysis.stepWeight ?? 0;
  const room = totalWeight - canaryWeight;
  // At the total already: any positive step moves on to promotion, as the last stepWeight does.
  if (room === 0) return 1;
  if (canaryWeight === 0) return Math.min(room, steps[0]!);
  for (let i = 0; i < steps.length - 1; i++) {
    if (steps[i] === canaryWeight) return Math.min(room, steps[i + 1]! - canaryWeight);
  }
  return room;
}
