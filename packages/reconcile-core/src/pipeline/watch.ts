import type { KubeConfig } from '@kubernetes/client-node';
import { Observable } from 'rxjs';
import { type BackoffPolicy, exponentialBackoff } from './backoff.js';
import { apiErrorFromResponse, isGoneError, KubeApiError, TimeoutError } from '../client/errors.js';
import { KubeClient } from '../client/kube-client.js';
import { kubeTransport, type RawWatchEvent, type WatchTransport } from '../client/kube-transport.js';
import { apiTarget, type ApiTarget, describeTarget } from '../client/status.js';
import { WeftError } from '../errors.js';
import { type ResourceKind, resourcePath } from '../resource/kinds.js';
import { type KubeObject, objectKey } from '../resource/objects.js';
import { setLongTimeout, sleep } from '../timers.js';

/**
 * What {@link watch} emits, in the shape of kube-rs' `watcher::Event`.
 *
 * @remarks
 * A (re)list is `Init`, one `InitApply` per listed object, then `InitDone`; after a relist the
 * objects that were known before but are missing from the new list follow as `Delete`s.
 * Between lists, `Apply` and `Delete` come from the watch. `Error` is a value, not the end of
 * the stream: the watch retries after `retryInMs`. Its `error` is the client's typed error
 * ({@link ForbiddenError}, {@link ConnectionError}, {@link WatchInactivityError}, … all
 * {@link KubeApiError}s), or a {@link WeftError} wrapping what else failed (a throwing `transform`).
 *
 * @example
 * ```ts
 * import { watch, ConfigMapKind } from '@weft/reconcile-core';
 * watch(ConfigMapKind, { transport: kubeConfig }).subscribe((event) => {
 *   if (event.type === 'Apply') console.log(event.object.metadata.name);
 * });
 * ```
 */
export type WatchEvent<T> =
  | { readonly type: 'Init' }
  | { readonly type: 'InitApply'; readonly object: T }
  | { readonly type: 'InitDone' }
  | { readonly type: 'Apply'; readonly object: T }
  | { readonly type: 'Delete'; readonly object: T }
  | { readonly type: 'Error'; readonly error: WeftError; readonly retryInMs: number };

/**
 * A watch connection delivered nothing (not even a bookmark) for too long: a client-side
 * {@link TimeoutError} of the watch.
 *
 * @remarks Retryable: the watch reconnects from its last resourceVersion after a backoff.
 * @example
 * ```ts
 * import { WatchInactivityError } from '@weft/reconcile-core';
 * if (event.type === 'Error' && event.error instanceof WatchInactivityError) console.warn('the watch went silent');
 * ```
 */
export class WatchInactivityError extends TimeoutError {
  override name = 'WatchInactivityError';
  constructor(target: ApiTarget, inactivityMs: number) {
    super({ verb: 'watch', target, code: 0, source: 'client', detail: `no event for ${inactivityMs} ms; reconnecting` });
  }
}

/**
 * Options of {@link watch}.
 *
 * @remarks Only `transport` is required; the defaults follow client-go's reflector (500 per page, bookmarks on).
 *
 * @example
 * ```ts
 * import { watch, ConfigMapKind } from '@weft/reconcile-core';
 * watch(ConfigMapKind, { transport: kubeConfig, namespace: 'prod', labelSelector: 'app=web', metadataOnly: true });
 * ```
 */
export interface WatcherOptions<T> {
  /**
   * Where to list and watch: a {@link KubeClient} (its connections are shared), a `KubeConfig`
   * (connections of the watch's own, closed when it is unsubscribed), or any {@link WatchTransport}.
   */
  readonly transport: WatchTransport | KubeClient | KubeConfig;
  /** Only this namespace (namespaced kinds); all namespaces when absent. */
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /**
   * Ask for `PartialObjectMetadata` only (no `spec`, `status` or `data`): much smaller caches
   * when a controller only needs names, labels and owner references.
   */
  readonly metadataOnly?: boolean;
  /** Applied to each object before it is emitted (see {@link stripManagedFields}). */
  readonly transform?: (object: KubeObject) => T;
  /**
   * Read the first list from etcd's latest state (no `resourceVersion=0`), as every relist after
   * `410 Gone` does: never older than a write the caller made just before subscribing, at the
   * cost of a read past the watch cache. @defaultValue false (as client-go's reflector)
   */
  readonly consistentList?: boolean;
  /** List page size. @defaultValue 500 */
  readonly pageSize?: number;
  /** Server-side timeout of each watch request, in seconds; the watch then reconnects. @defaultValue 290 */
  readonly watchTimeoutSeconds?: number;
  /** Reconnect when a watch connection stays silent this long. @defaultValue 330 000 ms */
  readonly inactivityTimeoutMs?: number;
  /** Delays between retries after errors. @defaultValue exponentialBackoff() (0.8 s → 30 s) */
  readonly backoff?: BackoffPolicy;
}

