import { setMaxListeners } from 'node:events';
import { type Condition, type Duration, type KubeClient, type KubeObject, formatDuration, isGoneError, isNotFoundError, parseDuration, setLongTimeout, sleep } from '@weft/reconcile-core';
import { ReconcileRequestTimeoutError, subjectOf } from './errors.js';
import { type ObjectName, type OperableKind, readyCondition, revisionOf } from './object-status.js';

/** Options of {@link waitForReconcile}. */
export interface WaitForReconcileOptions {
  /** The `requestedAt` of {@link requestReconcile} (or of {@link resumeResource}). */
  readonly requestedAt: string;
  /** How long to wait; default `5m` (Flux's `--timeout`). */
  readonly timeout?: Duration;
  /** Called with the object each time it changes while the request is pending. */
  readonly onProgress?: (progress: ReconcileProgress) => void;
  /** Aborting stops the wait with reconcile-core's `CancelledError`. */
  readonly signal?: AbortSignal;
}

/** Where a pending reconcile request stands, as {@link WaitForReconcileOptions.onProgress} reports it. */
export interface ReconcileProgress {
  /** Whether the controller has picked the request up (`status.lastHandledReconcileAt` equals it). */
  readonly handled: boolean;
  /** The object's Ready condition as it is now, if it has one. */
  readonly ready: Condition | undefined;
  /** The object as last seen. */
  readonly object: KubeObject;
}

/** How a reconcile request ended (see {@link waitForReconcile}). */
export interface ReconcileResult {
  /** Whether the object ended Ready (`Ready=True`). */
  readonly ready: boolean;
  /** The Ready condition's reason (`ReconciliationSucceeded`, `BuildFailed`, …). */
  readonly reason: string;
  /** The Ready condition's message. */
  readonly message: string;
  /** The revision the object last acted on, if its kind has one (see {@link revisionOf}). */
  readonly revision: string | undefined;
  /** The object as its controller left it. */
  readonly object: KubeObject;
}

/** Why a wait was stopped by its own deadline, to tell it from the caller's abort. */
class DeadlinePassed extends Error {}

/**
 * Waits until an object's controller has handled a reconcile request, and returns how the
 * reconcile ended.
 *
 * @remarks
 * Guarantees: the request counts as handled once `status.lastHandledReconcileAt` equals
 * `requestedAt` and the Ready condition is no longer `Unknown` (a Kustomization writes
 * `Ready=Unknown` while it applies and waits for health, then `True` or `False`). A failed
 * reconcile is a result with `ready: false`, not an error. The object is followed by a watch (no
 * polling); a watch the server ends or expires (410) is reopened from a fresh read.
 * Caveat: an object whose controller is not running never handles the request: the wait ends
 * with {@link ReconcileRequestTimeoutError} quoting its last Ready message.
 * @throws {@link ReconcileRequestTimeoutError} when `timeout` passes first.
 * @throws reconcile-core's `CancelledError` when the signal aborts; `NotFoundError` when the object
 * is (or gets) deleted; other `KubeApiError`s.
 * @example
 * ```ts
 * import { KustomizationKind, waitForReconcile } from '@weft/delivery';
 *
 * const result = await waitForReconcile(client, KustomizationKind, { namespace: 'apps', name: 'shop' }, { requestedAt, timeout: '2m' });
 * console.log(result.ready ? `applied ${result.revision}` : `${result.reason}: ${result.message}`);
 * ```
 */
export async function waitForReconcile(client: KubeClient, kind: OperableKind, ref: ObjectName, options: WaitForReconcileOptions): Promise<ReconcileResult> {
  const timeout = parseDuration(options.timeout ?? '5m');
  const subject = subjectOf(kind, ref);
  const stop = new AbortController();
  setMaxListeners(0, stop.signal);
  const onAbort = () => stop.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) onAbort();
  // A timeout past setTimeout's limit (about 596 h) would otherwise pass after 1 ms.
  const timer = setLongTimeout(() => stop.abort(new DeadlinePassed()), timeout);
  let object: KubeObject | undefined;
  try {
    for (;;) {
      const opened = Date.now();
      object = await client.get(kind, ref.name, { namespace: ref.namespace, signal: stop.signal });
      const settled = settle(object, options);
      if (settled) return settled;
      try {
        const events = client.watch(kind, { namespace: ref.namespace, fieldSelector: `metadata.name=${ref.name}`, resourceVersion: object.metadata.resourceVersion, timeoutSeconds: 300, signal: stop.signal });
        for await (const event of events) {
          if (event.type === 'BOOKMARK' || event.object.metadata.name !== ref.name) continue;
          if (event.type === 'DELETED') {
            // Read it again: the read throws the apiserver's NotFoundError, naming the object.
            break;
          }
          object = event.object;
          const done = settle(object, options);
          if (done) return done;
        }
      } catch (error) {
        if (!isGoneError(error)) throw error;
      }
      // A watch the server ends at once is not reopened in a tight loop.
      if (Date.now() - opened < 1_000) await sleep(1_000, stop.signal);
    }
  } catch (error) {
    if (stop.signal.reason instanceof DeadlinePassed && !options.signal?.aborted && !isNotFoundError(error)) {
      const ready = object ? readyCondition(object) : undefined;
      const last = ready ? ` (last Ready=${ready.status} ${ready.reason}: ${ready.message})` : '';
      throw new ReconcileRequestTimeoutError(subject, `${subject} did not handle the reconcile request of ${options.requestedAt} within ${formatDuration(timeout)}${last}; is its controller running?`, object);
    }
    throw error;
  } finally {
    timer.clear();
    options.signal?.removeEventListener('abort', onAbort);
    stop.abort();
  }
}

/** The result when the request is handled and settled; undefined (after reporting progress) while it is not. */
function settle(object: KubeObject, options: WaitForReconcileOptions): ReconcileResult | undefined {
  const status = (object['status'] ?? {}) as { lastHandledReconcileAt?: unknown };
  const handled = status.lastHandledReconcileAt === options.requestedAt;
  const ready = readyCondition(object);
  if (handled && ready && ready.status !== 'Unknown') {
    return { ready: ready.status === 'True', reason: ready.reason ?? '', message: ready.message ?? '', revision: revisionOf(object), object };
  }
  options.onProgress?.({ handled, ready, object });
  return undefined;
}
