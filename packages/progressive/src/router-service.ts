/**
 * The `kubernetes` provider: no traffic splitting. The apex Service selects the primary's pods,
 * `<svc>-canary` the canary's, and a release is promoted by rolling the primary (blue-green),
 * as Flagger's kubernetes provider does.
 */
import type { Router } from './router.js';

/**
 * The Service-selector router.
 *
 * @remarks The weights it reports follow the analysis (all to the canary once an iteration ran),
 * as Flagger's NopRouter reports them; it writes nothing, the Services being reconciled with the
 * Canary's other generated objects.
 */
export function serviceRouter(): Router {
  return {
    provider: 'kubernetes',
    async reconcile() {},
    async getRoutes(canary) {
      return (canary.status?.iterations ?? 0) > 0 ? { primaryWeight: 0, canaryWeight: 100, mirrored: false } : { primaryWeight: 100, canaryWeight: 0, mirrored: false };
    },
    async setRoutes() {},
  };
}
