/**
 * Turning a metric's value into an outcome, with Flagger's comparison rules per metric kind.
 */
import type { CanaryMetric } from './canary-types.js';

/** What a metric provider answered: a number, no data (no traffic yet), or an error. */
export type MetricAnswer =
  | { readonly kind: 'value'; readonly value: number }
  | { readonly kind: 'noData'; readonly message: string }
  | { readonly kind: 'error'; readonly message: string };

/** The verdict on one metric for one analysis tick. */
export type MetricOutcome =
  | { readonly outcome: 'success'; readonly value: number }
  | { readonly outcome: 'failure'; readonly value?: number; readonly message: string }
  | { readonly outcome: 'inconclusive'; readonly message: string };

/** Flagger's two built-in metrics, answered by the router's observer queries. */
export const builtinMetricNames = ['request-success-rate', 'request-duration'] as const;
/** The name of one of Flagger's built-in metrics. */
export type BuiltinMetricName = (typeof builtinMetricNames)[number];

/** Whether a metric name is one of Flagger's built-ins (answered by the router's queries, not a template). */
export function isBuiltinMetric(name: string): name is BuiltinMetricName {
  return name === 'request-success-rate' || name === 'request-duration';
}

/** Where a metric's value comes from: a built-in observer query, an inline query, or a MetricTemplate. */
export type MetricSource = 'builtin' | 'query' | 'template';

/**
 * Compares an answer with the metric's `thresholdRange` (or its deprecated `threshold`, whose
 * sense Flagger gives per kind: a success rate is a minimum, a duration or a query a maximum).
 * Request durations are in milliseconds, as Flagger's thresholds are.
 *
 * @remarks Pure.
 */
export function evaluateMetric(metric: CanaryMetric, source: MetricSource, answer: MetricAnswer): MetricOutcome {
  if (answer.kind === 'noData') return { outcome: 'inconclusive', message: answer.message };
  if (answer.kind === 'error') return { outcome: 'failure', message: answer.message };
  const value = answer.value;
  const range = metric.thresholdRange;
  const label = source === 'builtin' ? metric.name : metric.name;
  if (range) {
    if (range.min !== undefined && value < range.min) return { outcome: 'failure', value, message: `${label} ${format(value)} < ${range.min}` };
    if (range.max !== undefined && value > range.max) return { outcome: 'failure', value, message: `${label} ${format(value)} > ${range.max}` };
    return { outcome: 'success', value };
  }
  const threshold = metric.threshold ?? 0;
  if (source === 'builtin' && metric.name === 'request-success-rate') {
    return threshold > value ? { outcome: 'failure', value, message: `${label} ${format(value)} < ${threshold}` } : { outcome: 'success', value };
  }
  return value > threshold ? { outcome: 'failure', value, message: `${label} ${format(value)} > ${threshold}` } : { outcome: 'success', value };
}

function format(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}
