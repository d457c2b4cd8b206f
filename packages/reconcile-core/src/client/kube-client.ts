import type { KubeConfig } from '@kubernetes/client-node';
import type { JsonPatchOperation } from '@weft/merge';
import { parseDuration, type Duration } from '../duration.js';
import { WeftError } from '../errors.js';
import { resourcePath, type ResourceKind } from '../resource/kinds.js';
import type { KubeObject } from '../resource/objects.js';
import type { RetryPolicy } from './retry.js';
import { RestMapper, type KindRef } from './rest-mapper.js';
import { apiTarget, isKubeStatus, type ApiTarget, type KubeStatus } from './status.js';
import { Transport, type ApiRequest } from './transport.js';
import { readWatchEvents, type ApiWatchEvent } from './watch-events.js';

/** Options of {@link KubeClient}. */
export interface KubeClientOptions {
  /** Field manager of every write unless a call names another. Default `weft`. */
  readonly fieldManager?: string;
  /** Deadline of each call (retries included) unless a call sets `timeout`. Default `30s`; 0 for none. */
  readonly requestTimeout?: Duration;
  /** Retries on 429, 5xx and connection failures; see {@link RetryPolicy}. */
  readonly retry?: Partial<RetryPolicy>;
  /** Receives each `Warning` the apiserver sends (unknown fields, deprecated APIs). */
  readonly onWarning?: (warning: string, target: ApiTarget) => void;
  /** `User-Agent` header. Default `weft/0.0.0`. */
  readonly userAgent?: string;
}

/** Options every verb takes. */
export interface CallOptions {
  /** Aborting it fails the call with {@link CancelledError} (a `TimeoutError` reason gives {@link TimeoutError}). */
  readonly signal?: AbortSignal | undefined;
  /** Deadline of this call, retries included; overrides the client's `requestTimeout`. */
  readonly timeout?: Duration | undefined;
}

/** Options of verbs that write. */
export interface WriteOptions extends CallOptions {
  /** Validate and run admission, but persist nothing (`?dryRun=All`). */
  readonly dryRun?: boolean | undefined;
  /** Overrides the client's field manager for this write. */
  readonly fieldManager?: string | undefined;
  /** How the server treats unknown or duplicate fields: reject (`Strict`), warn, or drop silently. */
  readonly fieldValidation?: 'Strict' | 'Warn' | 'Ignore' | undefined;
}

/** Options of {@link KubeClient.apply}. */
export interface ApplyOptions extends WriteOptions {
  /** Take fields owned by other managers instead of failing with a {@link ConflictError}. */
  readonly force?: boolean | undefined;
}

/** Options of verbs that name one object of a kind. */
export interface ObjectOptions extends CallOptions {
  /** Namespace of the object; required for namespaced kinds, ignored for cluster-scoped ones. */
  readonly namespace?: string | undefined;
}

/** Options of {@link KubeClient.get}. */
export interface GetOptions extends ObjectOptions {
  /** `"0"` serves from the watch cache; unset reads the latest from etcd. */
  readonly resourceVersion?: string | undefined;
}

/** The kinds of patch {@link KubeClient.patch} sends. */
export type PatchType = 'merge' | 'json' | 'strategic';

/**
 * The `status` a kind's schema declares, as {@link KubeClient.patchStatus} and `writeStatus` take
 * it: the fields the schema lists, typed, and no others (`unknown` for kinds without a typed status).
 *
 * @remarks A schema without `additionalProperties` makes an open type (`[x: string]: unknown`);
 * that index signature is dropped here, because the apiserver prunes undeclared fields: a field
 * missing from the schema fails to compile instead of vanishing. Maps (`additionalProperties: {…}`)
 * keep their typed index signature. Fields under `x-kubernetes-preserve-unknown-fields` are not typed.
 * @example
 * ```ts
 * import { type StatusOf, type ObjectOf } from '@weft/reconcile-core';
 * const status: StatusOf<ObjectOf<typeof WebAppKind>> = { observedGeneration: 3 };
 * ```
 */
export type StatusOf<T> = T extends { readonly status?: infer S } ? Declared<NonNullable<S>> : unknown;

