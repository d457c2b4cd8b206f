/**
 * Manual control of a release (beyond Flagger; Argo Rollouts users know these as
 * `kubectl argo rollouts promote / abort / retry / pause`): each is a status patch setting
 * `status.request`, which the controller acts on at the Canary's next tick and then clears.
 * Anyone who can patch `canaries/status` can do the same with kubectl:
 * `kubectl patch canary web --subresource=status --type=merge -p '{"status":{"request":{"action":"retry"}}}'`.
 */
import type { KubeClient } from '@weft/reconcile-core';
import type { Canary, ManualAction } from './canary-types.js';
import { CanaryKind } from './resources.js';

/** Options of the manual request functions. */
export interface ManualRequestOptions {
  readonly signal?: AbortSignal;
  /** The request's timestamp; default now. */
  readonly now?: Date;
}

/**
 * Writes a manual request into a Canary's status.
 *
 * @remarks What each does at the next tick: `promote` skips the rest of the analysis (from
 * Progressing or WaitingPromotion); `abort` rolls back now (Progressing, WaitingPromotion);
 * `retry` analyses the failed revision again (Failed); `pause` holds everything as it is until
 * `resume`. A request that does not apply to the phase is dropped with a Warning event.
 * @throws the client's errors (NotFoundError for a missing Canary).
 */
export async function requestCanary(client: KubeClient, ref: { namespace: string; name: string }, action: ManualAction, options: ManualRequestOptions = {}): Promise<Canary> {
  const requestedAt = (options.now ?? new Date()).toISOString();
  return client.patchStatus(CanaryKind, ref.name, { status: { request: { action, requestedAt } } }, { namespace: ref.namespace, type: 'merge', ...(options.signal ? { signal: options.signal } : {}) });
}

/** Skips the rest of the analysis and promotes. See {@link requestCanary}. */
export function promoteCanary(client: KubeClient, ref: { namespace: string; name: string }, options?: ManualRequestOptions): Promise<Canary> {
  return requestCanary(client, ref, 'promote', options);
}

/** Rolls back now. See {@link requestCanary}. */
export function abortCanary(client: KubeClient, ref: { namespace: string; name: string }, options?: ManualRequestOptions): Promise<Canary> {
  return requestCanary(client, ref, 'abort', options);
}

/** Analyses a failed revision again without a template change (flagger#862). See {@link requestCanary}. */
export function retryCanary(client: KubeClient, ref: { namespace: string; name: string }, options?: ManualRequestOptions): Promise<Canary> {
  return requestCanary(client, ref, 'retry', options);
}

/** Holds the release where it is. See {@link requestCanary}. */
export function pauseCanary(client: KubeClient, ref: { namespace: string; name: string }, options?: ManualRequestOptions): Promise<Canary> {
  return requestCanary(client, ref, 'pause', options);
}

/** Lets a paused release go on. See {@link requestCanary}. */
export function resumeCanary(client: KubeClient, ref: { namespace: string; name: string }, options?: ManualRequestOptions): Promise<Canary> {
  return requestCanary(client, ref, 'resume', options);
}
