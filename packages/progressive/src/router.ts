/**
 * Routers: how traffic is split between `<svc>-primary` and `<svc>-canary`. One interface, three
 * implementations (Gateway API HTTPRoute, the Kubernetes Service selector, ingress-nginx canary
 * annotations), chosen by the Canary's `spec.provider` or the controller's default.
 */
import type { KubeClient } from '@weft/reconcile-core';
import type { Canary, RouterProvider } from './canary-types.js';
import type { RouteObservation } from './advance.js';

/** Options of every router verb. */
export interface RouterCallOptions {
  readonly signal?: AbortSignal;
}

/** A way of splitting traffic. Each verb reads or writes the router's own objects only. */
export interface Router {
  readonly provider: RouterProvider;
  /** Creates the routing objects (all traffic to the primary) or brings them back in shape, keeping the weights. */
  reconcile(canary: Canary, options?: RouterCallOptions): Promise<void>;
  /** Reads the weights back. */
  getRoutes(canary: Canary, options?: RouterCallOptions): Promise<RouteObservation>;
  /** Sets the weights (and mirroring, where the router can mirror). */
  setRoutes(canary: Canary, routes: RouteObservation, options?: RouterCallOptions): Promise<void>;
}

/** Builds the router for a provider. */
export type RouterFactory = (provider: RouterProvider, client: KubeClient) => Router;
