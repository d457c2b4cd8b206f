import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ServerError } from '../client/errors.js';
import { EventRecorder, type KubeEvent } from '../lifecycle/events.js';
import type { KubeObject } from '../resource/objects.js';

function fakeClient(options: { failCreate?: boolean } = {}) {
  const created: KubeEvent[] = [];
  const patches: { name: string; patch: unknown }[] = [];
  const client = {
    async create(event: KubeEvent) {
      if (options.failCreate) throw new ServerError({ verb: 'create', target: { group: 'events.k8s.io', version: 'v1', kind: 'Event' }, code: 503 });
      created.push(event);
      return event;
    },
    async patch(_kind: unknown, name: string, patch: unknown) {
      patches.push({ name, patch });
      return {};
    },
  } as unknown as ConstructorParameters<typeof EventRecorder>[0];
  return { client, created, patches };
}

const app: KubeObject = { apiVersion: 'apps.example.com/v1', kind: 'WebApp', metadata: { name: 'web', namespace: 'prod', uid: 'u-1', resourceVersion: '7' } };

describe('EventRecorder', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-02-03T04:05:06.789Z') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('creates an events.k8s.io/v1 Event naming the object, the controller and the instance', async () => {
    const fake = fakeClient();
    const recorder = new EventRecorder(fake.client, { reportingController: 'weft.dev/web', reportingInstance: 'pod-1' });
    await recorder.publish(app, { type: 'Normal', reason: 'Reconciled', action: 'Reconcile', note: 'ok', related: { group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'prod', name: 'web' } });
    expect(fake.created).toHaveLength(1);
    const event = fake.created[0]!;
    expect(event.metadata.name).toMatch(/^web\.[0-9a-f]+$/);
    expect(event).toMatchObject({
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { namespace: 'prod' },
      eventTime: '2026-02-03T04:05:06.789000Z',
      reportingController: 'weft.dev/web',
      reportingInstance: 'pod-1',
      type: 'Normal',
      reason: 'Reconciled',
      action: 'Reconcile',
      note: 'ok',
      regarding: { apiVersion: 'apps.example.com/v1', kind: 'WebApp', name: 'web', namespace: 'prod', uid: 'u-1', resourceVersion: '7' },
      related: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'prod' },
    });
  });

  it('folds repeats within the window into one series, coalescing the writes', async () => {
    const fake = fakeClient();
    const recorder = new EventRecorder(fake.client, { reportingController: 'weft.dev/web', seriesFlushInterval: '1s' });
    await recorder.publish(app, { type: 'Warning', reason: 'Failed', action: 'Apply', note: 'a' });
    const repeats = [recorder.publish(app, { type: 'Warning', reason: 'Failed', action: 'Apply', note: 'b' }), recorder.publish(app, { type: 'Warning', reason: 'Failed', action: 'Apply', note: 'c' })];
    await vi.advanceTimersByTimeAsync(200);
    repeats.push(recorder.publish(app, { type: 'Warning', reason: 'Failed', action: 'Apply' }));
    expect(fake.patches).toEqual([]);
    await vi.advanceTimersByTimeAsync(1000);
    await Promise.all(repeats);
    expect(fake.created).toHaveLength(1);
    expect(fake.patches).toEqual([{ name: fake.created[0]!.metadata.name, patch: { series: { count: 4, lastObservedTime: '2026-02-03T04:05:06.989000Z' } } }]);

    // A different reason is a different event; a repeat after the window starts a new Event.
    await recorder.publish(app, { type: 'Warning', reason: 'Other', action: 'Apply' });
    vi.setSystemTime(Date.now() + 7 * 60_000);
    await recorder.publish(app, { type: 'Warning', reason: 'Failed', action: 'Apply' });
    expect(fake.created.map((event) => event.reason)).toEqual(['Failed', 'Other', 'Failed']);
  });

  it('takes the short event(object, type, reason, message) form a ReconcileContext recorder uses', async () => {
    const fake = fakeClient();
    const recorder: { event(object: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): unknown } = new EventRecorder(fake.client, { reportingController: 'weft.dev/web' });
    await recorder.event(app, 'Warning', 'ApplyFailed', 'immutable field');
    expect(fake.created[0]).toMatchObject({ type: 'Warning', reason: 'ApplyFailed', action: 'Reconcile', note: 'immutable field' });
  });

  it('flush writes pending series at once', async () => {
    const fake = fakeClient();
    const recorder = new EventRecorder(fake.client, { reportingController: 'weft.dev/web', seriesFlushInterval: '1h' });
    await recorder.publish(app, { type: 'Normal', reason: 'R', action: 'A' });
    void recorder.publish(app, { type: 'Normal', reason: 'R', action: 'A' });
    await recorder.flush();
    expect(fake.patches).toHaveLength(1);
  });

  it('never rejects: a failed write goes to onError, and the next occurrence tries a new Event', async () => {
    const fake = fakeClient({ failCreate: true });
    const errors: unknown[] = [];
    const recorder = new EventRecorder(fake.client, { reportingController: 'weft.dev/web', onError: (error) => errors.push(error) });
    await expect(recorder.publish(app, { type: 'Normal', reason: 'R', action: 'A' })).resolves.toBeUndefined();
    await expect(recorder.publish(app, { type: 'Normal', reason: 'R', action: 'A' })).resolves.toBeUndefined();
    expect(errors).toHaveLength(2);
    expect(fake.patches).toEqual([]);
  });

  it('truncates notes to 1 kB and puts cluster-scoped objects in default', async () => {
    const fake = fakeClient();
    const recorder = new EventRecorder(fake.client, { reportingController: 'weft.dev/web' });
    await recorder.publish({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'prod' } }, { type: 'Normal', reason: 'R', action: 'A', note: 'é'.repeat(1000) });
    expect(fake.created[0]?.metadata.namespace).toBe('default');
    expect(Buffer.byteLength(fake.created[0]?.note ?? '')).toBeLessThanOrEqual(1024);
    expect(fake.created[0]?.note?.endsWith('...')).toBe(true);
  });
});
