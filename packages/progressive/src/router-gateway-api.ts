/**
 * The `gatewayapi:v1` provider: an HTTPRoute named after the apex Service, with a weighted rule
 * over `<svc>-primary` and `<svc>-canary` and, for A/B testing, a first rule that sends the
 * matching requests to the canary.
 */
import { isNotFoundError, resourceKind, type KubeClient, type KubeObject } from '@weft/reconcile-core';
import type { Canary, HttpMatchRequest } from './canary-types.js';
import type { RouteObservation } from './advance.js';
import { controllerRef, serviceNames } from './generated-objects.js';
import { canonicalJson } from './revision.js';
import type { Router, RouterCallOptions } from './router.js';
import { InvalidCanaryError } from './errors.js';

/** The Gateway API `HTTPRoute` kind (`gateway.networking.k8s.io/v1`). */
export const HTTPRouteKind = resourceKind<HTTPRoute>({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', plural: 'httproutes', namespaced: true });

export interface HTTPRoute extends KubeObject {
  spec?: { parentRefs?: unknown[]; hostnames?: string[]; rules?: HTTPRouteRule[] };
}

/** A weighted backend of an HTTPRoute rule (a Service and port). */
export interface BackendRef {
  group: string;
  kind: string;
  name: string;
  port: number;
  weight: number;
}
/** One rule of an HTTPRoute, as far as the router writes and reads it. */
export interface HTTPRouteRule {
  matches?: unknown[];
  filters?: unknown[];
  backendRefs?: BackendRef[];
}

/** Flagger's mapping of Istio-style matches to Gateway API matches. */
export function routeMatches(matches: readonly HttpMatchRequest[] | undefined): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const match of matches ?? []) {
    const route: Record<string, unknown> = {};
    if (match.uri) {
      if (match.uri.regex) route['path'] = { type: 'RegularExpression', value: match.uri.regex };
      else if (match.uri.exact) route['path'] = { type: 'Exact', value: match.uri.exact };
      else if (match.uri.prefix) route['path'] = { type: 'PathPrefix', value: match.uri.prefix };
    }
    if (match.method?.exact) route['method'] = match.method.exact;
    const headers = Object.entries(match.headers ?? {}).flatMap(([name, value]) => (value.exact ? [{ name, type: 'Exact', value: value.exact }] : value.regex ? [{ name, type: 'RegularExpression', value: value.regex }] : []));
    if (headers.length > 0) route['headers'] = headers;
    const queryParams = Object.entries(match.queryParams ?? {}).flatMap(([name, value]) => (value.exact ? [{ name, type: 'Exact', value: value.exact }] : value.regex ? [{ name, type: 'RegularExpression', value: value.regex }] : []));
    if (queryParams.length > 0) route['queryParams'] = queryParams;
    if (Object.keys(route).length > 0) out.push(route);
  }
  return out;
}

function mergeMatches(analysis: Record<string, unknown>[], service: Record<string, unknown>[]): Record<string, unknown>[] {
  if (analysis.length === 0) return service;
  if (service.length === 0) return analysis;
  return analysis.flatMap((a) => service.map((s) => ({ ...s, ...(a['headers'] ? { headers: a['headers'] } : {}), ...(a['queryParams'] ? { queryParams: a['queryParams'] } : {}) })));
}

function headerFilters(canary: Canary): unknown[] {
  const headers = canary.spec.service.headers;
  const filters: unknown[] = [];
  const modifier = (ops: NonNullable<NonNullable<typeof headers>['request']>) => ({
    ...(ops.add ? { add: Object.entries(ops.add).map(([name, value]) => ({ name, value })).sort((a, b) => a.name.localeCompare(b.name)) } : {}),
    ...(ops.set ? { set: Object.entries(ops.set).map(([name, value]) => ({ name, value })).sort((a, b) => a.name.localeCompare(b.name)) } : {}),
    ...(ops.remove ? { remove: [...ops.remove] } : {}),
  });
  if (headers?.request) filters.push({ type: 'RequestHeaderModifier', requestHeaderModifier: modifier(headers.request) });
  if (headers?.response) filters.push({ type: 'ResponseHeaderModifier', responseHeaderModifier: modifier(headers.response) });
  return filters;
}