const metadataListAccept = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';
const metadataAccept = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json';

/**
 * Lists (paged) and then watches one kind, as a never-ending stream of {@link WatchEvent}s.
 *
 * @remarks
 * Guarantees:
 * - The list is paged with `limit`/`continue`; the watch starts from the list's resourceVersion,
 *   asks for bookmarks and resumes from the newest resourceVersion it saw after a disconnect.
 * - The first list asks for `resourceVersion=0`, as client-go's reflector: the apiserver may
 *   answer from its watch cache (which ignores `limit` and sends one page), with a state that can
 *   lag etcd briefly; the watch from that resourceVersion then brings every change since.
 * - `410 Gone` (from a watch or an expired continue token) relists with a consistent read (no
 *   resourceVersion, so never older than what was seen); objects that disappeared in between are
 *   emitted as `Delete` after the new list's `InitDone`.
 * - Errors are emitted as `Error` values and retried with {@link BackoffPolicy}; the stream
 *   only completes when unsubscribed. A silent connection is cut after `inactivityTimeoutMs`.
 * - Each object has `apiVersion` and `kind` set (lists omit them) before `transform` runs.
 * Caveat: `Apply` does not tell created from updated, as in kube-rs.
 *
 * Errors: none; failures are `Error` events.
 *
 * @example
 * ```ts
 * import { watch, stripManagedFields, ConfigMapKind } from '@weft/reconcile-core';
 * watch(ConfigMapKind, { transport: kubeConfig, namespace: 'prod', transform: stripManagedFields })
 *   .subscribe((event) => console.log(event.type));
 * ```
 */
export function watch<K extends ResourceKind<any>, T = NonNullable<K['__object']>>(kind: K, options: WatcherOptions<T>): Observable<WatchEvent<T>> {
  return new Observable<WatchEvent<T>>((subscriber) => {
    const abort = new AbortController();
    const given = options.transport;
    const owned = given instanceof KubeClient || !isTransport(given) ? kubeTransport(given) : undefined;
    const loop = new WatchLoop<T>(kind, options, owned ?? (given as WatchTransport), (event) => subscriber.next(event), abort.signal);
    loop.run().then(
      () => subscriber.complete(),
      (error: unknown) => subscriber.error(error),
    );
    return () => {
      abort.abort();
      owned?.close();
    };
  });
}

function isTransport(value: WatchTransport | KubeConfig): value is WatchTransport {
  // A KubeClient has list and watch methods too: callers test for it first.
  return typeof (value as WatchTransport).list === 'function' && typeof (value as WatchTransport).watch === 'function';
}

class WatchLoop<T> {
  private readonly path: string;
  /** What the list and watch requests are about, for error messages (`ConfigMap/prod list failed: …`). */
  private readonly target: ApiTarget;
  private readonly backoffPolicy: BackoffPolicy;
  /** The last state per key, so that a relist can tell which objects were deleted meanwhile. */
  private known = new Map<string, T>();
  private resourceVersion: string | undefined;
  /** Set by `410 Gone`: the next list must be consistent, never served from a cache older than what was seen. */
  private consistentList = false;

  constructor(
    private readonly kind: ResourceKind<any>,
    private readonly options: WatcherOptions<T>,
    private readonly transport: WatchTransport,
    private readonly emit: (event: WatchEvent<T>) => void,
    private readonly signal: AbortSignal,
  ) {
    this.path = resourcePath(kind, { namespace: options.namespace });
    this.target = apiTarget(kind.apiVersion, kind.kind, { namespace: kind.namespaced ? options.namespace : undefined });
    this.backoffPolicy = options.backoff ?? exponentialBackoff();
    this.consistentList = options.consistentList ?? false;
  }

  async run(): Promise<void> {
    while (!this.signal.aborted) {
      try {
        if (this.resourceVersion === undefined) await this.relist();
        await this.watchOnce();
      } catch (error) {
        if (this.signal.aborted) return;
        const failure = error instanceof WeftError ? error : new WeftError(`${describeTarget(this.target)} watch failed: ${errorMessage(error)}`, { cause: error, retryable: true });
        if (isGoneError(failure)) {
          // Too old: the only way back is a fresh list. Not an error the user must act on.
          this.resourceVersion = undefined;
          this.consistentList = true;
          continue;
        }
        const retryInMs = this.backoffPolicy.next();
        this.emit({ type: 'Error', error: failure, retryInMs });
        await sleep(retryInMs, this.signal);
      }
    }
  }

  private query(extra: Record<string, string | undefined>): Record<string, string> {
    const query: Record<string, string> = {};
    if (this.options.labelSelector) query['labelSelector'] = this.options.labelSelector;
    if (this.options.fieldSelector) query['fieldSelector'] = this.options.fieldSelector;
    for (const [name, value] of Object.entries(extra)) if (value !== undefined) query[name] = value;
    return query;
  }

