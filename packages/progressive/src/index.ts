/**
 * @packageDocumentation
 * `@weft/progressive`: canary, A/B and blue-green releases with metric analysis, as Flagger does
 * them, held side by side to Flagger v1.44.0. The decision logic is a pure function
 * ({@link advance}); routers, metric providers and webhooks sit behind small interfaces; a
 * ready-made reconciler drives a Flagger-shaped `Canary` (`progressive.weft.dev/v1`).
 */
export type * from './canary-types.js';
export { advance, decide, type Advance, type AdvanceInput, type Action, type Check, type CheckAnswer, type Readiness, type RouteObservation, type TargetObservation, type WebhookAnswer } from './advance.js';
export { maxWeight, nextStepWeight, totalWeight } from './weights.js';
export { evaluateMetric, isBuiltinMetric, builtinMetricNames, type BuiltinMetricName, type MetricAnswer, type MetricOutcome, type MetricSource } from './metric-evaluation.js';
