import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { exponentialBackoff } from '../pipeline/backoff.js';
import { ConfigMapKind } from '../resource/kinds.js';
import type { KubeObject } from '../resource/objects.js';
import { apiErrorFromResponse, ConnectionError, KubeApiError } from '../client/errors.js';
import { apiTarget } from '../client/status.js';
import { stripManagedFields, watch, type WatchEvent, WatchInactivityError } from '../pipeline/watch.js';

const configMaps = apiTarget('v1', 'ConfigMap');
const apiError = (verb: string, code: number, reason: string, message: string) => apiErrorFromResponse({ verb, target: configMaps, code, body: { kind: 'Status', status: 'Failure', code, reason, message } });
import { configMap, FakeTransport } from './fake-transport.js';

type Summary = string;
function summarize(event: WatchEvent<KubeObject>): Summary {
  if (event.type === 'Error') return `Error:${event.error.name}:${event.retryInMs}`;
  if ('object' in event) return `${event.type}:${event.object.metadata.name}`;
  return event.type;
}

const flush = () => vi.advanceTimersByTimeAsync(0);

describe('watch', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function start(transport: FakeTransport, options: Partial<Parameters<typeof watch>[1]> = {}) {
    const events: Summary[] = [];
    const raw: WatchEvent<KubeObject>[] = [];
    const subscription = watch(ConfigMapKind, { transport, backoff: exponentialBackoff({ jitter: 0 }), ...options }).subscribe((event) => {
      events.push(summarize(event as WatchEvent<KubeObject>));
      raw.push(event as WatchEvent<KubeObject>);
    });
    return { events, raw, subscription };
  }

  it('an inactivity timeout of 1000 hours keeps the connection (it does not overflow into a reconnect loop)', async () => {
    const transport = new FakeTransport();
    transport.listAnswers.push({ items: [], resourceVersion: '10' });
    const { events, subscription } = start(transport, { inactivityTimeoutMs: 1000 * 3_600_000 });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(events).toEqual(['Init', 'InitDone']);
    expect(transport.watchRequests).toHaveLength(1);
    subscription.unsubscribe();
  });

  it('lists page by page, then watches from the list resourceVersion with bookmarks', async () => {
    const transport = new FakeTransport();
    transport.listAnswers.push(
      { items: [configMap('a', '1'), configMap('b', '2')], resourceVersion: '10', continue: 'page2' },
      { items: [configMap('c', '3')], resourceVersion: '10' },
    );
    const { events, raw, subscription } = start(transport, { pageSize: 2, namespace: 'default', labelSelector: 'app=web' });
    await flush();
    expect(events).toEqual(['Init', 'InitApply:a', 'InitApply:b', 'InitApply:c', 'InitDone']);
    expect(transport.listRequests.map((request) => request.query)).toEqual([
      { labelSelector: 'app=web', limit: '2', resourceVersion: '0' },
      { labelSelector: 'app=web', limit: '2', continue: 'page2' },
    ]);
    expect(transport.listRequests[0]!.path).toBe('/api/v1/namespaces/default/configmaps');
    expect(transport.watchRequests[0]!.query).toMatchObject({ watch: '1', resourceVersion: '10', allowWatchBookmarks: 'true', labelSelector: 'app=web' });
    // Lists leave apiVersion and kind out of their items; the watch fills them in.
    const first = raw[1] as { object: KubeObject };
    expect(first.object.apiVersion).toBe('v1');
    expect(first.object.kind).toBe('ConfigMap');
    subscription.unsubscribe();
  });

  it('turns ADDED, MODIFIED and DELETED into Apply and Delete, and resumes from the newest bookmark after the server closes', async () => {
    const transport = new FakeTransport();
    transport.listAnswers.push({ items: [], resourceVersion: '5' });
    const { events, subscription } = start(transport);
    await flush();
    transport.lastStream.push('ADDED', configMap('a', '6'));
    transport.lastStream.push('MODIFIED', configMap('a', '7'));
    transport.lastStream.push('DELETED', configMap('a', '8'));
    transport.lastStream.push('BOOKMARK', { kind: 'ConfigMap', metadata: { resourceVersion: '42' } });
    transport.lastStream.end();
    await flush();
    expect(events).toEqual(['Init', 'InitDone', 'Apply:a', 'Apply:a', 'Delete:a']);
    expect(transport.watchRequests).toHaveLength(2);
    expect(transport.watchRequests[1]!.query['resourceVersion']).toBe('42');
    expect(transport.listRequests).toHaveLength(1);
    subscription.unsubscribe();
  });

  it('relists on 410 Gone and emits objects missing from the new list as deletes after InitDone', async () => {
    const transport = new FakeTransport();
    transport.listAnswers.push({ items: [configMap('a', '1'), configMap('b', '2')], resourceVersion: '2' });
    transport.listAnswers.push({ items: [configMap('b', '9'), configMap('c', '9')], resourceVersion: '9' });
    const { events, subscription } = start(transport);
    await flush();
    transport.lastStream.push('ADDED', configMap('d', '3'));
    transport.lastStream.push('ERROR', { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version: 2 (5)' });
    await flush();
    expect(events).toEqual([
      'Init', 'InitApply:a', 'InitApply:b', 'InitDone', 'Apply:d',
      'Init', 'InitApply:b', 'InitApply:c', 'InitDone', 'Delete:a', 'Delete:d',
    ]);
    expect(transport.watchRequests[1]!.query['resourceVersion']).toBe('9');
    // The first list may come from the watch cache; the relist after Gone must be a consistent read.
    expect(transport.listRequests.map((request) => request.query['resourceVersion'])).toEqual(['0', undefined]);
    subscription.unsubscribe();
  });

  it('reads even the first list from the latest state when asked for a consistent list', async () => {
    const transport = new FakeTransport();
    transport.listAnswers.push({ items: [configMap('a', '1')], resourceVersion: '1' });
    const { events, subscription } = start(transport, { consistentList: true });
    await flush();
    expect(events).toEqual(['Init', 'InitApply:a', 'InitDone']);
    expect(transport.listRequests.map((request) => request.query['resourceVersion'])).toEqual([undefined]);
    subscription.unsubscribe();
  });

  it('restarts the list when a continue token expires in the middle of paging', async () => {
    const transport = new FakeTransport();
    transport.listAnswers.push(
      { items: [configMap('a', '1')], resourceVersion: '1', continue: 'tok' },
      apiError('list', 410, 'Expired', 'continue expired'),
      { items: [configMap('a', '1'), configMap('b', '2')], resourceVersion: '3' },
    );
    const { events, subscription } = start(transport);
    await flush();
    expect(events).toEqual(['Init', 'InitApply:a', 'Init', 'InitApply:a', 'InitApply:b', 'InitDone']);
    expect(transport.listRequests.map((request) => [request.query['resourceVersion'], request.query['continue']])).toEqual([
      ['0', undefined],
      [undefined, 'tok'],
      [undefined, undefined],
    ]);
    subscription.unsubscribe();
  });

  it('emits connection errors as values, backs off exponentially and resumes the watch without relisting', async () => {
    const transport = new FakeTransport();
    transport.listAnswers.push({ items: [], resourceVersion: '5' });
    const { events, raw, subscription } = start(transport);
    await flush();
    transport.lastStream.push('ADDED', configMap('a', '6'));
    transport.lastStream.fail(new ConnectionError({ verb: 'watch', target: configMaps, code: 0, detail: 'watch stream broke: ECONNRESET' }));
    await flush();
    expect(events.at(-1)).toBe('Error:ConnectionError:800');
    expect(transport.watchRequests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(799);
    expect(transport.watchRequests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(transport.watchRequests).toHaveLength(2);
    expect(transport.watchRequests[1]!.query['resourceVersion']).toBe('6');
    // Anything that is not a Weft error is wrapped, naming the kind: still a value, still retried.
    transport.lastStream.fail(new Error('something else'));
    await flush();
    expect(events.at(-1)).toBe('Error:WeftError:1600');
    expect((raw.at(-1) as { error: Error }).error.message).toBe('ConfigMap watch failed: something else');
    expect(transport.listRequests).toHaveLength(1);
    subscription.unsubscribe();
  });

  it('retries a failing list with backoff instead of stopping', async () => {
    const transport = new FakeTransport();
    transport.listAnswers.push(apiError('list', 503, 'ServiceUnavailable', 'Service Unavailable'), { items: [configMap('a', '1')], resourceVersion: '1' });
    const { events, subscription } = start(transport);
    await flush();
    expect(events).toEqual(['Init', 'Error:ServerError:800']);
    await vi.advanceTimersByTimeAsync(800);
    expect(events).toEqual(['Init', 'Error:ServerError:800', 'Init', 'InitApply:a', 'InitDone']);
    subscription.unsubscribe();
  });

  it('reconnects a watch that stays silent longer than the inactivity timeout', async () => {
    const transport = new FakeTransport();
    transport.listAnswers.push({ items: [], resourceVersion: '5' });
    const { events, raw, subscription } = start(transport, { inactivityTimeoutMs: 10_000 });
    await flush();
    await vi.advanceTimersByTimeAsync(9_000);
    transport.lastStream.push('BOOKMARK', { metadata: { resourceVersion: '7' } });
    await vi.advanceTimersByTimeAsync(9_000);
    expect(transport.watchRequests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(raw.at(-1)).toMatchObject({ type: 'Error' });
    const inactive = (raw.at(-1) as { error: unknown }).error;
    expect(inactive).toBeInstanceOf(WatchInactivityError);
    // One vocabulary: a silent watch is the client's TimeoutError of a watch.
    expect(inactive).toMatchObject({ name: 'WatchInactivityError', source: 'client', verb: 'watch', message: 'ConfigMap watch failed: no event for 10000 ms; reconnecting' });
    expect(inactive).toBeInstanceOf(KubeApiError);
    expect(transport.watchRequests[0]!.signal.aborted).toBe(true);
    await vi.advanceTimersByTimeAsync(800);
    expect(transport.watchRequests).toHaveLength(2);
    expect(transport.watchRequests[1]!.query['resourceVersion']).toBe('7');
    expect(events.filter((event) => event.startsWith('Init'))).toEqual(['Init', 'InitDone']);
    subscription.unsubscribe();
  });

  it('applies the transform and asks for PartialObjectMetadata in metadata-only mode', async () => {
    const transport = new FakeTransport();
    transport.listAnswers.push({ items: [configMap('a', '1', { managedFields: [{ manager: 'kubectl' }] })], resourceVersion: '1' });
    const { raw, subscription } = start(transport, { metadataOnly: true, transform: stripManagedFields });
    await flush();
    expect(transport.listRequests[0]!.accept).toContain('as=PartialObjectMetadataList');
    expect(transport.watchRequests[0]!.accept).toContain('as=PartialObjectMetadata;');
    const object = (raw[1] as { object: KubeObject }).object;
    expect(object.metadata.managedFields).toBeUndefined();
    expect(object.kind).toBe('PartialObjectMetadata');
    subscription.unsubscribe();
  });

  it('stops every request when unsubscribed', async () => {
    const transport = new FakeTransport();
    transport.listAnswers.push({ items: [], resourceVersion: '1' });
    const { subscription } = start(transport);
    await flush();
    subscription.unsubscribe();
    await flush();
    expect(transport.watchRequests[0]!.signal.aborted).toBe(true);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(transport.watchRequests).toHaveLength(1);
  });
});