/**
 * `S` with its open `[x: string]: unknown` index signatures dropped, all the way down: only the
 * fields a schema declares (see {@link StatusOf}).
 *
 * @example
 * ```ts
 * import { type Declared, type ObjectOf } from '@weft/reconcile-core';
 * type Spec = Declared<NonNullable<ObjectOf<typeof WebAppKind>['spec']>>;
 * ```
 */
export type Declared<S> = S extends readonly (infer I)[]
  ? readonly Declared<I>[]
  : S extends object
    ? { [K in keyof S as string extends K ? (unknown extends S[K] ? never : K) : K]: Declared<S[K]> }
    : S;

/**
 * A JSON merge patch (RFC 7386) of a value of type `S`: every field optional, `null` deletes one,
 * lists are replaced whole.
 *
 * @example
 * ```ts
 * import { type MergePatchOf } from '@weft/reconcile-core';
 * const patch: MergePatchOf<{ replicas: number; image: string }> = { image: null };
 * ```
 */
export type MergePatchOf<S> = S extends readonly unknown[] ? S : S extends object ? { readonly [K in keyof S]?: MergePatchOf<S[K]> | null } : S;

/**
 * A merge patch of the status subresource, typed by the kind's status schema (see {@link StatusOf});
 * `object` for kinds without a typed status. `metadata.resourceVersion` makes it optimistic.
 *
 * @example
 * ```ts
 * import { type StatusPatch, type ObjectOf } from '@weft/reconcile-core';
 * const patch: StatusPatch<ObjectOf<typeof WebAppKind>> = { status: { observedGeneration: 3 } };
 * ```
 */
export type StatusPatch<T> = unknown extends StatusOf<T>
  ? object
  : { readonly status?: MergePatchOf<StatusOf<T>> | null; readonly metadata?: { readonly resourceVersion?: string } };

/** Options of {@link KubeClient.patch}. */
export interface PatchOptions extends WriteOptions {
  readonly namespace?: string | undefined;
  /** Default `merge` (RFC 7386 JSON merge patch). `strategic` works for built-in kinds only. */
  readonly type?: PatchType | undefined;
}

/** Options of {@link KubeClient.delete}. */
export interface DeleteOptions extends ObjectOptions {
  readonly dryRun?: boolean | undefined;
  /** What happens to dependents: `Background` (the server default for most kinds), `Foreground`, `Orphan`. */
  readonly propagationPolicy?: 'Background' | 'Foreground' | 'Orphan' | undefined;
  /** Delete only if the object still has this uid / resourceVersion, else {@link ConflictError}. */
  readonly preconditions?: { readonly uid?: string; readonly resourceVersion?: string } | undefined;
  readonly gracePeriodSeconds?: number | undefined;
}

/** Options of {@link KubeClient.list} and its paging forms. */
export interface ListOptions extends CallOptions {
  /** Namespace to list; unset lists every namespace (or a cluster-scoped kind). */
  readonly namespace?: string | undefined;
  readonly labelSelector?: string | undefined;
  readonly fieldSelector?: string | undefined;
  /** Page size; the server may return fewer. */
  readonly limit?: number | undefined;
  /** The `continue` token of the previous page. */
  readonly continue?: string | undefined;
  readonly resourceVersion?: string | undefined;
  readonly resourceVersionMatch?: 'Exact' | 'NotOlderThan' | undefined;
}

/** One page of a list. */
export interface ListResult<T> {
  readonly items: T[];
  /** The collection's resourceVersion: start a watch here. */
  readonly resourceVersion: string;
  /** Token for the next page; absent on the last page. */
  readonly continue?: string;
  readonly remainingItemCount?: number;
}

/** Options of {@link KubeClient.watch}. */
export interface WatchOptions extends Omit<ListOptions, 'limit' | 'continue' | 'timeout' | 'resourceVersionMatch'> {
  /** Ask for `BOOKMARK` events (default true). */
  readonly allowWatchBookmarks?: boolean | undefined;
  /** The server closes the stream after this many seconds (it picks a random 5–10 min when unset). */
  readonly timeoutSeconds?: number | undefined;
  /** Stream the current state as `ADDED` events first, then a bookmark (WatchList). */
  readonly sendInitialEvents?: boolean | undefined;
}

