import { describeObject, objectRef, type KubeClient, type KubeObject, type ObjectRef } from '@weft/reconcile-core';
import { mapConcurrently } from './bounded-concurrency.js';
import { cancelled, getLive, pause, setTarget } from './requests.js';
import { objectHealth, type HealthStatus } from './health.js';

/** One object's health when {@link wait} returned. */
export interface ObjectHealth {
  readonly ref: ObjectRef;
  readonly subject: string;
  readonly status: HealthStatus;
  readonly reason: string;
}

/** The result of {@link wait}. */
export interface WaitResult {
  /** Every object's last health, in the order given. */
  readonly objects: readonly ObjectHealth[];
  /** Whether every object is healthy. */
  readonly healthy: boolean;
  /** Whether the timeout ran out before every object was healthy (or one failed). */
  readonly timedOut: boolean;
  readonly healthyObjects: readonly ObjectHealth[];
  readonly progressing: readonly ObjectHealth[];
  readonly failed: readonly ObjectHealth[];
}

/** Options of {@link wait}. */
export interface WaitOptions {
  /** In ms. Default 5 minutes. */
  readonly timeout?: number;
  /** Poll interval in ms. Default 500. */
  readonly interval?: number;
  /** Return as soon as one object fails, instead of waiting for the others. Default true. */
  readonly failFast?: boolean;
  /** Abort to stop waiting (a newer revision arrived): `wait` then rejects with a `CancelledError`. */
  readonly signal?: AbortSignal;
  readonly concurrency?: number;
}

/**
 * Waits until every object is healthy, one has failed, or the timeout runs out, and says which
 * objects are healthy, progressing or failed, and why (kstatus rules, see {@link objectHealth}).
 *
 * @remarks
 * Tells "cancelled" from "timed out": a timeout resolves with `timedOut: true`; an aborted signal
 * rejects with `CancelledError` at once, so a newer revision never waits for a stale health check.
 * Missing and terminating objects count as progressing.
 * @throws `CancelledError` when the signal aborts.
 * @example
 * ```ts
 * import { wait } from '@weft/drift';
 *
 * const health = await wait(client, objects, { timeout: 120_000, signal });
 * if (!health.healthy) for (const item of health.failed) console.error(item.subject, item.reason);
 * ```
 */
export async function wait(client: KubeClient, objects: readonly (KubeObject | ObjectRef)[], options: WaitOptions = {}): Promise<WaitResult> {
  const refs = objects.map((item) => ('metadata' in item ? objectRef(item as KubeObject) : (item as ObjectRef)));
  const deadline = Date.now() + (options.timeout ?? 300_000);
  const failFast = options.failFast ?? true;
  for (;;) {
    if (options.signal?.aborted) throw cancelled('wait', setTarget(refs.length), options.signal);
    const healths = await mapConcurrently(refs, options.concurrency ?? 16, async (ref): Promise<ObjectHealth> => {
      const health = objectHealth(await getLive(client, ref, { signal: options.signal }));
      return { ref, subject: describeObject(ref), ...health };
    });
    const failed = healths.filter((item) => item.status === 'failed');
    const healthy = healths.filter((item) => item.status === 'healthy');
    const done = healthy.length === healths.length || (failFast && failed.length > 0) || healthy.length + failed.length === healths.length;
    const timedOut = !done && Date.now() >= deadline;
    if (done || timedOut) {
      return { objects: healths, healthy: healthy.length === healths.length, timedOut, healthyObjects: healthy, failed, progressing: healths.filter((item) => item.status !== 'healthy' && item.status !== 'failed') };
    }
    await pause(Math.min(options.interval ?? 500, Math.max(0, deadline - Date.now())), 'wait', setTarget(refs.length), options.signal);
  }
}
