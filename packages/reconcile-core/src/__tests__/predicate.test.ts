import pino from 'pino';
import { from, lastValueFrom, toArray } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { controller } from '../controller/controller.js';
import { resourceKind } from '../resource/kinds.js';
import type { KubeObject } from '../resource/objects.js';
import { anyOf, type Predicate, predicateFilter, predicates } from '../pipeline/predicate.js';
import { done } from '../controller/reconciler.js';
import type { WatchEvent } from '../pipeline/watch.js';
import { configMap, fakeKubeConfig, FakeTransport } from './fake-transport.js';

const obj = (name: string, metadata: Partial<KubeObject['metadata']> = {}, status?: unknown): KubeObject => ({
  apiVersion: 'example.com/v1',
  kind: 'WebApp',
  metadata: { namespace: 'prod', name, ...metadata },
  ...(status === undefined ? {} : { status }),
});
const names = async (events: WatchEvent<KubeObject>[], predicate: Predicate<KubeObject> = predicates.generation) =>
  (await lastValueFrom(from(events).pipe(predicateFilter(predicate), toArray()))).map((event) => ('object' in event ? `${event.type}:${event.object.metadata.name}` : event.type));

describe('predicateFilter', () => {
  it('drops status-only updates under the generation predicate and passes new generations, deletes and markers', async () => {
    const events: WatchEvent<KubeObject>[] = [
      { type: 'Init' },
      { type: 'InitApply', object: obj('a', { generation: 1 }) },
      { type: 'InitDone' },
      { type: 'Apply', object: obj('a', { generation: 1, resourceVersion: '2' }, { phase: 'Ready' }) },
      { type: 'Apply', object: obj('b', { generation: 1 }) },
      { type: 'Apply', object: obj('a', { generation: 2 }) },
      { type: 'Apply', object: obj('a', { generation: 2, deletionTimestamp: new Date('2026-01-01T00:00:00Z') }) },
      { type: 'Delete', object: obj('a', { generation: 2 }) },
      { type: 'Apply', object: obj('a', { generation: 2 }) },
    ];
    expect(await names(events)).toEqual(['Init', 'InitApply:a', 'InitDone', 'Apply:b', 'Apply:a', 'Apply:a', 'Delete:a', 'Apply:a']);
  });

  it('keys objects by namespace and name, lets objects without a generation through and survives a throwing predicate', async () => {
    const other = { ...obj('a', { generation: 1 }), metadata: { namespace: 'dev', name: 'a', generation: 1 } };
    expect(await names([{ type: 'Apply', object: obj('a', { generation: 1 }) }, { type: 'Apply', object: other }])).toEqual(['Apply:a', 'Apply:a']);
    expect(await names([{ type: 'Apply', object: obj('c') }, { type: 'Apply', object: obj('c') }])).toEqual(['Apply:c', 'Apply:c']);
    const throwing = () => {
      throw new Error('boom');
    };
    expect(await names([{ type: 'Apply', object: obj('d') }, { type: 'Apply', object: obj('d') }], throwing)).toEqual(['Apply:d', 'Apply:d']);
  });

  it('anyOf passes when any part changed', async () => {
    const predicate = anyOf(predicates.generation, predicates.finalizers, predicates.annotations);
    const events: WatchEvent<KubeObject>[] = [
      { type: 'Apply', object: obj('a', { generation: 1 }) },
      { type: 'Apply', object: obj('a', { generation: 1, finalizers: ['x'] }) },
      { type: 'Apply', object: obj('a', { generation: 1, finalizers: ['x'] }, { ready: true }) },
      { type: 'Apply', object: obj('a', { generation: 1, finalizers: ['x'], annotations: { 'reconcile.weft.dev/requestedAt': 'now' } }) },
      { type: 'Apply', object: obj('a', { generation: 1, finalizers: ['x'], labels: { team: 'web' }, annotations: { 'reconcile.weft.dev/requestedAt': 'now' } }) },
    ];
    expect(await names(events, predicate)).toEqual(['Apply:a', 'Apply:a', 'Apply:a']);
  });
});

describe('controller predicates', () => {
  beforeEach(() => vi.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => vi.useRealTimers());
  const WebAppKind = resourceKind<KubeObject>({ apiVersion: 'example.com/v1', kind: 'WebApp', plural: 'webapps', namespaced: true });
  const SourceKind = resourceKind<KubeObject>({ apiVersion: 'example.com/v1', kind: 'Source', plural: 'sources', namespaced: true });
  const kubeConfig = fakeKubeConfig();
  const flush = () => vi.advanceTimersByTimeAsync(0);

  it('reconciles the primary kind only when its predicate value changes, while the cache sees every event', async () => {
    const transport = new FakeTransport();
    transport.listAnswersByPath.set('/apis/example.com/v1/webapps', [{ items: [configMap('a', '1', { generation: 1 })], resourceVersion: '10' }]);
    transport.listAnswersByPath.set('/apis/example.com/v1/sources', [{ items: [configMap('git', '1')], resourceVersion: '10' }]);
    const calls: string[] = [];
    const web = controller(WebAppKind, { predicate: predicates.generation, logger: pino({ level: 'silent' }) })
      .watches(SourceKind, () => [{ namespace: 'default', name: 'a' }], { predicate: (source) => (source['status'] as { revision?: string } | undefined)?.revision ?? '' })
      .reconcile(async (object) => {
        calls.push(`${object.metadata.name}@${object.metadata.resourceVersion}`);
        return done;
      });
    const subscription = web.run({ kubeConfig, transport }).subscribe();
    await flush();
    // The initial lists trigger (first sight of each object, of both kinds).
    expect(new Set(calls)).toEqual(new Set(['a@1']));
    calls.length = 0;

    transport.streamOn('/apis/example.com/v1/webapps').push('MODIFIED', { ...configMap('a', '11', { generation: 1 }), status: { ready: true } });
    await flush();
    expect(calls).toEqual([]);
    expect(web.store!.get('default/a')!.metadata.resourceVersion).toBe('11');

    transport.streamOn('/apis/example.com/v1/sources').push('MODIFIED', { ...configMap('git', '12'), status: { conditions: [] } });
    await flush();
    expect(calls).toEqual([]);
    transport.streamOn('/apis/example.com/v1/sources').push('MODIFIED', { ...configMap('git', '13'), status: { revision: 'main@sha1:2' } });
    await flush();
    expect(calls).toEqual(['a@11']);

    transport.streamOn('/apis/example.com/v1/webapps').push('MODIFIED', configMap('a', '14', { generation: 2 }));
    await flush();
    expect(calls).toEqual(['a@11', 'a@14']);
    subscription.unsubscribe();
  });
});