/** A kind as the verbs take it: a {@link ResourceKind} (no discovery) or `{ apiVersion, kind }` (mapped once, cached). */
export type KindLike<T extends KubeObject = KubeObject> = ResourceKind<T> | KindRef;

/**
 * A write named a namespaced kind without a namespace, or an object without `apiVersion`, `kind`
 * or `metadata.name`.
 *
 * @remarks Not retryable: fix the call.
 * @example
 * ```ts
 * import { ClientUsageError, ConfigMapKind } from '@weft/reconcile-core';
 * await client.get(ConfigMapKind, 'web').catch((e) => { if (e instanceof ClientUsageError) console.error(e.message); });
 * ```
 */
export class ClientUsageError extends WeftError {
  override name = 'ClientUsageError';
}

/**
 * A typed Kubernetes client over a `@kubernetes/client-node` `KubeConfig`: get, list (paged),
 * watch, create, update, server-side apply, patch (merge, JSON, strategic), status patch and
 * apply, delete, dry run — each throwing typed errors that name the object.
 *
 * @remarks
 * Guarantees:
 * - Every verb takes `{ signal, timeout }`: aborting gives {@link CancelledError}, a passed deadline
 *   {@link TimeoutError} (`source: 'client'`).
 * - 429 and 5xx answers are retried honouring `Retry-After` (a 500 only with it, 502–504 on idempotent
 *   requests also without; see {@link retryDelay}); the typed error
 *   is thrown once retries are exhausted.
 * - Kinds given as `{ apiVersion, kind }` are resolved through a cached {@link RestMapper}
 *   (one discovery request per group/version).
 * - Writes carry the field manager (`weft` by default).
 *
 * Caveats: one `KubeClient` keeps one keep-alive connection pool; call {@link KubeClient.close}
 * when done with it in short-lived programs.
 *
 * @throws Each verb documents its own errors; the constructor throws {@link InvalidDurationError} for a bad `requestTimeout`.
 * @example
 * ```ts
 * import { KubeClient, ConfigMapKind } from '@weft/reconcile-core';
 * const client = new KubeClient(kubeConfig);
 * const web = await client.get(ConfigMapKind, 'web', { namespace: 'prod' });
 * await client.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web', namespace: 'prod' }, data: { a: '1' } }, { force: true });
 * ```
 */
export class KubeClient {
  /** Discovery-backed kind → resource mapping, shared by every verb of this client. */
  readonly mapper: RestMapper;
  /** The default field manager of writes. */
  readonly fieldManager: string;
  private readonly transport: Transport;
  private readonly requestTimeout: number;

  constructor(
    readonly kubeConfig: KubeConfig,
    options: KubeClientOptions = {},
  ) {
    this.transport = new Transport(kubeConfig, options);
    transports.set(this, this.transport);
    this.mapper = new RestMapper(this.transport);
    this.fieldManager = options.fieldManager ?? 'weft';
    this.requestTimeout = parseDuration(options.requestTimeout ?? '30s');
  }

  /**
   * Reads one object.
   *
   * @throws {@link NotFoundError} when it does not exist; other {@link KubeApiError}s; {@link UnknownKindError}.
   * @example
   * ```ts
   * import { DeploymentKind } from '@weft/reconcile-core';
   * const deployment = await client.get(DeploymentKind, 'web', { namespace: 'prod' });
   * ```
   */
  async get<T extends KubeObject = KubeObject>(kind: KindLike<T>, name: string, options: GetOptions = {}): Promise<T> {
    const resolved = await this.resolve(kind, options);
    const namespace = this.namespaceFor(resolved, options.namespace, 'get', name);
    const response = await this.transport.send<T>({
      method: 'GET',
      path: resourcePath(resolved, { namespace, name }),
      query: { resourceVersion: options.resourceVersion },
      verb: 'get',
      target: apiTarget(resolved.apiVersion, resolved.kind, { namespace, name }),
      ...this.deadline(options),
    });
    return withKind(response.body, resolved);
  }

