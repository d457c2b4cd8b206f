import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { controller } from '../controller/controller.js';
import { createLogger } from '../controller/logging.js';
import { ConfigMapKind, resourceKind } from '../resource/kinds.js';
import type { KubeObject } from '../resource/objects.js';
import { done, type ReconcileOutcome, ReconcileTimeoutError, requeueAfter, TerminalError } from '../controller/reconciler.js';
import { configMap, fakeKubeConfig, FakeTransport } from './fake-transport.js';

const WebAppKind = resourceKind<KubeObject>({ apiVersion: 'example.com/v1', kind: 'WebApp', plural: 'webapps', namespaced: true });
const appsPath = '/apis/example.com/v1/webapps';
const configMapsPath = '/api/v1/configmaps';

const app = (name: string, rv = '1') => configMap(name, rv);
const flush = () => vi.advanceTimersByTimeAsync(0);
const silent = pino({ level: 'silent' });

describe('controller', () => {
  beforeEach(() => vi.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => vi.useRealTimers());

  function start(
    reconcile: (object: KubeObject, context: import('../controller/reconciler.js').ReconcileContext<KubeObject>) => Promise<unknown>,
    options: { timeout?: string; concurrency?: number; stopSignal?: AbortSignal; owns?: boolean; logger?: import('pino').Logger } = {},
  ) {
    const transport = new FakeTransport();
    transport.listAnswersByPath.set(appsPath, [{ items: [app('a'), app('b')], resourceVersion: '10' }]);
    transport.listAnswersByPath.set(configMapsPath, [{ items: [], resourceVersion: '10' }]);
    const calls: string[] = [];
    const outcomes: ReconcileOutcome[] = [];
    let builder = controller(WebAppKind, { timeout: options.timeout, concurrency: options.concurrency, logger: options.logger ?? silent });
    if (options.owns) builder = builder.owns(ConfigMapKind);
    let completed = false;
    const subscription = builder
      .reconcile(async (object, context) => {
        calls.push(object.metadata.name);
        return (await reconcile(object, context)) as never;
      })
      .run({ kubeConfig: fakeKubeConfig(), transport, stopSignal: options.stopSignal })
      .subscribe({ next: (outcome) => outcomes.push(outcome), complete: () => (completed = true) });
    return { transport, calls, outcomes, subscription, completed: () => completed };
  }

  it('reconciles each listed object once the cache is ready, then each change', async () => {
    const h = start(async () => done);
    await flush();
    expect(h.calls).toEqual(['a', 'b']);
    h.transport.streamOn(appsPath).push('MODIFIED', app('a', '11'));
    await flush();
    expect(h.calls).toEqual(['a', 'b', 'a']);
    expect(h.outcomes.map((o) => `${o.key}:${o.result}`)).toEqual(['default/a:success', 'default/b:success', 'default/a:success']);
    h.subscription.unsubscribe();
  });

  it('reconciles the owner when an owned child changes', async () => {
    const h = start(async () => done, { owns: true });
    await flush();
    h.transport.streamOn(configMapsPath).push('MODIFIED', configMap('child', '12', { ownerReferences: [{ apiVersion: 'example.com/v1', kind: 'WebApp', name: 'b', uid: 'u', controller: true }] }));
    await flush();
    expect(h.calls).toEqual(['a', 'b', 'b']);
    expect(h.transport.listRequests.find((r) => r.path === configMapsPath)!.accept).toContain('PartialObjectMetadataList');
    h.subscription.unsubscribe();
  });

  it('retries a throwing reconcile with per-key exponential backoff and keeps serving other keys', async () => {
    let failures = 0;
    const h = start(async (object) => {
      if (object.metadata.name === 'a' && failures < 3) {
        failures += 1;
        throw new Error('flaky');
      }
      return done;
    });
    await flush();
    expect(h.calls).toEqual(['a', 'b']);
    expect(h.outcomes[0]).toMatchObject({ key: 'default/a', result: 'error', requeueAfterMs: 5 });
    await vi.advanceTimersByTimeAsync(5);
    await vi.advanceTimersByTimeAsync(10);
    await vi.advanceTimersByTimeAsync(20);
    expect(h.calls).toEqual(['a', 'b', 'a', 'a', 'a']);
    expect(h.outcomes.map((o) => o.requeueAfterMs)).toEqual([5, undefined, 10, 20, undefined]);
    h.subscription.unsubscribe();
  });

  it('does not retry a TerminalError, and requeues after the delay a Result asks for', async () => {
    const h = start(async (object) => {
      if (object.metadata.name === 'a') throw new TerminalError('bad spec');
      return requeueAfter('1m');
    });
    await flush();
    expect(h.outcomes.map((o) => `${o.key}:${o.result}:${o.terminal ?? ''}`)).toEqual(['default/a:error:true', 'default/b:requeue_after:']);
    await vi.advanceTimersByTimeAsync(59_999);
    expect(h.calls).toEqual(['a', 'b']);
    await vi.advanceTimersByTimeAsync(1);
    expect(h.calls).toEqual(['a', 'b', 'b']);
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(h.calls.filter((name) => name === 'a')).toEqual(['a']);
    h.subscription.unsubscribe();
  });

  it("requeueAfter('1000h') comes back after 1000 hours, not in a loop (setTimeout's limit is about 596 h)", async () => {
    const h = start(async () => requeueAfter('1000h'));
    await flush();
    expect(h.calls).toEqual(['a', 'b']);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(h.calls).toEqual(['a', 'b']);
    await vi.advanceTimersByTimeAsync(1000 * 3_600_000 - 60_000);
    expect(h.calls).toEqual(['a', 'b', 'a', 'b']);
    h.subscription.unsubscribe();
  });

  it('a timeout of 1000 hours does not cut a reconcile short', async () => {
    let finish!: () => void;
    const h = start((object) => (object.metadata.name === 'a' ? new Promise((resolve) => (finish = () => resolve(done))) : Promise.resolve(done)), { timeout: '1000h' });
    await flush();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(h.outcomes).toEqual([]);
    finish();
    await flush();
    expect(h.outcomes.map((outcome) => `${outcome.key}:${outcome.result}`)).toEqual(['default/a:success', 'default/b:success']);
    h.subscription.unsubscribe();
  });

  it('a hanging reconcile times out, its signal aborts, and the controller moves on', async () => {
    const h = start(
      (object) => {
        if (object.metadata.name === 'a') return new Promise(() => undefined);
        return Promise.resolve(done);
      },
      { timeout: '2s', concurrency: 1 },
    );
    await flush();
    expect(h.calls).toEqual(['a']);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(h.outcomes[0]!.error).toBeInstanceOf(ReconcileTimeoutError);
    expect(h.calls).toEqual(['a', 'b']);
    h.subscription.unsubscribe();
  });

  it('a key never runs twice at once: after a timeout its next attempt waits until the abandoned one returns, while other keys go on', async () => {
    let running = 0;
    let mostAtOnce = 0;
    const finish: (() => void)[] = [];
    const h = start(
      (object) => {
        if (object.metadata.name !== 'a') return Promise.resolve(done);
        running += 1;
        mostAtOnce = Math.max(mostAtOnce, running);
        // Ignores its signal: JavaScript cannot stop it.
        return new Promise((resolve) =>
          finish.push(() => {
            running -= 1;
            resolve(done);
          }),
        );
      },
      { timeout: '2s', concurrency: 1 },
    );
    await flush();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(h.outcomes[0]).toMatchObject({ key: 'default/a', result: 'error', requeueAfterMs: 5 });
    expect(h.outcomes[0]!.error).toBeInstanceOf(ReconcileTimeoutError);
    // The retry is due, and a change of `a` arrives: neither may start while the first attempt runs.
    h.transport.streamOn(appsPath).push('MODIFIED', app('a', '11'));
    h.transport.streamOn(appsPath).push('MODIFIED', app('b', '12'));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(h.calls).toEqual(['a', 'b', 'b']);
    finish[0]!();
    await flush();
    expect(h.calls).toEqual(['a', 'b', 'b', 'a']);
    expect(mostAtOnce).toBe(1);
    h.subscription.unsubscribe();
  });

  it('hands reconcile the cached object frozen: a mutation throws, and the retry sees what the apiserver sent', async () => {
    const seen: unknown[] = [];
    const h = start(async (object) => {
      seen.push(object.metadata.labels);
      if (object.metadata.name === 'a') (object.metadata as { labels?: Record<string, string> }).labels = { mutated: 'yes' };
      return done;
    });
    await flush();
    expect(h.outcomes[0]).toMatchObject({ key: 'default/a', result: 'error', terminal: false });
    expect(h.outcomes[0]!.error).toBeInstanceOf(TypeError);
    await vi.advanceTimersByTimeAsync(5);
    expect(h.calls).toEqual(['a', 'b', 'a']);
    expect(seen).toEqual([undefined, undefined, undefined]);
    h.subscription.unsubscribe();
  });

  it('an object deleted from the cache is reported missing without calling the reconciler', async () => {
    const h = start(async () => done);
    await flush();
    h.transport.streamOn(appsPath).push('DELETED', app('a', '12'));
    await flush();
    expect(h.calls).toEqual(['a', 'b']);
    expect(h.outcomes.at(-1)).toMatchObject({ key: 'default/a', result: 'missing' });
    h.subscription.unsubscribe();
  });

  it('on stop, lets the in-flight reconcile finish, drops the rest and completes', async () => {
    const stop = new AbortController();
    let release!: () => void;
    const h = start((object) => (object.metadata.name === 'a' ? new Promise((resolve) => (release = () => resolve(done))) : Promise.resolve(done)), { stopSignal: stop.signal });
    await flush();
    stop.abort();
    await flush();
    expect(h.completed()).toBe(false);
    release();
    await flush();
    expect(h.completed()).toBe(true);
    expect(h.calls).toEqual(['a']);
    expect(h.outcomes.map((o) => o.result)).toEqual(['success']);
    expect(h.transport.streamOn(appsPath).request.signal.aborted).toBe(true);
  });

  it('logs JSON lines carrying the controller and object keys', async () => {
    const lines: Record<string, unknown>[] = [];
    const raw: string[] = [];
    const logger = createLogger({
      level: 'info',
      name: 'web-operator',
      destination: {
        write: (line: string) => {
          raw.push(line);
          lines.push(JSON.parse(line) as Record<string, unknown>);
        },
      },
    });
    const h = start(
      async (object, context) => {
        if (object.metadata.name === 'b') throw new Error('broken');
        context.logger.info({ step: 'apply' }, 'reconciling');
        return done;
      },
      { logger },
    );
    await flush();
    const info = lines.find((line) => line['msg'] === 'reconciling')!;
    expect(info).toMatchObject({ level: 'info', logger: 'web-operator', controller: 'webapp', controllerKind: 'WebApp', namespace: 'default', name: 'a', step: 'apply' });
    // One `name` key per line (the object's): a JSON reader keeps only the last of duplicate keys.
    const reconciling = raw.find((line) => line.includes('"msg":"reconciling"'))!;
    expect(reconciling.match(/"name":/g)).toHaveLength(1);
    expect(info['reconcileID']).toMatch(/^[0-9a-f-]{36}$/);
    expect(typeof info['time']).toBe('string');
    const failure = lines.find((line) => line['level'] === 'error')!;
    expect(failure).toMatchObject({ controller: 'webapp', name: 'b', msg: 'reconcile failed; retrying', retryInMs: 5 });
    expect((failure['err'] as { message: string }).message).toBe('broken');
    h.subscription.unsubscribe();
  });

  it('reconciles an object first seen in a relist once the relist is swapped in, not as missing', async () => {
    const h = start(async () => done);
    await flush();
    h.transport.listAnswersByPath.set(appsPath, [{ items: [app('a'), app('b'), app('c', '20')], resourceVersion: '20' }]);
    h.transport.streamOn(appsPath).push('ERROR', { kind: 'Status', code: 410, reason: 'Expired', message: 'too old' });
    await flush();
    expect(h.outcomes.filter((o) => o.key === 'default/c').map((o) => o.result)).toEqual(['success']);
    expect(h.calls).toContain('c');
    h.subscription.unsubscribe();
  });

  it('reconciles an object changed during a relist with the relisted version, not the one from before', async () => {
    const seen: string[] = [];
    const h = start(async (object) => {
      seen.push(`${object.metadata.name}@${object.metadata.resourceVersion}`);
      return done;
    });
    await flush();
    // The relist's second page is held back, so the reconcile that page one triggers runs mid-relist.
    let releaseSecondPage!: () => void;
    const secondPage = new Promise<void>((resolve) => (releaseSecondPage = resolve));
    const list = h.transport.list.bind(h.transport);
    h.transport.list = async (request) => {
      if (request.query['continue']) await secondPage;
      return list(request);
    };
    h.transport.listAnswersByPath.set(appsPath, [
      { items: [app('a', '21')], resourceVersion: '22', continue: 'next' },
      { items: [app('b')], resourceVersion: '22' },
    ]);
    h.transport.streamOn(appsPath).push('ERROR', { kind: 'Status', code: 410, reason: 'Expired', message: 'too old' });
    await flush();
    expect(seen).toEqual(['a@1', 'b@1']);
    releaseSecondPage();
    await flush();
    expect(seen.slice(2)).toEqual(['a@21', 'b@1']);
    h.subscription.unsubscribe();
  });
});