  private async relist(): Promise<void> {
    this.emit({ type: 'Init' });
    const listed = new Map<string, T>();
    let continueToken: string | undefined;
    let resourceVersion = '';
    do {
      const page = await this.transport.list({
        path: this.path,
        // A continue token carries its own resourceVersion; only the first page names one.
        query: this.query({ limit: String(this.options.pageSize ?? 500), continue: continueToken, resourceVersion: continueToken || this.consistentList ? undefined : '0' }),
        accept: this.options.metadataOnly ? metadataListAccept : 'application/json',
        signal: this.signal,
        target: this.target,
      });
      if (this.signal.aborted) return;
      for (const item of page.items) {
        const object = this.prepare(item);
        listed.set(keyOf(object), object);
        this.emit({ type: 'InitApply', object });
      }
      continueToken = page.continue || undefined;
      resourceVersion = page.resourceVersion;
    } while (continueToken);
    const previous = this.known;
    this.known = listed;
    this.resourceVersion = resourceVersion;
    this.emit({ type: 'InitDone' });
    for (const [key, object] of previous) if (!listed.has(key)) this.emit({ type: 'Delete', object });
  }

  private async watchOnce(): Promise<void> {
    const connection = new AbortController();
    const onAbort = () => connection.abort();
    this.signal.addEventListener('abort', onAbort, { once: true });
    const inactivityMs = this.options.inactivityTimeoutMs ?? 330_000;
    let timedOut = false;
    // One timer for the connection, pushed back on every event (refresh() is far cheaper than a new timer per event).
    const timer = setLongTimeout(() => {
      timedOut = true;
      connection.abort();
    }, inactivityMs);
    const arm = () => timer.refresh();
    try {
      const events = this.transport.watch({
        path: this.path,
        query: this.query({
          watch: '1',
          resourceVersion: this.resourceVersion,
          allowWatchBookmarks: 'true',
          timeoutSeconds: String(this.options.watchTimeoutSeconds ?? 290),
        }),
        accept: this.options.metadataOnly ? metadataAccept : 'application/json',
        signal: connection.signal,
        target: this.target,
      });
      for await (const raw of events) {
        arm();
        this.handle(raw);
      }
      if (timedOut) throw new WatchInactivityError(this.target, inactivityMs);
    } catch (error) {
      if (timedOut) throw new WatchInactivityError(this.target, inactivityMs);
      throw error;
    } finally {
      timer.clear();
      this.signal.removeEventListener('abort', onAbort);
    }
  }

  private handle(raw: RawWatchEvent): void {
    if (raw.type === 'ERROR') {
      // The real transport throws these itself; a WatchTransport of your own may pass them on.
      const status = raw.object as { code?: number };
      throw apiErrorFromResponse({ verb: 'watch', target: this.target, code: status.code ?? 500, body: raw.object });
    }
    const metadata = (raw.object['metadata'] ?? {}) as { resourceVersion?: string };
    if (raw.type === 'BOOKMARK') {
      if (metadata.resourceVersion) this.resourceVersion = metadata.resourceVersion;
      return;
    }
    const object = this.prepare(raw.object);
    const key = keyOf(object);
    if (raw.type === 'DELETED') {
      this.known.delete(key);
      this.emit({ type: 'Delete', object });
    } else if (raw.type === 'ADDED' || raw.type === 'MODIFIED') {
      this.known.set(key, object);
      this.emit({ type: 'Apply', object });
    }
    if (metadata.resourceVersion) this.resourceVersion = metadata.resourceVersion;
  }

  private prepare(item: Record<string, unknown>): T {
    const object = item as KubeObject;
    if (!this.options.metadataOnly) {
      object.apiVersion ??= this.kind.apiVersion;
      object.kind ??= this.kind.kind;
    } else {
      object.apiVersion ??= 'meta.k8s.io/v1';
      object.kind ??= 'PartialObjectMetadata';
    }
    return this.options.transform ? this.options.transform(object) : (object as T);
  }
}

function keyOf(object: unknown): string {
  const metadata = (object as KubeObject).metadata;
  return objectKey({ namespace: metadata?.namespace, name: metadata?.name ?? '' });
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Drops `metadata.managedFields` (often half of an object's bytes): a {@link WatcherOptions.transform}
 * for caches that never look at field ownership.
 *
 * @remarks Mutates and returns the object it is given (the watch owns it).
 *
 * @example
 * ```ts
 * import { watch, stripManagedFields, ConfigMapKind } from '@weft/reconcile-core';
 * watch(ConfigMapKind, { transport: kubeConfig, transform: stripManagedFields });
 * ```
 */
export function stripManagedFields<T extends KubeObject>(object: T): T {
  if (object.metadata) delete object.metadata.managedFields;
  return object;
}
