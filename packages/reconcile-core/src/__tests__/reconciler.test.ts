import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { done, isTerminalError, ReconcileTimeoutError, reconcilerFrom, requeueAfter, TerminalError, withTimeout } from '../controller/reconciler.js';

describe('reconcile contract', () => {
  it('done and requeueAfter are results; durations parse Go-style', () => {
    expect(done.requeueAfterMs).toBeUndefined();
    expect(requeueAfter('5m').requeueAfterMs).toBe(300_000);
    expect(requeueAfter(250).requeueAfterMs).toBe(250);
    expect(() => requeueAfter('soon')).toThrow(/invalid duration/);
  });

  it('TerminalError is a non-retryable WeftError', () => {
    const error = new TerminalError('spec.image is required');
    expect(isTerminalError(error)).toBe(true);
    expect(error.retryable).toBe(false);
    expect(isTerminalError(new Error('x'))).toBe(false);
  });

  it('reconcilerFrom adapts functions', async () => {
    const reconciler = reconcilerFrom(async () => requeueAfter('1s'));
    expect(await reconciler.reconcile({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } }, {} as never)).toEqual({ requeueAfterMs: 1000 });
    expect(reconciler.finalize).toBeUndefined();
  });
});

describe('withTimeout', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('aborts the signal with ReconcileTimeoutError and stops waiting for a hanging attempt', async () => {
    let seen: AbortSignal | undefined;
    const result = withTimeout('prod/web', 1000, undefined, (signal) => {
      seen = signal;
      return new Promise<never>(() => undefined);
    });
    const caught = result.catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(1000);
    const error = await caught;
    expect(error).toBeInstanceOf(ReconcileTimeoutError);
    expect(seen!.aborted).toBe(true);
    expect(seen!.reason).toBe(error);
  });

  it('tells shutdown from timeout: the parent reason passes through', async () => {
    const parent = new AbortController();
    const result = withTimeout('prod/web', 1000, parent.signal, () => new Promise<never>(() => undefined)).catch((error: unknown) => error);
    parent.abort(new Error('shutdown'));
    expect(((await result) as Error).message).toBe('shutdown');
  });

  it('passes results and errors of a prompt attempt through and clears its timer', async () => {
    await expect(withTimeout('k', 1000, undefined, async () => 7)).resolves.toBe(7);
    await expect(withTimeout('k', 1000, undefined, async () => { throw new Error('bad'); })).rejects.toThrow('bad');
    expect(vi.getTimerCount()).toBe(0);
  });
});