  /**
   * Lists one page of a kind; pass the returned `continue` to get the next.
   *
   * @remarks Items carry `apiVersion` and `kind` (the server leaves them out of list items).
   * @throws {@link GoneError} when a `continue` token expired; other {@link KubeApiError}s.
   * @example
   * ```ts
   * import { ConfigMapKind } from '@weft/reconcile-core';
   * const page = await client.list(ConfigMapKind, { namespace: 'prod', labelSelector: 'app=web', limit: 100 });
   * ```
   */
  async list<T extends KubeObject = KubeObject>(kind: KindLike<T>, options: ListOptions = {}): Promise<ListResult<T>> {
    const resolved = await this.resolve(kind, options);
    const namespace = resolved.namespaced ? options.namespace : undefined;
    const response = await this.transport.send<{ items?: T[]; metadata?: { resourceVersion?: string; continue?: string; remainingItemCount?: number } }>({
      method: 'GET',
      path: resourcePath(resolved, { namespace }),
      query: {
        labelSelector: options.labelSelector,
        fieldSelector: options.fieldSelector,
        limit: options.limit,
        continue: options.continue,
        resourceVersion: options.resourceVersion,
        resourceVersionMatch: options.resourceVersionMatch,
      },
      verb: 'list',
      target: apiTarget(resolved.apiVersion, resolved.kind, { namespace }),
      ...this.deadline(options),
    });
    const metadata = response.body.metadata ?? {};
    return {
      items: (response.body.items ?? []).map((item) => withKind(item, resolved)),
      resourceVersion: metadata.resourceVersion ?? '',
      ...(metadata.continue ? { continue: metadata.continue } : {}),
      ...(metadata.remainingItemCount !== undefined ? { remainingItemCount: metadata.remainingItemCount } : {}),
    };
  }

  /**
   * Lists page by page (`limit` per page, default 500), yielding each page as it arrives.
   *
   * @remarks The whole list is one consistent snapshot (the server pins the first page's
   * resourceVersion in the continue token). If the token expires between pages, the
   * {@link GoneError} is thrown: start again.
   * @throws {@link GoneError}; other {@link KubeApiError}s.
   * @example
   * ```ts
   * import { ConfigMapKind } from '@weft/reconcile-core';
   * for await (const page of client.listPages(ConfigMapKind, { limit: 250 })) console.log(page.items.length);
   * ```
   */
  async *listPages<T extends KubeObject = KubeObject>(kind: KindLike<T>, options: ListOptions = {}): AsyncGenerator<ListResult<T>> {
    let token = options.continue;
    do {
      const page = await this.list(kind, { ...options, limit: options.limit ?? 500, continue: token });
      yield page;
      token = page.continue;
    } while (token);
  }

  /**
   * Lists every object of a kind, paging underneath; returns the items and the resourceVersion to
   * start a watch from.
   *
   * @throws {@link GoneError} when a continue token expires; other {@link KubeApiError}s.
   * @example
   * ```ts
   * import { ConfigMapKind } from '@weft/reconcile-core';
   * const { items, resourceVersion } = await client.listAll(ConfigMapKind, { namespace: 'prod' });
   * ```
   */
  async listAll<T extends KubeObject = KubeObject>(kind: KindLike<T>, options: Omit<ListOptions, 'continue'> = {}): Promise<{ items: T[]; resourceVersion: string }> {
    const items: T[] = [];
    let resourceVersion = '';
    for await (const page of this.listPages(kind, options)) {
      items.push(...page.items);
      resourceVersion = page.resourceVersion;
    }
    return { items, resourceVersion };
  }

