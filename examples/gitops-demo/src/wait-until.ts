/** How a step waits for the cluster: testkit's `eventually`, cut by the step's signal. */
import { eventually } from '@weft/testkit';

/** A step's check did not hold in time; the message says what was last seen. */
export class StepTimeoutError extends Error {
  override name = 'StepTimeoutError';
}

/**
 * Polls `check` with testkit's `eventually` until it returns; it throws to say what is not there
 * yet. When the step's signal ends the wait, fails with a {@link StepTimeoutError} quoting what the
 * check last said.
 */
export async function waitUntil<T>(what: string, check: () => Promise<T>, signal: AbortSignal): Promise<T> {
  let notYet: unknown = new Error('not checked yet');
  const probe = async () => {
    try {
      // Wrapped: a check may return nothing (void) once it holds, which eventually would take for "not yet".
      return { value: await check() };
    } catch (error) {
      // A check cut short by the step's own timeout says nothing about the cluster.
      if (!signal.aborted) notYet = error;
      throw error;
    }
  };
  try {
    return (await eventually(what, probe, { signal, timeoutMs: Number.POSITIVE_INFINITY, intervalMs: 100 })).value;
  } catch {
    const reason = signal.reason instanceof StepTimeoutError ? 'timed out' : 'stopped';
    throw new StepTimeoutError(`${reason} waiting for ${what}: ${notYet instanceof Error ? notYet.message : String(notYet)}`);
  }
}
