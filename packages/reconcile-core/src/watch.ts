import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { createInterface } from 'node:readline';
import type { KubeConfig } from '@kubernetes/client-node';
import { Observable } from 'rxjs';
import { type BackoffPolicy, exponentialBackoff } from './backoff.js';
import { apiServerAgent } from './client/tls-agent.js';
import { WeftError } from './errors.js';
import { type ResourceKind, resourcePath } from './kinds.js';
import { type KubeObject, objectKey } from './objects.js';
import { setLongTimeout, sleep } from './timers.js';

/**
 * What {@link watch} emits, in the shape of kube-rs' `watcher::Event`.
 *
 * @remarks
 * A (re)list is `Init`, one `InitApply` per listed object, then `InitDone`; after a relist the
 * objects that were known before but are missing from the new list follow as `Delete`s.
 * Between lists, `Apply` and `Delete` come from the watch. `Error` is a value, not the end of
 * the stream: the watch retries after `retryInMs`.
 * @throws Never (a type).
 *
 * @example
 * ```ts
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
  | { readonly type: 'Error'; readonly error: WatchError; readonly retryInMs: number };

/**
 * A list or watch request that failed: names the collection, carries the HTTP status (or the
 * watch `ERROR` event's code) and the apiserver's reason.
 *
 * @remarks Retry policy: {@link watch} retries every `WatchError` with backoff; `410 Gone` relists.
 * @throws Never (a type).
 *
 * @example
 * ```ts
 * if (event.type === 'Error' && event.error.status === 403) console.error(`no RBAC for ${event.error.path}`);
 * ```
 */
export class WatchError extends WeftError {
  override name = 'WatchError';
  constructor(
    /** The collection path, e.g. `/api/v1/namespaces/prod/configmaps`. */
    readonly path: string,
    message: string,
    /** HTTP status, or `undefined` when the connection itself failed. */
    readonly status?: number,
    /** The apiserver's `Status.reason` (`Expired`, `Gone`, `Forbidden`, …), when it sent one. */
    readonly reason?: string,
    cause?: unknown,
    /** The request that failed: `list`, `watch` (the default), or the HTTP method of {@link KubeTransport.request}. */
    readonly verb: string = 'watch',
  ) {
    super(`${verb} ${path}: ${message}`, { cause, retryable: true });
  }
  /** Whether the apiserver said the resourceVersion (or continue token) is too old: relist. */
  get gone(): boolean {
    return this.status === 410 || this.reason === 'Expired' || this.reason === 'Gone';
  }
}

/**
 * Raised when a watch connection delivered nothing (not even a bookmark) for too long.
 *
 * @remarks Retryable: the watch reconnects from its last resourceVersion after a backoff.
 * @throws Never (a type).
 *
 * @example
 * ```ts
 * if (event.type === 'Error' && event.error instanceof WatchInactivityError) metrics.silentWatches.inc();
 * ```
 */
export class WatchInactivityError extends WatchError {
  override name = 'WatchInactivityError';
  constructor(path: string, inactivityMs: number) {
    super(path, `no event for ${inactivityMs} ms; reconnecting`);
  }
}

/**
 * One event line of a Kubernetes watch response, as the apiserver sends it.
 *
 * @remarks `object` is a `Status` for `ERROR` and carries only `metadata.resourceVersion` for `BOOKMARK`.
 * @throws Never (a type).
 *
 * @example
 * ```ts
 * const raw: RawWatchEvent = { type: 'ADDED', object: { metadata: { name: 'a', resourceVersion: '7' } } };
 * ```
 */
export interface RawWatchEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR' | string;
  readonly object: Record<string, unknown>;
}

/**
 * One page of a list response.
 *
 * @remarks `continue` is absent (or empty) on the last page.
 * @throws Never (a type).
 *
 * @example
 * ```ts
 * const page: ListPage = { items: [], resourceVersion: '42' };
 * ```
 */
export interface ListPage {
  readonly items: readonly Record<string, unknown>[];
  readonly resourceVersion: string;
  readonly continue?: string;
}

/**
 * A GET request as {@link WatchTransport} receives it.
 *
 * @remarks `query` holds every parameter (`limit`, `continue`, `watch`, `resourceVersion`, selectors).
 * @throws Never (a type).
 *
 * @example
 * ```ts
 * const request: TransportRequest = { path: '/api/v1/configmaps', query: { limit: '500' }, accept: 'application/json', signal };
 * ```
 */
export interface TransportRequest {
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  /** The `Accept` header (metadata-only mode asks for `PartialObjectMetadata`). */
  readonly accept: string;
  readonly signal: AbortSignal;
}