  /**
   * Opens a watch and yields the server's raw events until the server ends the stream, the
   * signal aborts, or an error occurs.
   *
   * @remarks
   * This is the low-level stream (one HTTP watch, no relist, no reconnect); `watch()` of the
   * runtime builds the resilient stream on it. An `ERROR` event is thrown as its typed error
   * ({@link GoneError} when the resourceVersion is too old). Aborting ends the iteration with
   * {@link CancelledError}.
   * @throws {@link GoneError}, {@link ConnectionError}, {@link CancelledError}, other {@link KubeApiError}s.
   * @example
   * ```ts
   * import { ConfigMapKind } from '@weft/reconcile-core';
   * for await (const event of client.watch(ConfigMapKind, { namespace: 'prod', resourceVersion, signal })) console.log(event.type, event.object.metadata.name);
   * ```
   */
  async *watch<T extends KubeObject = KubeObject>(kind: KindLike<T>, options: WatchOptions = {}): AsyncGenerator<ApiWatchEvent<T>> {
    const resolved = await this.resolve(kind, options);
    const namespace = resolved.namespaced ? options.namespace : undefined;
    const target = apiTarget(resolved.apiVersion, resolved.kind, { namespace });
    const request: ApiRequest = {
      method: 'GET',
      path: resourcePath(resolved, { namespace }),
      query: {
        watch: 'true',
        allowWatchBookmarks: options.allowWatchBookmarks ?? true,
        labelSelector: options.labelSelector,
        fieldSelector: options.fieldSelector,
        resourceVersion: options.resourceVersion,
        timeoutSeconds: options.timeoutSeconds,
        sendInitialEvents: options.sendInitialEvents,
      },
      verb: 'watch',
      target,
      signal: options.signal,
    };
    const response = await this.transport.open(request);
    for await (const event of readWatchEvents<T>(response, { verb: 'watch', target, signal: options.signal })) {
      yield event.type === 'BOOKMARK' ? event : { type: event.type, object: withKind(event.object, resolved) };
    }
  }

  /**
   * Creates an object.
   *
   * @throws {@link AlreadyExistsError}, {@link InvalidError}, other {@link KubeApiError}s; {@link ClientUsageError}.
   * @example
   * ```ts
   * import { KubeClient } from '@weft/reconcile-core';
   * const client = new KubeClient(kubeConfig);
   * const created = await client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web', namespace: 'prod' }, data: {} });
   * ```
   */
  async create<T extends KubeObject>(object: T, options: WriteOptions & { kind?: ResourceKind<T> } = {}): Promise<T> {
    const resolved = await this.resolve(options.kind ?? object, options);
    const namespace = this.namespaceFor(resolved, object.metadata.namespace, 'create', object.metadata.name ?? object.metadata.generateName);
    const response = await this.transport.send<T>({
      method: 'POST',
      path: resourcePath(resolved, { namespace }),
      query: this.writeQuery(options),
      body: object,
      verb: options.dryRun ? 'create (dry run)' : 'create',
      target: apiTarget(resolved.apiVersion, resolved.kind, { namespace, name: object.metadata.name }),
      ...this.deadline(options),
    });
    return withKind(response.body, resolved);
  }

  /**
   * Replaces an object (HTTP PUT). With `metadata.resourceVersion` set this is an optimistic
   * write: it fails with {@link ConflictError} if the object changed since it was read.
   *
   * @throws {@link ConflictError}, {@link NotFoundError}, {@link InvalidError}, other {@link KubeApiError}s.
   * @example
   * ```ts
   * import { ConfigMapKind } from '@weft/reconcile-core';
   * const current = await client.get(ConfigMapKind, 'web', { namespace });
   * await client.update({ ...current, data: { ...current.data, b: '2' } });
   * ```
   */
  async update<T extends KubeObject>(object: T, options: WriteOptions & { kind?: ResourceKind<T> } = {}): Promise<T> {
    return this.put(object, options, '', 'update');
  }

  /**
   * Replaces the status subresource of an object (HTTP PUT to `/status`), optimistic like {@link KubeClient.update}.
   *
   * @throws {@link ConflictError}, {@link NotFoundError}, {@link InvalidError}, other {@link KubeApiError}s.
   * @example
   * ```ts
   * import { KubeClient } from '@weft/reconcile-core';
   * const client = new KubeClient(kubeConfig);
   * await client.updateStatus({ ...app, status: { observedGeneration: app.metadata.generation } });
   * ```
   */
  async updateStatus<T extends KubeObject>(object: T, options: WriteOptions & { kind?: ResourceKind<T> } = {}): Promise<T> {
    return this.put(object, options, '/status', 'update status');
  }

