/**
 * Flagger's query templates: Go template actions naming the Canary's fields
 * (`{{ name }}`, `{{ namespace }}`, `{{ target }}`, `{{ service }}`, `{{ ingress }}`,
 * `{{ route }}`, `{{ interval }}`) and its `templateVariables` (`{{ variables.key }}` or
 * `{{ index variables "key" }}`). A name the model lacks is an error, as Go's `missingkey=error`.
 */
import { WeftError } from '@weft/reconcile-core';
import type { Canary } from './canary-types.js';

/** The values a query template may name (Flagger's MetricTemplateModel). */
export interface QueryModel {
  readonly name: string;
  readonly namespace: string;
  readonly target: string;
  readonly service: string;
  readonly ingress: string;
  readonly route: string;
  readonly interval: string;
  readonly variables: Readonly<Record<string, string>>;
}

/** A query template that names something the model does not have, or is malformed. */
export class QueryTemplateError extends WeftError {
  override readonly name = 'QueryTemplateError';
  constructor(
    readonly template: string,
    message: string,
  ) {
    super(`query template: ${message}`, { retryable: false });
  }
}

/** The model of a Canary for a metric's interval and variables. */
export function queryModel(canary: Canary, interval: string, variables: Readonly<Record<string, string>> = {}): QueryModel {
  const target = canary.spec.targetRef.name;
  return { name: canary.metadata.name, namespace: canary.metadata.namespace, target, service: canary.spec.service.name || target, ingress: canary.spec.ingressRef?.name ?? target, route: target, interval, variables };
}

/**
 * Renders a query template.
 *
 * @throws {@link QueryTemplateError} for an unknown name or an unclosed action.
 */
export function renderQuery(template: string, model: QueryModel): string {
  let out = '';
  let rest = template;
  for (;;) {
    const open = rest.indexOf('{{');
    if (open < 0) return out + rest;
    const close = rest.indexOf('}}', open);
    if (close < 0) throw new QueryTemplateError(template, 'unclosed action');
    out += rest.slice(0, open);
    out += evaluate(rest.slice(open + 2, close).trim(), model, template);
    rest = rest.slice(close + 2);
  }
}

function evaluate(action: string, model: QueryModel, template: string): string {
  const scalar: Record<string, string> = { name: model.name, namespace: model.namespace, target: model.target, service: model.service, ingress: model.ingress, route: model.route, interval: model.interval };
  if (action in scalar) return scalar[action]!;
  const dotted = /^variables\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(action);
  const indexed = /^index\s+variables\s+"([^"]*)"$/.exec(action);
  const key = dotted?.[1] ?? indexed?.[1];
  if (key !== undefined) {
    const value = model.variables[key];
    if (value === undefined) throw new QueryTemplateError(template, `map has no entry for key "${key}"`);
    return value;
  }
  throw new QueryTemplateError(template, `function "${action}" not defined`);
}