/**
 * The two HTTP calls a watch makes; {@link kubeTransport} is the real one, tests pass fakes.
 *
 * @remarks Implementations throw {@link WatchError} (with `status`) for HTTP errors.
 * @throws Never (a type).
 *
 * @example
 * ```ts
 * const transport: WatchTransport = kubeTransport(kubeConfig);
 * watch(ConfigMapKind, { transport });
 * ```
 */
export interface WatchTransport {
  /** One page of a list. */
  list(request: TransportRequest): Promise<ListPage>;
  /** A watch stream; ends when the server closes it, throws on connection errors, stops on abort. */
  watch(request: TransportRequest): AsyncIterable<RawWatchEvent>;
}

/**
 * Options of {@link watch}.
 *
 * @remarks Only `transport` is required; the defaults follow client-go's reflector (500 per page, bookmarks on).
 * @throws Never (a type).
 *
 * @example
 * ```ts
 * watch(ConfigMapKind, { transport: kubeConfig, namespace: 'prod', labelSelector: 'app=web', metadataOnly: true });
 * ```
 */
export interface WatcherOptions<T> {
  /** Where to list and watch (`kubeTransport(kubeConfig)`), or a `KubeConfig` to build one. */
  readonly transport: WatchTransport | KubeConfig;
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
 * @throws Never: failures are `Error` events.
 *
 * @example
 * ```ts
 * watch(ConfigMapKind, { transport: kubeConfig, namespace: 'prod', transform: stripManagedFields })
 *   .subscribe((event) => console.log(event.type));
 * ```
 */
export function watch<K extends ResourceKind<any>, T = NonNullable<K['__object']>>(kind: K, options: WatcherOptions<T>): Observable<WatchEvent<T>> {
  return new Observable<WatchEvent<T>>((subscriber) => {
    const abort = new AbortController();
    const transport = isTransport(options.transport) ? options.transport : kubeTransport(options.transport);
    const loop = new WatchLoop<T>(kind, options, transport, (event) => subscriber.next(event), abort.signal);
    loop.run().then(
      () => subscriber.complete(),
      (error: unknown) => subscriber.error(error),
    );
    return () => abort.abort();
  });
}

function isTransport(value: WatchTransport | KubeConfig): value is WatchTransport {
  return typeof (value as WatchTransport).list === 'function' && typeof (value as WatchTransport).watch === 'function';
}

class WatchLoop<T> {
  private readonly path: string;
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
    this.backoffPolicy = options.backoff ?? exponentialBackoff();
  }

  async run(): Promise<void> {
    while (!this.signal.aborted) {
      try {
        if (this.resourceVersion === undefined) await this.relist();
        await this.watchOnce();
      } catch (error) {
        if (this.signal.aborted) return;
        const failure = error instanceof WatchError ? error : new WatchError(this.path, errorMessage(error), undefined, undefined, error);
        if (failure.gone) {
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
      });
      for await (const raw of events) {
        arm();
        this.handle(raw);
      }
      if (timedOut) throw new WatchInactivityError(this.path, inactivityMs);
    } catch (error) {
      if (timedOut) throw new WatchInactivityError(this.path, inactivityMs);
      throw error;
    } finally {
      timer.clear();
      this.signal.removeEventListener('abort', onAbort);
    }
  }