/** The HTTPRoute spec for the given weights (Flagger's Reconcile and SetRoutes build the same). */
export function httpRouteSpec(canary: Canary, routes: RouteObservation): NonNullable<HTTPRoute['spec']> {
  const names = serviceNames(canary);
  const port = canary.spec.service.port;
  const backend = (name: string, weight: number): BackendRef => ({ group: '', kind: 'Service', name, port, weight });
  const serviceMatches = routeMatches(canary.spec.service.match);
  const matches = serviceMatches.length > 0 ? serviceMatches : [{ path: { type: 'PathPrefix', value: '/' } }];
  const filters = headerFilters(canary);
  const weighted: HTTPRouteRule = {
    matches,
    ...(filters.length > 0 || routes.mirrored ? { filters: [...filters, ...(routes.mirrored ? [{ type: 'RequestMirror', requestMirror: { backendRef: { group: '', kind: 'Service', name: names.canary, port } } }] : [])] } : {}),
    backendRefs: [backend(names.primary, routes.primaryWeight), backend(names.canary, routes.canaryWeight)],
  };
  const rules: HTTPRouteRule[] = [weighted];
  const analysisMatches = routeMatches(canary.spec.analysis?.match);
  if (analysisMatches.length > 0) {
    weighted.matches = mergeMatches(analysisMatches, matches);
    rules.push({ matches, ...(filters.length > 0 ? { filters } : {}), backendRefs: [backend(names.primary, 100)] });
  }
  return {
    parentRefs: (canary.spec.service.gatewayRefs ?? []).map((ref) => ({ group: ref.group ?? 'gateway.networking.k8s.io', kind: ref.kind ?? 'Gateway', ...ref })),
    ...(canary.spec.service.hosts && canary.spec.service.hosts.length > 0 ? { hostnames: [...canary.spec.service.hosts] } : {}),
    rules,
  };
}

function readRoutes(route: HTTPRoute, canary: Canary): RouteObservation {
  const names = serviceNames(canary);
  let primaryWeight = 0;
  let canaryWeight = 0;
  let mirrored = false;
  for (const rule of route.spec?.rules ?? []) {
    if (rule.backendRefs?.length === 2) {
      for (const ref of rule.backendRefs) {
        if (ref.name === names.primary) primaryWeight = ref.weight ?? 1;
        if (ref.name === names.canary) canaryWeight = ref.weight ?? 1;
      }
    }
    for (const filter of (rule.filters ?? []) as { type?: string; requestMirror?: { backendRef?: { name?: string } } }[]) {
      if (filter.type === 'RequestMirror' && filter.requestMirror?.backendRef?.name === names.canary) mirrored = true;
    }
  }
  return { primaryWeight, canaryWeight, mirrored };
}

/** Drops what the apiserver defaults (weights aside), so a desired spec compares with a live one. */
function comparable(spec: HTTPRoute['spec'] | undefined): string {
  const rules = (spec?.rules ?? []).map((rule) => ({ ...rule, backendRefs: (rule.backendRefs ?? []).map(({ weight: _weight, ...ref }) => ref) }));
  return canonicalJson({ parentRefs: spec?.parentRefs ?? [], hostnames: spec?.hostnames ?? [], rules });
}

/**
 * The Gateway API router.
 *
 * @remarks `reconcile` creates the HTTPRoute with all traffic on the primary, or rewrites a
 * drifted spec keeping the current weights; `setRoutes` replaces the spec. Unlike Flagger v1.44,
 * a mirror filter is written whenever mirroring is asked for (Flagger writes it only for
 * blue-green), so the canary strategy's mirror step mirrors here too.
 */
export function gatewayApiRouter(client: KubeClient): Router {
  const get = async (canary: Canary, options: RouterCallOptions) => {
    try {
      return await client.get(HTTPRouteKind, serviceNames(canary).apex, { namespace: canary.metadata.namespace, ...(options.signal ? { signal: options.signal } : {}) });
    } catch (error) {
      if (isNotFoundError(error)) return undefined;
      throw error;
    }
  };
  const write = async (canary: Canary, existing: HTTPRoute | undefined, spec: NonNullable<HTTPRoute['spec']>, options: RouterCallOptions) => {
    const signal = options.signal ? { signal: options.signal } : {};
    if (!existing) {
      await client.create<HTTPRoute>({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: serviceNames(canary).apex, namespace: canary.metadata.namespace, ownerReferences: [controllerRef(canary)] }, spec }, signal);
      return;
    }
    await client.update<HTTPRoute>({ ...existing, spec }, signal);
  };
  return {
    provider: 'gatewayapi:v1',
    async reconcile(canary, options = {}) {
      if ((canary.spec.service.gatewayRefs ?? []).length === 0) throw new InvalidCanaryError(canary, 'spec.service.gatewayRefs', 'must name at least one Gateway for the gatewayapi:v1 provider');
      const existing = await get(canary, options);
      const routes = existing ? readRoutes(existing, canary) : { primaryWeight: 100, canaryWeight: 0, mirrored: false };
      const spec = httpRouteSpec(canary, { ...routes, mirrored: existing ? routes.mirrored : false });
      if (existing && comparable(existing.spec) === comparable(spec)) return;
      await write(canary, existing, spec, options);
    },
    async getRoutes(canary, options = {}) {
      const existing = await get(canary, options);
      if (!existing) throw new Error(`HTTPRoute ${canary.metadata.namespace}/${serviceNames(canary).apex} not found`);
      return readRoutes(existing, canary);
    },
    async setRoutes(canary, routes, options = {}) {
      const existing = await get(canary, options);
      await write(canary, existing, httpRouteSpec(canary, routes), options);
    },
  };
}
