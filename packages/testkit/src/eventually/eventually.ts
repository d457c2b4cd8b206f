import { setLongTimeout } from '@weft/reconcile-core';

/** Options of {@link eventually}. */
export interface EventuallyOptions {
  /** Give up after this long. @defaultValue 30 000 ms */
  readonly timeoutMs?: number;
  /** Wait this long between two probes. @defaultValue 100 ms */
  readonly intervalMs?: number;
  /** Stops waiting (the promise rejects with the signal's reason). */
  readonly signal?: AbortSignal;
}

/** What a probe answers while the condition does not hold yet. */
export type NotYet = undefined | null | false;

/** {@link eventually} ran out of time; the message names what it waited for and the probe's last error. */
export class EventuallyTimeoutError extends Error {
  override readonly name = 'EventuallyTimeoutError';
  constructor(
    readonly what: string,
    readonly timeoutMs: number,
    readonly lastError?: unknown,
  ) {
    super(
      `timed out after ${timeoutMs} ms waiting for ${what}` +
        (lastError === undefined ? '' : ` (last probe error: ${lastError instanceof Error ? lastError.message : String(lastError)})`),
      lastError === undefined ? undefined : { cause: lastError },
    );
  }
}

/**
 * Probes until a condition holds and returns what the probe found: the one poll helper of Weft's
 * tests and demos.
 *
 * @remarks
 * The probe answers `undefined`, `null` or `false` while the condition does not hold; any other
 * value ends the wait and is returned. A probe that throws counts as "not yet" (an object not
 * created yet answers 404), and its last error is quoted if time runs out. Probes never overlap: the
 * next starts `intervalMs` after the previous one ended.
 *
 * @throws {@link EventuallyTimeoutError} after `timeoutMs`.
 * @throws the signal's reason when `signal` aborts.
 * @example
 * ```ts
 * import { eventually } from '@weft/testkit';
 *
 * const ready = await eventually('the Deployment to be ready', async () => {
 *   const deployment = await apps.readNamespacedDeployment({ name: 'web', namespace });
 *   return deployment.status?.readyReplicas === 3 && deployment;
 * }, { timeoutMs: 60_000 });
 * ```
 */
export async function eventually<T>(
  what: string,
  probe: () => T | NotYet | Promise<T | NotYet>,
  options: EventuallyOptions = {},
): Promise<Exclude<T, NotYet>> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const intervalMs = options.intervalMs ?? 100;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    options.signal?.throwIfAborted();
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false) return value as Exclude<T, NotYet>;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) throw new EventuallyTimeoutError(what, timeoutMs, lastError);
    await new Promise<void>((resolve, reject) => {
      const timer = setLongTimeout(done, Math.min(intervalMs, Math.max(0, deadline - Date.now())));
      function done() {
        options.signal?.removeEventListener('abort', aborted);
        resolve();
      }
      function aborted() {
        timer.clear();
        reject(options.signal!.reason);
      }
      options.signal?.addEventListener('abort', aborted, { once: true });
    });
  }
}
