import type { KubeConfig } from '@kubernetes/client-node';
import { GoneError, KubeApiError, KubeClient, NotFoundError, UnknownKindError, WeftError, CancelledError as ClientCancelledError, type KubeObject, type ObjectRef } from '@weft/reconcile-core';
import { abortableSleep } from './abortable-sleep.js';

/**
 * The apiserver answered with an error (or could not be reached), for one object.
 *
 * @remarks `retryable` follows reconcile-core's typed error it wraps (`cause`): true for
 * connection losses, 429, 503 and 504, and conflicts (only the first four are retried here). `code` is 0 when the apiserver was not
 * reached; `causes` holds the apiserver's field causes (`field is immutable`, …).
 * @example
 * ```ts
 * import { ClusterApiError } from '@weft/drift';
 *
 * await client.apply(invalid, { fieldManager: 'weft' }).catch((error) => {
 *   if (error instanceof ClusterApiError && error.code === 422) console.error(error.causes);
 * });
 * ```
 */
export class ClusterApiError extends WeftError {
  override name = 'ClusterApiError';
  constructor(
    message: string,
    readonly code: number,
    readonly reason: string,
    readonly causes: readonly { field?: string | undefined; message?: string | undefined; reason?: string | undefined }[],
    options: { cause?: unknown; retryable?: boolean } = {},
  ) {
    super(message, options);
  }
}

/**
 * A verb of `@weft/drift` stopped because its `AbortSignal` aborted (a newer revision arrived, or
 * the caller shut down). Not a timeout: timeouts are reported as such.
 *
 * @remarks Not retryable.
 * @example
 * ```ts
 * import { CancelledError, wait } from '@weft/drift';
 *
 * await wait(client, objects, { signal }).catch((error) => { if (!(error instanceof CancelledError)) throw error; });
 * ```
 */
export class CancelledError extends WeftError {
  override name = 'CancelledError';
}

/** A watch event as the apiserver streams it. */
export interface ClusterWatchEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';
  readonly object: KubeObject;
}

/** Options every verb of {@link ClusterClient} takes. */
export interface CallOptions {
  readonly signal?: AbortSignal | undefined;
}

/** Options of {@link ClusterClient}. */
export interface ClusterClientOptions {
  /** How long a retryable failure (apiserver down, 503, 429) is retried, in ms. Default 60 000. */
  readonly retryFor?: number;
  /** The reconcile-core client to send requests with. Default: a new one over the `KubeConfig`. */
  readonly kubeClient?: KubeClient;
}

/**
 * The apiserver verbs `@weft/drift` needs (server-side apply with dry run and force, get, delete,
 * JSON patch, status patch, list, watch), on any kind, over reconcile-core's {@link KubeClient}.
 *
 * @remarks
 * Guarantees: one keep-alive connection pool (the `KubeClient`'s); kinds are mapped through its
 * discovery-backed REST mapper, refreshed when a kind is unknown (a CRD created a moment ago).
 * On top of the `KubeClient`'s own retries, retryable failures are retried for `retryFor` ms with
 * exponential backoff (every verb used here is idempotent or guarded by a resourceVersion test),
 * so an apiserver restart in the middle of a set only delays it. Errors are {@link ClusterApiError}s
 * naming the object (the `KubeClient`'s typed error is the `cause`); aborting gives {@link CancelledError}.
 * @throws The constructor does not throw; verbs throw {@link ClusterApiError} or {@link CancelledError}.
 * @example
 * ```ts
 * import { ClusterClient } from '@weft/drift';
 *
 * const client = new ClusterClient(kubeConfig);
 * const live = await client.get({ group: '', version: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'settings' });
 * client.close();
 * ```
 */
export class ClusterClient {
  /** The reconcile-core client requests go through. */
  readonly kube: KubeClient;
  private readonly retryFor: number;

  constructor(
    readonly kubeConfig: KubeConfig,
    options: ClusterClientOptions = {},
  ) {
    this.kube = options.kubeClient ?? new KubeClient(kubeConfig, { requestTimeout: '60s' });
    this.retryFor = options.retryFor ?? 60_000;
  }

  /**
   * Server-side applies one object under `fieldManager`; with `dryRun` nothing is stored.
   *
   * @throws {@link ClusterApiError} (422 Invalid with causes for bad objects).
   */
  async apply(object: KubeObject, options: CallOptions & { fieldManager: string; force?: boolean; dryRun?: boolean }): Promise<KubeObject> {
    return this.call(options.signal, () => this.kube.apply(object, { fieldManager: options.fieldManager, force: options.force ?? false, dryRun: options.dryRun ?? false, signal: options.signal }));
  }

  /**
   * The live object, or undefined when it does not exist.
   *
   * @throws {@link ClusterApiError} for other failures.
   */
  async get(ref: ObjectRef, options: CallOptions = {}): Promise<KubeObject | undefined> {
    return this.call(options.signal, async () => {
      try {
        return await this.kube.get(kindOf(ref), ref.name, { namespace: ref.namespace, signal: options.signal });
      } catch (error) {
        if (error instanceof NotFoundError) return undefined;
        throw error;
      }
    });
  }

  /**
   * Deletes an object; false when it was already gone.
   *
   * @throws {@link ClusterApiError} for other failures.
   */
  async delete(ref: ObjectRef, options: CallOptions & { propagationPolicy?: 'Background' | 'Foreground' | 'Orphan'; dryRun?: boolean } = {}): Promise<boolean> {
    return this.call(options.signal, async () => {
      try {
        await this.kube.delete(kindOf(ref), ref.name, { namespace: ref.namespace, propagationPolicy: options.propagationPolicy ?? 'Background', dryRun: options.dryRun ?? false, signal: options.signal });
        return true;
      } catch (error) {
        if (error instanceof NotFoundError) return false;
        throw error;
      }
    });
  }

