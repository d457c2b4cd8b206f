/**
 * Metric providers: where a metric's value comes from. One interface, two providers
 * (Prometheus's HTTP API, and a generic HTTP/JSON endpoint read with a JSONPath), plus Flagger's
 * built-in `request-success-rate` and `request-duration` queries for the routers here.
 */
import type { MetricAnswer } from './metric-evaluation.js';
import type { RouterProvider } from './canary-types.js';

/** Options of a provider query. */
export interface MetricQueryOptions {
  readonly signal?: AbortSignal;
}

/** Answers a rendered query with a number, no data, or an error; never throws for a bad answer. */
export interface MetricProvider {
  readonly type: string;
  query(query: string, options?: MetricQueryOptions): Promise<MetricAnswer>;
}

/** Connection settings of a provider (a MetricTemplate's `provider`, with its secret resolved). */
export interface MetricProviderOptions {
  readonly address: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Bearer token (`token` in the template's secret). */
  readonly token?: string;
  /** Basic auth (`username`/`password` in the template's secret). */
  readonly username?: string;
  readonly password?: string;
  /** Per query; Flagger's Prometheus client uses 5 s. */
  readonly timeoutMs?: number;
}

function requestHeaders(options: MetricProviderOptions): Record<string, string> {
  const headers: Record<string, string> = { accept: 'application/json', ...(options.headers ?? {}) };
  if (options.token) headers['authorization'] = `Bearer ${options.token}`;
  else if (options.username !== undefined && options.password !== undefined) headers['authorization'] = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`;
  return headers;
}

async function fetchText(url: string, options: MetricProviderOptions, signal: AbortSignal | undefined): Promise<{ status: number; body: string } | { error: string }> {
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 5000);
  try {
    const response = await fetch(url, { headers: requestHeaders(options), signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
    return { status: response.status, body: await response.text() };
  } catch (error) {
    signal?.throwIfAborted();
    return { error: `request failed: ${(error as Error).message}` };
  }
}

/**
 * Prometheus's instant query API (`/api/v1/query`), as Flagger's provider reads it: the last
 * series' value; an empty result or NaN is no data; a range result is an error.
 */
export function prometheusProvider(options: MetricProviderOptions): MetricProvider {
  const base = options.address.replace(/\/+$/, '');
  return {
    type: 'prometheus',
    async query(query, { signal } = {}) {
      const trimmed = query.replace(/\s+/g, ' ').trim();
      const reply = await fetchText(`${base}/api/v1/query?query=${encodeURIComponent(trimmed)}`, options, signal);
      if ('error' in reply) return { kind: 'error', message: reply.error };
      if (reply.status >= 400) return { kind: 'error', message: `error response: Status ${reply.status}: ${reply.body}` };
      let parsed: { data?: { result?: { value?: [number, string]; values?: unknown }[] } };
      try {
        parsed = JSON.parse(reply.body) as typeof parsed;
      } catch (error) {
        return { kind: 'error', message: `error unmarshaling result: ${(error as Error).message}` };
      }
      let value: number | undefined;
      for (const series of parsed.data?.result ?? []) {
        if (series.values !== undefined) return { kind: 'error', message: 'query returned multiple values' };
        if (typeof series.value?.[1] === 'string') value = Number.parseFloat(series.value[1]);
      }
      if (value === undefined || Number.isNaN(value)) return { kind: 'noData', message: `no values found for query ${trimmed}` };
      return { kind: 'value', value };
    },
  };
}

/** Reads `$.a.b[0]['c']` from a JSON value; undefined where the path leads nowhere. */
export function readJsonPath(value: unknown, path: string): unknown {
  const trimmed = path.trim();
  if (!trimmed.startsWith('$')) throw new Error(`JSONPath ${JSON.stringify(path)} must start with $`);
  const steps = [...trimmed.slice(1).matchAll(/\.([A-Za-z_$][\w$-]*)|\[(\d+)\]|\['([^']*)'\]|\["([^"]*)"\]/g)];
  const consumed = steps.map((step) => step[0]).join('');
  if (consumed !== trimmed.slice(1)) throw new Error(`JSONPath ${JSON.stringify(path)} is not supported (use $.field, [n] and ['key'] steps)`);
  let current: unknown = value;
  for (const step of steps) {
    if (current === null || typeof current !== 'object') return undefined;
    const key = step[1] ?? step[3] ?? step[4];
    current = key !== undefined ? (current as Record<string, unknown>)[key] : (current as unknown[])[Number(step[2])];
  }
  return current;
}

/**
 * A generic HTTP/JSON provider (beyond Flagger, as Argo Rollouts' `web` metric): GET the address
 * and read the number at the query, a JSONPath. Nothing at the path (or `null`) is no data; a
 * value that is not a number is an error.
 */
export function httpJsonProvider(options: MetricProviderOptions): MetricProvider {
  return {
    type: 'http',
    async query(jsonPath, { signal } = {}) {
      const reply = await fetchText(options.address, options, signal);
      if ('error' in reply) return { kind: 'error', message: reply.error };
      if (reply.status >= 400) return { kind: 'error', message: `error response: Status ${reply.status}: ${reply.body}` };
      let found: unknown;
      try {
        found = readJsonPath(JSON.parse(reply.body), jsonPath);
      } catch (error) {
        return { kind: 'error', message: (error as Error).message };
      }
      if (found === undefined || found === null) return { kind: 'noData', message: `no value at ${jsonPath} in ${options.address}` };
      const value = typeof found === 'number' ? found : typeof found === 'string' && found.trim() !== '' ? Number(found) : Number.NaN;
      if (Number.isNaN(value)) return { kind: 'error', message: `value at ${jsonPath} is not a number: ${JSON.stringify(found)}` };
      return { kind: 'value', value };
    },
  };
}

/** Flagger's HTTP observer queries (kubernetes and Gateway API providers): pod metrics of the target. */
const httpObserverQueries = {
  'request-success-rate': `sum(rate(http_request_duration_seconds_count{kubernetes_namespace="{{ namespace }}",kubernetes_pod_name=~"{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)",status!~"5.*"}[{{ interval }}])) / sum(rate(http_request_duration_seconds_count{kubernetes_namespace="{{ namespace }}",kubernetes_pod_name=~"{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"}[{{ interval }}])) * 100`,
  'request-duration': `histogram_quantile(0.99, sum(rate(http_request_duration_seconds_bucket{kubernetes_namespace="{{ namespace }}",kubernetes_pod_name=~"{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"}[{{ interval }}])) by (le))`,
} as const;

/** Flagger's NGINX observer queries: ingress-nginx's own request metrics for the canary ingress. */
const nginxObserverQueries = {
  'request-success-rate': `sum(rate(nginx_ingress_controller_requests{namespace="{{ namespace }}",ingress="{{ ingress }}",canary!="",status!~"5.*"}[{{ interval }}])) / sum(rate(nginx_ingress_controller_requests{namespace="{{ namespace }}",ingress="{{ ingress }}",canary!=""}[{{ interval }}])) * 100`,
  'request-duration': `sum(rate(nginx_ingress_controller_response_duration_seconds_sum{namespace="{{ namespace }}",ingress="{{ ingress }}",canary!=""}[{{ interval }}])) / sum(rate(nginx_ingress_controller_response_duration_seconds_count{namespace="{{ namespace }}",ingress="{{ ingress }}",canary!=""}[{{ interval }}])) * 1000`,
} as const;

/**
 * The query template of a built-in metric for a router, and how to turn its value into
 * milliseconds for `request-duration` (truncated to whole milliseconds, as Flagger's Duration).
 */
export function builtinQuery(provider: RouterProvider, metric: 'request-success-rate' | 'request-duration'): { template: string; toThresholdUnit: (value: number) => number } {
  if (provider === 'nginx') return { template: nginxObserverQueries[metric], toThresholdUnit: (value) => (metric === 'request-duration' ? Math.trunc(value) : value) };
  return { template: httpObserverQueries[metric], toThresholdUnit: (value) => (metric === 'request-duration' ? Math.trunc(value * 1000) : value) };
}
