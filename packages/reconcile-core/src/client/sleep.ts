/**
 * Waits `ms` milliseconds, or less if the signal aborts first (it never rejects; callers check
 * `signal.aborted` and throw their own typed error). The timer does not keep the process alive
 * once the signal has aborted.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