  /**
   * Server-side applies an object under a field manager (default `weft`).
   *
   * @remarks
   * Sends the object as an apply patch; the server merges it with what other managers own and
   * records ownership in `managedFields`. Fields owned by another manager fail the apply with a
   * {@link ConflictError} (see `fieldManagerConflicts`) unless `force: true`. `dryRun: true` returns
   * the would-be result and persists nothing. Omit `metadata.resourceVersion` unless you want the
   * apply to fail when the object changed. `metadata.managedFields` is left out of the request (the
   * server refuses it in an apply), so an object read from the server can be applied as is.
   * @throws {@link ConflictError}, {@link InvalidError}, other {@link KubeApiError}s; {@link ClientUsageError}.
   * @example
   * ```ts
   * import { KubeClient } from '@weft/reconcile-core';
   * const client = new KubeClient(kubeConfig);
   * const applied = await client.apply(desired, { force: true, fieldManager: 'weft-drift' });
   * ```
   */
  async apply<T extends KubeObject>(object: T, options: ApplyOptions & { kind?: ResourceKind<T> } = {}): Promise<T> {
    return this.sendApply(object, options, '', 'apply');
  }

  /**
   * Server-side applies the status subresource of an object (the object's `status`, plus identity).
   *
   * @throws {@link ConflictError}, {@link InvalidError}, {@link NotFoundError}, other {@link KubeApiError}s.
   * @example
   * ```ts
   * import { KubeClient } from '@weft/reconcile-core';
   * const client = new KubeClient(kubeConfig);
   * await client.applyStatus({ apiVersion: app.apiVersion, kind: app.kind, metadata: { name, namespace }, status: { conditions } }, { force: true });
   * ```
   */
  async applyStatus<T extends KubeObject>(object: T, options: ApplyOptions & { kind?: ResourceKind<T> } = {}): Promise<T> {
    return this.sendApply(object, options, '/status', 'apply status');
  }

  /**
   * Patches an object: JSON merge patch (default), RFC 6902 JSON patch, or strategic merge patch.
   *
   * @remarks A merge patch carrying `metadata.resourceVersion` is optimistic: it fails with
   * {@link ConflictError} if the object changed. Strategic merge patch is refused (415) for custom resources.
   * @throws {@link NotFoundError}, {@link ConflictError}, {@link InvalidError}, other {@link KubeApiError}s.
   * @example
   * ```ts
   * import { DeploymentKind } from '@weft/reconcile-core';
   * await client.patch(DeploymentKind, 'web', { spec: { replicas: 3 } }, { namespace: 'prod' });
   * await client.patch(DeploymentKind, 'web', [{ op: 'replace', path: '/spec/replicas', value: 2 }], { namespace: 'prod', type: 'json' });
   * ```
   */
  async patch<T extends KubeObject = KubeObject>(kind: KindLike<T>, name: string, patch: object | readonly JsonPatchOperation[], options: PatchOptions = {}): Promise<T> {
    return this.sendPatch(kind, name, patch, options, '', 'patch');
  }

  /**
   * Patches the status subresource of an object (same patch types as {@link KubeClient.patch}).
   *
   * @remarks A merge patch is typed by the kind's status schema ({@link StatusPatch}): a field the
   * schema does not declare does not compile, since the apiserver would prune it. At run time,
   * `fieldValidation: 'Strict'` makes the apiserver refuse undeclared fields instead of dropping them.
   * To write a status only when it changed, use `writeStatus`.
   * @throws {@link NotFoundError}, {@link ConflictError}, {@link InvalidError} (also an undeclared
   * field under `Strict`), other {@link KubeApiError}s.
   * @example
   * ```ts
   * import { KubeClient } from '@weft/reconcile-core';
   * const client = new KubeClient(kubeConfig);
   * await client.patchStatus(WebAppKind, 'web', { status: { observedGeneration: 3 } }, { namespace: 'prod' });
   * ```
   */
  async patchStatus<T extends KubeObject = KubeObject>(kind: KindLike<T>, name: string, patch: StatusPatch<T> | readonly JsonPatchOperation[], options: PatchOptions = {}): Promise<T> {
    return this.sendPatch(kind, name, patch, options, '/status', 'patch status');
  }

