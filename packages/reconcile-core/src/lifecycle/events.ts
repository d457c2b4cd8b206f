import { hostname } from 'node:os';
import type { KubeClient } from '../client/kube-client.js';
import { parseDuration, type Duration } from '../duration.js';
import { resourceKind } from '../resource/kinds.js';
import { type LongTimeout, setLongTimeout } from '../timers.js';
import type { KubeObject, ObjectRef } from '../resource/objects.js';

/** An `events.k8s.io/v1` Event, the fields Weft writes. */
export interface KubeEvent extends KubeObject {
  readonly eventTime: string;
  readonly reportingController: string;
  readonly reportingInstance: string;
  readonly action: string;
  readonly reason: string;
  readonly note?: string;
  readonly type: EventType;
  readonly regarding: EventObjectReference;
  readonly related?: EventObjectReference;
  readonly series?: { readonly count: number; readonly lastObservedTime: string };
}

/** `Normal` for expected progress, `Warning` for something a human may need to look at. */
export type EventType = 'Normal' | 'Warning';

/** The object an event is about, as `regarding` / `related` carry it. */
export interface EventObjectReference {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  readonly uid?: string;
  readonly resourceVersion?: string;
}

/** The `events.k8s.io/v1` Event kind (the legacy core kind is `CoreEventKind`). */
export const EventKind = resourceKind<KubeEvent>({ apiVersion: 'events.k8s.io/v1', kind: 'Event', plural: 'events', namespaced: true });

/** What happened, as {@link EventRecorder.publish} takes it. */
export interface EventInput {
  readonly type: EventType;
  /** CamelCase, why the action was taken: `ReconciliationSucceeded`, `ApplyFailed` (≤ 128 characters). */
  readonly reason: string;
  /** CamelCase, what was done or attempted: `Reconcile`, `Apply`, `Prune` (≤ 128 characters). */
  readonly action: string;
  /** Human-readable detail; truncated to 1 kB, as the apiserver requires. */
  readonly note?: string;
  /** A second object involved (e.g. the child that failed). */
  readonly related?: KubeObject | (ObjectRef & { readonly uid?: string });
}

/** Options of {@link EventRecorder}. */
export interface EventRecorderOptions {
  /** The controller that emits, e.g. `weft.dev/web-operator`. */
  readonly reportingController: string;
  /** This replica, e.g. the pod name. Default: the host name (truncated to 128 characters). */
  readonly reportingInstance?: string;
  /** A repeat within this long of the previous occurrence joins its series. Default `6m` (client-go's). */
  readonly aggregationWindow?: Duration;
  /** Repeats are written to the series at most this often. Default `500ms`. */
  readonly seriesFlushInterval?: Duration;
  /** Called when an event could not be written. Events are best effort: nothing else fails. */
  readonly onError?: (error: unknown, event: { readonly regarding: EventObjectReference; readonly reason: string }) => void;
}

interface Series {
  readonly name: string;
  readonly namespace: string;
  count: number;
  lastObserved: number;
  readonly created: Promise<boolean>;
  written: Promise<void>;
  timer: LongTimeout | undefined;
  waiters: (() => void)[];
}

const noteLimit = 1024;

/** RFC 3339 with microseconds, as `metav1.MicroTime` serialises. */
function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '000Z');
}

function referenceOf(object: KubeObject | (ObjectRef & { readonly uid?: string })): EventObjectReference {
  if ('metadata' in object && typeof object.metadata === 'object') {
    const { name, namespace, uid, resourceVersion } = object.metadata;
    return { apiVersion: object.apiVersion, kind: object.kind, name, ...(namespace ? { namespace } : {}), ...(uid ? { uid } : {}), ...(resourceVersion ? { resourceVersion } : {}) };
  }
  const ref = object as ObjectRef & { readonly uid?: string };
  return { apiVersion: ref.group ? `${ref.group}/${ref.version}` : ref.version, kind: ref.kind, name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}), ...(ref.uid ? { uid: ref.uid } : {}) };
}

/**
 * Records `events.k8s.io/v1` Events about objects, aggregating repeats into one Event's
 * `series` (count and last observed time), as client-go's events recorder does.
 *
 * @remarks
 * Guarantees: the first occurrence creates an Event named `<object>.<hex timestamp>` in the
 * object's namespace (`default` for cluster-scoped objects); a repeat — same object, related
 * object, type, reason and action — within `aggregationWindow` of the previous one increments the
 * series of that Event instead of creating another (writes are coalesced, at most one per
 * `seriesFlushInterval`); the series `count` is the number of occurrences.
 * Events are best effort: `publish` never rejects; failures go to `onError`.
 * Caveats: the note of a series is the first occurrence's (as in client-go).
 * @throws The constructor throws {@link InvalidDurationError} for a bad duration; `publish` never rejects.
 * @example
 * ```ts
 * import { EventRecorder } from '@weft/reconcile-core';
 * const recorder = new EventRecorder(client, { reportingController: 'weft.dev/web-operator' });
 * await recorder.publish(app, { type: 'Warning', reason: 'ApplyFailed', action: 'Apply', note: String(error) });
 * await recorder.close();
 * ```
 */
export class EventRecorder {
  private readonly series = new Map<string, Series>();
  private readonly reportingInstance: string;
  private readonly windowMs: number;
  private readonly flushMs: number;
  private lastPrune = Date.now();

  constructor(
    private readonly client: Pick<KubeClient, 'create' | 'patch'>,
    private readonly options: EventRecorderOptions,
  ) {
    this.reportingInstance = (options.reportingInstance ?? hostname()).slice(0, 128);
    this.windowMs = parseDuration(options.aggregationWindow ?? '6m');
    this.flushMs = parseDuration(options.seriesFlushInterval ?? '500ms');
  }

