import { CoreEventKind, EventKind, type KubeClient, type KubeObject, isGoneError, sleep } from '@weft/reconcile-core';
import { KustomizationKind } from '../kustomization/kustomization.js';

/** One Kubernetes Event, the same whether it was written through `events.k8s.io/v1` or core `v1`. */
export interface ObjectEvent {
  /** `Normal` or `Warning`. */
  readonly type: string;
  /** CamelCase reason (`ReconciliationSucceeded`, `DriftDetected`, …). */
  readonly reason: string;
  /** The event's message (`note` in `events.k8s.io/v1`). */
  readonly message: string;
  /** The object the event is about. */
  readonly object: { readonly kind: string; readonly name: string; readonly namespace?: string };
  /** How many times it happened (a series counts each occurrence). */
  readonly count: number;
  /** When it last happened (RFC 3339). */
  readonly lastSeen: string;
  /** The controller that reported it, when it says. */
  readonly reportedBy?: string;
}

/** Options of {@link listEvents}. */
export interface ListEventsOptions {
  /** The namespace to list; undefined lists every namespace. */
  readonly namespace?: string | undefined;
  /**
   * Only the events about this object (`kind` as the events name it: `Kustomization`). For a
   * Kustomization its GitRepository's events are included too, as `flux events --for` does.
   */
  readonly for?: { readonly kind: string; readonly name: string; readonly namespace?: string | undefined };
  /** Aborts the reads. */
  readonly signal?: AbortSignal;
}

/**
 * The Events of a namespace (or of all), optionally only those about one object, oldest first, as
 * `flux events` lists them.
 *
 * @remarks Reads both `events.k8s.io/v1` (where Weft's controllers write) and core `v1` (where drift
 * events on applied objects and most of Kubernetes write); an Event the apiserver serves through
 * both is listed once (same uid).
 * @throws reconcile-core's `KubeApiError`s.
 * @example
 * ```ts
 * import { listEvents } from '@weft/delivery';
 *
 * for (const event of await listEvents(client, { namespace: 'apps', for: { kind: 'Kustomization', name: 'shop', namespace: 'apps' } })) console.log(event.reason, event.message);
 * ```
 */
export async function listEvents(client: KubeClient, options: ListEventsOptions = {}): Promise<ObjectEvent[]> {
  const [modern, core] = await Promise.all([
    client.listAll(EventKind, { namespace: options.namespace, signal: options.signal }),
    client.listAll(CoreEventKind, { namespace: options.namespace, signal: options.signal }),
  ]);
  const seen = new Set<string>();
  const events: ObjectEvent[] = [];
  for (const item of [...modern.items, ...core.items] as KubeObject[]) {
    const uid = item.metadata.uid;
    if (uid !== undefined) {
      if (seen.has(uid)) continue;
      seen.add(uid);
    }
    events.push(normalise(item));
  }
  const subjects = options.for ? await subjectsOf(client, options.for, options.signal) : undefined;
  return events.filter((event) => about(event, subjects)).sort((a, b) => a.lastSeen.localeCompare(b.lastSeen));
}

function about(event: ObjectEvent, subjects: { kind: string; name: string; namespace?: string | undefined }[] | undefined): boolean {
  return !subjects || subjects.some((subject) => subject.kind === event.object.kind && subject.name === event.object.name && (subject.namespace === undefined || subject.namespace === event.object.namespace));
}

/**
 * Follows Events as they are written (after those that exist when it starts), as `flux events
 * --watch` does: `onEvent` is called with each new Event, and with an Event again when its count
 * or message changes; the same `for` filter as {@link listEvents}.
 *
 * @remarks Watches `events.k8s.io/v1` and core `v1` from the current resourceVersion of each; a
 * watch the server ends is opened again (an expired one from a fresh list, skipping what was
 * already seen), never in a tight loop. Resolves when the signal aborts.
 * @throws reconcile-core's `KubeApiError`s other than an expired watch.
 * @example
 * ```ts
 * import { watchEvents } from '@weft/delivery';
 *
 * const stop = new AbortController();
 * const following = watchEvents(client, { namespace: 'apps', signal: stop.signal }, (event) => console.log(event.reason, event.message));
 * stop.abort();
 * await following;
 * ```
 */