  private handle(raw: RawWatchEvent): void {
    if (raw.type === 'ERROR') {
      const status = raw.object as { code?: number; reason?: string; message?: string };
      throw new WatchError(this.path, status.message ?? 'watch error', status.code, status.reason);
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
 * @throws Never.
 * @example
 * ```ts
 * watch(ConfigMapKind, { transport: kubeConfig, transform: stripManagedFields });
 * ```
 */
export function stripManagedFields<T extends KubeObject>(object: T): T {
  if (object.metadata) delete object.metadata.managedFields;
  return object;
}

/**
 * A {@link WatchTransport} over a `KubeConfig`, plus a plain JSON request for other verbs.
 *
 * @remarks Made by {@link kubeTransport}; close it when done to free keep-alive sockets.
 * @throws Never (a type).
 *
 * @example
 * ```ts
 * const transport = kubeTransport(kubeConfig);
 * await transport.request('PATCH', '/api/v1/namespaces/prod/configmaps/web', { body: { data: { a: '1' } }, contentType: 'application/merge-patch+json' });
 * transport.close();
 * ```
 */
export interface KubeTransport extends WatchTransport {
  /**
   * One JSON request; resolves with the parsed body.
   * @throws {@link WatchError} with the HTTP status when the apiserver answers with an error.
   */
  request<R = unknown>(
    method: string,
    path: string,
    options?: { query?: Record<string, string>; body?: unknown; contentType?: string; signal?: AbortSignal },
  ): Promise<R>;
  /** Closes idle keep-alive connections; later requests open new ones. */
  close(): void;
}

/**
 * The real {@link WatchTransport}: HTTPS requests authenticated by a client-node `KubeConfig`.
 *
 * @remarks
 * Uses `KubeConfig.applyToHTTPSOptions` on every request (so exec and token credentials refresh)
 * and one keep-alive agent per transport. Watch responses are read line by line; TCP keep-alive
 * is on. Does not use client-node's `ListWatch`/`makeInformer`.
 *
 * @throws {@link WatchError} from its methods, with the HTTP status and apiserver reason.
 *
 * @example
 * ```ts
 * const transport = kubeTransport(kubeConfig);
 * const page = await transport.list({ path: '/api/v1/configmaps', query: { limit: '10' }, accept: 'application/json', signal });
 * ```
 */
export function kubeTransport(kubeConfig: KubeConfig): KubeTransport {
  let agent: HttpAgent | undefined;

  const open = async (verb: string, method: string, path: string, query: Record<string, string>, headers: Record<string, string>, signal: AbortSignal | undefined, body?: string) => {
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new WatchError(path, 'the kubeconfig has no current cluster', undefined, undefined, undefined, verb);
    const url = new URL(cluster.server + path);
    for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
    const options: RequestOptions = { method, headers: { ...headers } };
    await kubeConfig.applyToHTTPSOptions(options);
    const secure = url.protocol === 'https:';
    agent ??= apiServerAgent(options, secure);
    options.agent = agent;
    if (options.auth) {
      options.headers = { ...(options.headers as Record<string, string>), Authorization: `Basic ${Buffer.from(options.auth).toString('base64')}` };
      delete options.auth;
    }
    if (body !== undefined) (options.headers as Record<string, string>)['Content-Length'] = String(Buffer.byteLength(body));
    return new Promise<IncomingMessage>((resolve, reject) => {
      const req = (secure ? httpsRequest : httpRequest)(url, { ...options, signal }, resolve);
      req.on('error', (error) => reject(signal?.aborted ? signal.reason : new WatchError(path, errorMessage(error), undefined, undefined, error, verb)));
      req.on('socket', (socket) => socket.setKeepAlive(true, 30_000));
      req.end(body);
    });
  };

  const readJson = async (response: IncomingMessage, path: string, verb: string): Promise<unknown> => {
    const chunks: Buffer[] = [];
    for await (const chunk of response) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const status = response.statusCode ?? 0;
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (status >= 400) {
      const problem = (parsed ?? {}) as { message?: string; reason?: string };
      throw new WatchError(path, problem.message ?? `HTTP ${status}`, status, problem.reason, undefined, verb);
    }
    return parsed;
  };

  return {
    async list({ path, query, accept, signal }) {
      const response = await open('list', 'GET', path, query, { Accept: accept }, signal);
      const list = (await readJson(response, path, 'list')) as { items?: Record<string, unknown>[]; metadata?: { resourceVersion?: string; continue?: string } };
      return { items: list.items ?? [], resourceVersion: list.metadata?.resourceVersion ?? '', continue: list.metadata?.continue };
    },
    async *watch({ path, query, accept, signal }) {
      const response = await open('watch', 'GET', path, query, { Accept: accept }, signal);
      if ((response.statusCode ?? 0) >= 400) {
        await readJson(response, path, 'watch');
        return;
      }
      const lines = createInterface({ input: response, crlfDelay: Infinity });
      try {
        for await (const line of lines) {
          if (!line) continue;
          yield JSON.parse(line) as RawWatchEvent;
        }
      } catch (error) {
        if (signal.aborted) return;
        throw new WatchError(path, errorMessage(error), undefined, undefined, error);
      } finally {
        lines.close();
        response.destroy();
      }
      if (!response.complete && !signal.aborted) throw new WatchError(path, 'watch connection closed before the response ended');
    },
    async request(method, path, options = {}) {
      const body = options.body === undefined ? undefined : JSON.stringify(options.body);
      const headers: Record<string, string> = { Accept: 'application/json' };
      if (body !== undefined) headers['Content-Type'] = options.contentType ?? 'application/json';
      const response = await open(method, method, path, options.query ?? {}, headers, options.signal, body);
      return (await readJson(response, path, method)) as never;
    },
    close() {
      agent?.destroy();
      agent = undefined;
    },
  };
}