  /**
   * Applies a JSON patch (RFC 6902) to an object.
   *
   * @throws {@link ClusterApiError} (a failed `test` operation is a 422 or 409).
   */
  async jsonPatch(ref: ObjectRef, operations: readonly unknown[], options: CallOptions = {}): Promise<KubeObject> {
    return this.call(options.signal, () => this.kube.patch(kindOf(ref), ref.name, operations as never, { type: 'json', namespace: ref.namespace, signal: options.signal }));
  }

  /**
   * JSON-merge-patches an object's status subresource.
   *
   * @throws {@link ClusterApiError}.
   */
  async mergePatchStatus(ref: ObjectRef, patch: object, options: CallOptions = {}): Promise<KubeObject> {
    return this.call(options.signal, () => this.kube.patchStatus(kindOf(ref), ref.name, patch, { type: 'merge', namespace: ref.namespace, signal: options.signal }));
  }

  /**
   * Creates an object (used for core `v1` Events).
   *
   * @throws {@link ClusterApiError}.
   */
  async create(object: KubeObject, options: CallOptions = {}): Promise<KubeObject> {
    return this.call(options.signal, () => this.kube.create(object, { signal: options.signal }));
  }

  /**
   * Lists a kind in a namespace (or cluster-wide), with the resourceVersion to watch from.
   *
   * @throws {@link ClusterApiError}.
   */
  async list(apiVersion: string, kind: string, namespace: string | undefined, options: CallOptions & { labelSelector?: string; fieldSelector?: string } = {}): Promise<{ items: KubeObject[]; resourceVersion: string }> {
    return this.call(options.signal, async () => {
      const result = await this.kube.listAll({ apiVersion, kind }, { namespace, labelSelector: options.labelSelector, fieldSelector: options.fieldSelector, signal: options.signal });
      return { items: result.items.map((item) => ({ ...item, apiVersion, kind })), resourceVersion: result.resourceVersion };
    });
  }

  /**
   * Watches a kind in a namespace from a resourceVersion; yields events until the server closes
   * the stream, and returns quietly when the signal aborts or the resourceVersion expired (410:
   * list again).
   *
   * @throws {@link ClusterApiError} when the watch cannot be opened or breaks.
   */
  async *watch(apiVersion: string, kind: string, namespace: string | undefined, options: CallOptions & { resourceVersion?: string; fieldSelector?: string; labelSelector?: string }): AsyncGenerator<ClusterWatchEvent> {
    try {
      for await (const event of this.kube.watch({ apiVersion, kind }, { namespace, resourceVersion: options.resourceVersion, fieldSelector: options.fieldSelector, labelSelector: options.labelSelector, signal: options.signal })) {
        yield event as ClusterWatchEvent;
      }
    } catch (error) {
      if (options.signal?.aborted || error instanceof GoneError) return;
      throw translate(error, options.signal);
    }
  }

  /**
   * Whether the kind is namespaced, from discovery.
   *
   * @throws {@link ClusterApiError} (404) when the apiserver does not serve the kind.
   */
  async isNamespaced(apiVersion: string, kind: string, signal?: AbortSignal): Promise<boolean> {
    return this.call(signal, async () => (await this.kube.resourceKind({ apiVersion, kind }, { signal })).namespaced);
  }

  /** Forgets cached discovery of one group/version, or of all (after CRDs change). */
  resetDiscovery(apiVersion?: string): void {
    this.kube.mapper.invalidate(apiVersion);
  }

  /** Closes idle connections. */
  close(): void {
    this.kube.close();
  }

  /** Runs one request, retrying retryable failures for `retryFor` ms, and translates its errors. */
  private async call<T>(signal: AbortSignal | undefined, request: () => Promise<T>): Promise<T> {
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      if (signal?.aborted) throw new CancelledError('cancelled', { cause: signal.reason });
      try {
        return await request();
      } catch (thrown) {
        const error = translate(thrown, signal);
        // Only what a restart or overload causes; a 500 is deterministic (a patch the server cannot type).
        const retryable = error instanceof ClusterApiError && error.retryable && [0, 429, 502, 503, 504].includes(error.code);
        if (!retryable || Date.now() - started > this.retryFor) throw error;
        await abortableSleep(Math.min(2_000, 50 * 2 ** attempt) * (0.5 + Math.random() / 2), signal);
      }
    }
  }
}

function kindOf(ref: Pick<ObjectRef, 'group' | 'version' | 'kind'>): { apiVersion: string; kind: string } {
  return { apiVersion: ref.group ? `${ref.group}/${ref.version}` : ref.version, kind: ref.kind };
}

function translate(error: unknown, signal: AbortSignal | undefined): Error {
  if (error instanceof CancelledError || error instanceof ClusterApiError) return error;
  if (error instanceof ClientCancelledError || signal?.aborted) return new CancelledError('cancelled', { cause: error });
  if (error instanceof UnknownKindError) return new ClusterApiError(error.message, 404, 'NotFound', [], { cause: error });
  if (error instanceof KubeApiError) return new ClusterApiError(error.message, error.code, error.reason || String(error.code), error.causes, { cause: error, retryable: error.retryable });
  return error instanceof Error ? error : new Error(String(error));
}