  /**
   * Deletes an object; returns it as the server last saw it when the server returns it (for
   * example with `deletionTimestamp` set while finalizers run), else `undefined`.
   *
   * @remarks `preconditions` make the delete conditional on uid / resourceVersion ({@link ConflictError}
   * otherwise). With `dryRun` nothing is deleted.
   * @throws {@link NotFoundError}, {@link ConflictError}, other {@link KubeApiError}s.
   * @example
   * ```ts
   * import { DeploymentKind } from '@weft/reconcile-core';
   * await client.delete(DeploymentKind, 'web', { namespace: 'prod', propagationPolicy: 'Foreground' });
   * ```
   */
  async delete<T extends KubeObject = KubeObject>(kind: KindLike<T>, name: string, options: DeleteOptions = {}): Promise<T | undefined> {
    const resolved = await this.resolve(kind, options);
    const namespace = this.namespaceFor(resolved, options.namespace, 'delete', name);
    const body = {
      apiVersion: 'v1',
      kind: 'DeleteOptions',
      ...(options.propagationPolicy ? { propagationPolicy: options.propagationPolicy } : {}),
      ...(options.preconditions ? { preconditions: options.preconditions } : {}),
      ...(options.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: options.gracePeriodSeconds } : {}),
      ...(options.dryRun ? { dryRun: ['All'] } : {}),
    };
    const response = await this.transport.send<T | KubeStatus>({
      method: 'DELETE',
      path: resourcePath(resolved, { namespace, name }),
      body,
      verb: options.dryRun ? 'delete (dry run)' : 'delete',
      target: apiTarget(resolved.apiVersion, resolved.kind, { namespace, name }),
      ...this.deadline(options),
    });
    return response.body === undefined || isKubeStatus(response.body) ? undefined : withKind(response.body as T, resolved);
  }

  /**
   * Resolves a kind given as `{ apiVersion, kind }` (or an object) to its {@link ResourceKind};
   * a `ResourceKind` is returned as is.
   *
   * @throws {@link UnknownKindError} when the apiserver does not serve it.
   * @example
   * ```ts
   * import { KubeClient } from '@weft/reconcile-core';
   * const client = new KubeClient(kubeConfig);
   * const kind = await client.resourceKind({ apiVersion: 'example.com/v1', kind: 'Widget' });
   * ```
   */
  async resourceKind<T extends KubeObject = KubeObject>(kind: KindLike<T>, options: CallOptions = {}): Promise<ResourceKind<T>> {
    return this.resolve(kind, options);
  }

  /**
   * Closes the client's idle keep-alive connections.
   *
   * @example
   * ```ts
   * import { KubeClient } from '@weft/reconcile-core';
   * const client = new KubeClient(kubeConfig);
   * client.close();
   * ```
   */
  close(): void {
    this.transport.close();
  }

  private async put<T extends KubeObject>(object: T, options: WriteOptions & { kind?: ResourceKind<T> }, subresource: string, verb: string): Promise<T> {
    const resolved = await this.resolve(options.kind ?? object, options);
    const name = this.nameOf(object, verb);
    const namespace = this.namespaceFor(resolved, object.metadata.namespace, verb, name);
    const response = await this.transport.send<T>({
      method: 'PUT',
      path: resourcePath(resolved, { namespace, name }) + subresource,
      query: this.writeQuery(options),
      body: object,
      verb: options.dryRun ? `${verb} (dry run)` : verb,
      target: apiTarget(resolved.apiVersion, resolved.kind, { namespace, name }),
      ...this.deadline(options),
    });
    return withKind(response.body, resolved);
  }

  private async sendApply<T extends KubeObject>(object: T, options: ApplyOptions & { kind?: ResourceKind<T> }, subresource: string, verb: string): Promise<T> {
    const resolved = await this.resolve(options.kind ?? object, options);
    const name = this.nameOf(object, verb);
    const namespace = this.namespaceFor(resolved, object.metadata.namespace, verb, name);
    const body = object.metadata.managedFields === undefined ? object : { ...object, metadata: { ...object.metadata, managedFields: undefined } };
    const response = await this.transport.send<T>({
      method: 'PATCH',
      path: resourcePath(resolved, { namespace, name }) + subresource,
      query: { ...this.writeQuery(options), force: options.force ? true : undefined },
      body,
      contentType: 'application/apply-patch+yaml',
      verb: options.dryRun ? `${verb} (dry run)` : verb,
      target: apiTarget(resolved.apiVersion, resolved.kind, { namespace, name }),
      ...this.deadline(options),
    });
    return withKind(response.body, resolved);
  }

  private async sendPatch<T extends KubeObject>(kind: KindLike<T>, name: string, patch: object | readonly JsonPatchOperation[], options: PatchOptions, subresource: string, verb: string): Promise<T> {
    const resolved = await this.resolve(kind, options);
    const namespace = this.namespaceFor(resolved, options.namespace, verb, name);
    const type = options.type ?? 'merge';
    const response = await this.transport.send<T>({
      method: 'PATCH',
      path: resourcePath(resolved, { namespace, name }) + subresource,
      query: this.writeQuery(options),
      body: patch,
      contentType: patchContentType[type],
      verb: options.dryRun ? `${verb} (dry run)` : verb,
      target: apiTarget(resolved.apiVersion, resolved.kind, { namespace, name }),
      ...this.deadline(options),
    });
    return withKind(response.body, resolved);
  }

  private async resolve<T extends KubeObject>(kind: KindLike<T> | KubeObject, options: CallOptions): Promise<ResourceKind<T>> {
    if ('plural' in kind && typeof kind.plural === 'string' && typeof (kind as ResourceKind).namespaced === 'boolean') return kind as ResourceKind<T>;
    if (!kind.apiVersion || !kind.kind) throw new ClientUsageError(`cannot tell the kind of ${JSON.stringify(kind).slice(0, 200)}: apiVersion and kind are required`);
    return this.mapper.resolve<T>({ apiVersion: kind.apiVersion, kind: kind.kind }, { signal: options.signal });
  }

  private namespaceFor(kind: ResourceKind, namespace: string | undefined, verb: string, name: string | undefined): string | undefined {
    if (!kind.namespaced) return undefined;
    if (!namespace) throw new ClientUsageError(`${kind.kind}/${name ?? ''} ${verb}: ${kind.kind} is namespaced, and no namespace was given`);
    return namespace;
  }

  private nameOf(object: KubeObject, verb: string): string {
    const name = object.metadata?.name;
    if (!name) throw new ClientUsageError(`${object.kind ?? 'object'} ${verb}: metadata.name is required`);
    return name;
  }

  private writeQuery(options: WriteOptions): Record<string, string | undefined> {
    return {
      fieldManager: options.fieldManager ?? this.fieldManager,
      dryRun: options.dryRun ? 'All' : undefined,
      fieldValidation: options.fieldValidation,
    };
  }

  private deadline(options: CallOptions): Pick<ApiRequest, 'signal' | 'timeout'> {
    return { signal: options.signal, timeout: options.timeout === undefined ? this.requestTimeout : parseDuration(options.timeout) };
  }
}

/** Each client's transport, for the stages that share its connections (`kubeTransport(client)`). */
const transports = new WeakMap<KubeClient, Transport>();

/** The HTTP transport of a client: its keep-alive agent, credentials, retries and typed errors. */
export function transportOf(client: KubeClient): Transport {
  return transports.get(client)!;
}

const patchContentType: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
};

/**
 * List items arrive without `apiVersion`/`kind`; fill them in. The object was just parsed from the
 * response and belongs to nobody else, so it is completed in place (cheap for 10 000-item lists).
 */
function withKind<T extends KubeObject>(object: T, kind: ResourceKind): T {
  if (object && typeof object === 'object') {
    if (!object.apiVersion) object.apiVersion = kind.apiVersion;
    if (!object.kind) object.kind = kind.kind;
  }
  return object;
}