export async function watchEvents(client: KubeClient, options: ListEventsOptions, onEvent: (event: ObjectEvent) => void): Promise<void> {
  const subjects = options.for ? await subjectsOf(client, options.for, options.signal) : undefined;
  const seen = new Map<string, string>();
  const follow = async (kind: typeof EventKind | typeof CoreEventKind) => {
    let resourceVersion: string | undefined;
    while (!options.signal?.aborted) {
      const opened = Date.now();
      try {
        if (resourceVersion === undefined) {
          const listed = await client.listAll(kind, { namespace: options.namespace, signal: options.signal });
          for (const item of listed.items as KubeObject[]) if (item.metadata.uid) seen.set(item.metadata.uid, signature(item));
          resourceVersion = listed.resourceVersion;
        }
        for await (const change of client.watch(kind, { namespace: options.namespace, resourceVersion, signal: options.signal })) {
          if (change.type === 'BOOKMARK') {
            resourceVersion = change.object.metadata.resourceVersion ?? resourceVersion;
            continue;
          }
          const item = change.object as KubeObject;
          resourceVersion = item.metadata.resourceVersion ?? resourceVersion;
          if (change.type === 'DELETED') continue;
          // The same Event through both APIs (a real apiserver serves one store twice), or a repeat of what was shown: once.
          const uid = item.metadata.uid ?? '';
          if (seen.get(uid) === signature(item)) continue;
          seen.set(uid, signature(item));
          const event = normalise(item);
          if (about(event, subjects)) onEvent(event);
        }
      } catch (error) {
        if (options.signal?.aborted) return;
        if (!isGoneError(error)) throw error;
        resourceVersion = undefined;
      }
      if (Date.now() - opened < 1_000) await sleep(1_000, options.signal);
    }
  };
  await Promise.all([follow(EventKind), follow(CoreEventKind)]);
}

/** What makes an Event worth showing again: its count and message. */
function signature(item: KubeObject): string {
  const event = normalise(item);
  return `${event.count}|${event.message}`;
}

/** The object, plus a Kustomization's source. */
async function subjectsOf(client: KubeClient, target: NonNullable<ListEventsOptions['for']>, signal: AbortSignal | undefined): Promise<{ kind: string; name: string; namespace?: string | undefined }[]> {
  const subjects = [target];
  if (target.kind !== KustomizationKind.kind || target.namespace === undefined) return subjects;
  const kustomization = await client.get(KustomizationKind, target.name, { namespace: target.namespace, signal }).catch(() => undefined);
  const source = kustomization?.spec.sourceRef;
  if (source) subjects.push({ kind: source.kind, name: source.name, namespace: source.namespace ?? target.namespace });
  return subjects;
}

function normalise(item: KubeObject): ObjectEvent {
  const event = item as KubeObject & Record<string, any>;
  const about = (event['regarding'] ?? event['involvedObject'] ?? {}) as { kind?: string; name?: string; namespace?: string };
  const series = event['series'] as { count?: number; lastObservedTime?: string } | undefined;
  const lastSeen = series?.lastObservedTime ?? event['lastTimestamp'] ?? event['eventTime'] ?? event['firstTimestamp'] ?? item.metadata.creationTimestamp ?? '';
  const reportedBy = event['reportingController'] ?? event['source']?.component;
  return {
    type: String(event['type'] ?? 'Normal'),
    reason: String(event['reason'] ?? ''),
    message: String(event['note'] ?? event['message'] ?? ''),
    object: { kind: about.kind ?? '', name: about.name ?? '', ...(about.namespace ? { namespace: about.namespace } : {}) },
    count: series?.count ?? (typeof event['count'] === 'number' ? event['count'] : 1),
    lastSeen: typeof lastSeen === 'string' ? lastSeen : new Date(lastSeen).toISOString(),
    ...(typeof reportedBy === 'string' && reportedBy ? { reportedBy } : {}),
  };
}
