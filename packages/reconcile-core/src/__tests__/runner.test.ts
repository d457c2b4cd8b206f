import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { run } from '../pipeline/runner.js';

interface Gate {
  promise: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}
function deferred(): Gate {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('run', () => {
  function harness(concurrency: number, onSourceComplete?: 'drain' | 'finish-in-flight') {
    const input = new Subject<string>();
    const started: string[] = [];
    const pending = new Map<string, Gate[]>();
    let active = 0;
    let maxActive = 0;
    const activeKeys = new Set<string>();
    let overlap = false;
    const outcomes: string[] = [];
    let completed = false;
    const errors: unknown[] = [];
    const subscription = input
      .pipe(
        run(
          async (key) => {
            if (activeKeys.has(key)) overlap = true;
            activeKeys.add(key);
            active += 1;
            maxActive = Math.max(maxActive, active);
            started.push(key);
            const gate = deferred();
            pending.set(key, [...(pending.get(key) ?? []), gate]);
            try {
              await gate.promise;
              return `${key}:ok`;
            } finally {
              active -= 1;
              activeKeys.delete(key);
            }
          },
          { keyOf: (key) => key, concurrency, onSourceComplete, onWorkError: (error) => errors.push(error) },
        ),
      )
      .subscribe({ next: (o) => outcomes.push(o), complete: () => (completed = true) });
    const finish = async (key: string, error?: unknown) => {
      const gate = pending.get(key)!.shift()!;
      if (error) gate.reject(error);
      else gate.resolve();
      await tick();
    };
    return { input, started, finish, outcomes, subscription, errors, stats: () => ({ maxActive, overlap }), completed: () => completed };
  }

  it('never runs more than the concurrency limit, in arrival order', async () => {
    const h = harness(2);
    for (const key of ['a', 'b', 'c', 'd']) h.input.next(key);
    await tick();
    expect(h.started).toEqual(['a', 'b']);
    await h.finish('b');
    expect(h.started).toEqual(['a', 'b', 'c']);
    await h.finish('a');
    await h.finish('c');
    await h.finish('d');
    expect(h.outcomes).toEqual(['b:ok', 'a:ok', 'c:ok', 'd:ok']);
    expect(h.stats().maxActive).toBe(2);
  });

  it('merges requests for a queued key', async () => {
    const h = harness(1);
    h.input.next('a');
    h.input.next('b');
    h.input.next('b');
    h.input.next('b');
    await tick();
    await h.finish('a');
    await h.finish('b');
    expect(h.started).toEqual(['a', 'b']);
  });

  it('never runs a key twice at once; updates while it runs re-queue it exactly once', async () => {
    const h = harness(4);
    h.input.next('a');
    await tick();
    h.input.next('a');
    h.input.next('a');
    h.input.next('a');
    await tick();
    expect(h.started).toEqual(['a']);
    await h.finish('a');
    expect(h.started).toEqual(['a', 'a']);
    await h.finish('a');
    expect(h.started).toEqual(['a', 'a']);
    expect(h.stats().overlap).toBe(false);
  });

  it('releases the key when work rejects and keeps running', async () => {
    const h = harness(1);
    h.input.next('a');
    h.input.next('b');
    await tick();
    await h.finish('a', new Error('boom'));
    expect(h.errors).toHaveLength(1);
    expect(h.started).toEqual(['a', 'b']);
    await h.finish('b');
    h.input.next('a');
    await tick();
    expect(h.started).toEqual(['a', 'b', 'a']);
  });

  it('drains the queue when the source completes by default', async () => {
    const h = harness(1);
    h.input.next('a');
    h.input.next('b');
    h.input.complete();
    await tick();
    await h.finish('a');
    expect(h.completed()).toBe(false);
    await h.finish('b');
    expect(h.completed()).toBe(true);
  });

  it('finish-in-flight drops the queue and completes after running work ends', async () => {
    const h = harness(1, 'finish-in-flight');
    h.input.next('a');
    h.input.next('b');
    await tick();
    h.input.next('a');
    h.input.complete();
    await tick();
    expect(h.completed()).toBe(false);
    await h.finish('a');
    expect(h.completed()).toBe(true);
    expect(h.started).toEqual(['a']);
    expect(h.outcomes).toEqual(['a:ok']);
  });
});

describe('run with holdKeyUntil', () => {
  it('frees the slot with the outcome but keeps the key busy until the held work ends; other keys use the slot', async () => {
    const input = new Subject<string>();
    const started: string[] = [];
    const held = new Map<string, Gate>();
    const outcomes: string[] = [];
    const subscription = input
      .pipe(
        run(
          async (key) => {
            started.push(key);
            // `a` answers at once but leaves work running in the background, as an abandoned reconcile does.
            if (key === 'a' && !held.has('a')) held.set('a', deferred());
            return key;
          },
          { keyOf: (key) => key, concurrency: 1, holdKeyUntil: (outcome) => (outcome === 'a' ? held.get('a')?.promise : undefined) },
        ),
      )
      .subscribe((outcome) => outcomes.push(outcome));
    input.next('a');
    await tick();
    input.next('a');
    input.next('b');
    await tick();
    expect(started).toEqual(['a', 'b']);
    expect(outcomes).toEqual(['a', 'b']);
    held.get('a')!.resolve();
    await tick();
    expect(started).toEqual(['a', 'b', 'a']);
    subscription.unsubscribe();
  });
});