  /**
   * Records one occurrence of an event about an object. Resolves once it is written (as a new
   * Event or in its series); never rejects.
   *
   * @example
   * ```ts
   * import { EventRecorder } from '@weft/reconcile-core';
   * const recorder = new EventRecorder(client, { reportingController: 'weft.dev/web-operator' });
   * void recorder.publish(app, { type: 'Normal', reason: 'ReconciliationSucceeded', action: 'Reconcile', note: 'applied 12 objects' });
   * ```
   */
  publish(regarding: KubeObject | (ObjectRef & { readonly uid?: string }), event: EventInput): Promise<void> {
    const now = Date.now();
    if (now - this.lastPrune > Math.min(this.windowMs, 60_000)) this.prune(now);
    const regardingRef = referenceOf(regarding);
    const relatedRef = event.related ? referenceOf(event.related) : undefined;
    const key = JSON.stringify([regardingRef.apiVersion, regardingRef.kind, regardingRef.namespace, regardingRef.name, regardingRef.uid, relatedRef, event.type, event.reason, event.action]);
    const existing = this.series.get(key);
    if (existing && now - existing.lastObserved <= this.windowMs) {
      existing.count += 1;
      existing.lastObserved = now;
      return new Promise<void>((resolve) => {
        existing.waiters.push(resolve);
        existing.timer ??= setLongTimeout(() => this.writeSeries(existing, regardingRef, event.reason), this.flushMs);
      });
    }
    const namespace = regardingRef.namespace ?? 'default';
    const name = `${regardingRef.name}.${(BigInt(now) * 1_000_000n + process.hrtime.bigint() % 1_000_000n).toString(16)}`;
    const body: KubeEvent = {
      apiVersion: EventKind.apiVersion,
      kind: EventKind.kind,
      metadata: { name, namespace },
      eventTime: microTime(now),
      reportingController: this.options.reportingController,
      reportingInstance: this.reportingInstance,
      action: event.action.slice(0, 128),
      reason: event.reason.slice(0, 128),
      type: event.type,
      regarding: regardingRef,
      ...(event.note !== undefined ? { note: truncate(event.note) } : {}),
      ...(relatedRef ? { related: relatedRef } : {}),
    };
    const created = this.client.create(body, { kind: EventKind }).then(
      () => true,
      (error: unknown) => {
        this.options.onError?.(error, { regarding: regardingRef, reason: event.reason });
        if (this.series.get(key) === entry) this.series.delete(key);
        return false;
      },
    );
    const entry: Series = { name, namespace, count: 1, lastObserved: now, created, written: created.then(() => undefined), timer: undefined, waiters: [] };
    this.series.set(key, entry);
    return created.then(() => undefined);
  }

  /**
   * Records an event in the short form a `ReconcileContext`'s `recorder` takes: type, reason and
   * message, with the action `Reconcile` unless given.
   *
   * @remarks Same guarantees as {@link EventRecorder.publish}: aggregated, never rejects.
   * @example
   * ```ts
   * import { EventRecorder } from '@weft/reconcile-core';
   * const recorder = new EventRecorder(client, { reportingController: 'weft.dev/web-operator' });
   * void recorder.event(app, 'Warning', 'ApplyFailed', 'Deployment/prod/web: field is immutable');
   * ```
   */
  event(regarding: KubeObject, type: EventType, reason: string, message: string, action = 'Reconcile'): Promise<void> {
    return this.publish(regarding, { type, reason, action, note: message });
  }

  /**
   * Writes every pending series update now. Resolves when they are written; never rejects.
   *
   * @example
   * ```ts
   * import { EventRecorder } from '@weft/reconcile-core';
   * const recorder = new EventRecorder(client, { reportingController: 'weft.dev/web-operator' });
   * await recorder.flush();
   * ```
   */
  async flush(): Promise<void> {
    await Promise.all([...this.series.values()].map((entry) => (entry.timer ? this.writeSeries(entry, undefined, '') : entry.written)));
  }

  /**
   * Flushes pending series updates and forgets all series (a later repeat creates a new Event).
   *
   * @example
   * ```ts
   * import { EventRecorder } from '@weft/reconcile-core';
   * const recorder = new EventRecorder(client, { reportingController: 'weft.dev/web-operator' });
   * await recorder.close();
   * ```
   */
  async close(): Promise<void> {
    await this.flush();
    this.series.clear();
  }

  private writeSeries(entry: Series, regarding: EventObjectReference | undefined, reason: string): Promise<void> {
    entry.timer?.clear();
    entry.timer = undefined;
    const waiters = entry.waiters.splice(0);
    entry.written = entry.written
      .then(() => entry.created)
      .then(async (created) => {
        if (!created) return;
        const series = { count: entry.count, lastObservedTime: microTime(entry.lastObserved) };
        try {
          await this.client.patch(EventKind, entry.name, { series }, { namespace: entry.namespace });
        } catch (error) {
          this.options.onError?.(error, { regarding: regarding ?? { apiVersion: '', kind: '', name: entry.name }, reason });
        }
      })
      .finally(() => waiters.forEach((resolve) => resolve()));
    return entry.written;
  }

  private prune(now: number): void {
    this.lastPrune = now;
    for (const [key, entry] of this.series) if (now - entry.lastObserved > this.windowMs && !entry.timer) this.series.delete(key);
  }
}

function truncate(note: string): string {
  if (Buffer.byteLength(note) <= noteLimit) return note;
  let cut = note.slice(0, noteLimit);
  while (Buffer.byteLength(cut) > noteLimit - 3) cut = cut.slice(0, -1);
  return `${cut}...`;
}
