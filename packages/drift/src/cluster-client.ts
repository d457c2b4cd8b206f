import http, { type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import https from 'node:https';
import { createInterface } from 'node:readline';
import { abortableSleep } from './abortable-sleep.js';
import type { KubeConfig } from '@kubernetes/client-node';
import { WeftError, describeObject, parseApiVersion, type KubeObject, type ObjectRef } from '@weft/reconcile-core';

/**
 * The apiserver answered with an error (or could not be reached), for one object.
 *
 * @remarks `retryable` is true for connection losses, 429, 503 and 504 and for conflicts;
 * `causes` holds the apiserver's field causes (`field is immutable`, …).
 */
export class ClusterApiError extends WeftError {
  override name = 'ClusterApiError';
  constructor(
    message: string,
    readonly code: number,
    readonly reason: string,
    readonly causes: readonly { field?: string; message?: string; reason?: string }[],
    options: { cause?: unknown; retryable?: boolean } = {},
  ) {
    super(message, options);
  }
}

/** The operation was aborted through its `AbortSignal`. Not retryable. */
export class CancelledError extends WeftError {
  override name = 'CancelledError';
}

/** How a kind maps to REST paths, from discovery. */
interface KindMapping {
  readonly plural: string;
  readonly namespaced: boolean;
}

/** A watch event as the apiserver streams it. */
export interface ClusterWatchEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
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
}

/**
 * The few apiserver verbs `@weft/drift` needs: server-side apply (with dry run and force), get,
 * delete, JSON patch, list and watch, on any kind found by discovery.
 *
 * @remarks
 * Keeps one keep-alive connection pool; retries connection losses, 429, 503 and 504 with
 * exponential backoff for `retryFor` ms (every verb here is idempotent), so an apiserver restart in
 * the middle of a set only delays it. Discovery is cached and refreshed when a kind is unknown (a
 * CRD created a moment ago).
 */
export class ClusterClient {
  private connection: Promise<{ base: URL; agent: http.Agent; request: typeof http.request; headers: OutgoingHttpHeaders }> | undefined;
  private readonly discovery = new Map<string, Promise<Map<string, KindMapping>>>();
  private readonly retryFor: number;

  constructor(
    readonly kubeConfig: KubeConfig,
    options: ClusterClientOptions = {},
  ) {
    this.retryFor = options.retryFor ?? 60_000;
  }

  /**
   * Server-side applies one object under `fieldManager`; with `dryRun` nothing is stored.
   *
   * @throws {@link ClusterApiError} (422 Invalid with causes for bad objects, 409 Conflict without force).
   */
  async apply(object: KubeObject, options: CallOptions & { fieldManager: string; force?: boolean; dryRun?: boolean }): Promise<KubeObject> {
    const query: Record<string, string> = { fieldManager: options.fieldManager };
    if (options.force) query['force'] = 'true';
    if (options.dryRun) query['dryRun'] = 'All';
    const path = await this.objectPath(object.apiVersion, object.kind, object.metadata.namespace, object.metadata.name, options.signal);
    return (await this.request('PATCH', path, query, object, 'application/apply-patch+yaml', describeRef(object), options.signal)) as KubeObject;
  }

  /** The live object, or undefined when it does not exist. */
  async get(ref: ObjectRef, options: CallOptions = {}): Promise<KubeObject | undefined> {
    const path = await this.objectPath(apiVersionOf(ref), ref.kind, ref.namespace, ref.name, options.signal);
    try {
      return (await this.request('GET', path, {}, undefined, undefined, describeObject(ref), options.signal)) as KubeObject;
    } catch (error) {
      if (error instanceof ClusterApiError && error.code === 404) return undefined;
      throw error;
    }
  }

  /** Deletes an object; returns false when it was already gone. */
  async delete(ref: ObjectRef, options: CallOptions & { propagationPolicy?: 'Background' | 'Foreground' | 'Orphan'; dryRun?: boolean } = {}): Promise<boolean> {
    const path = await this.objectPath(apiVersionOf(ref), ref.kind, ref.namespace, ref.name, options.signal);
    const body = { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: options.propagationPolicy ?? 'Background', ...(options.dryRun ? { dryRun: ['All'] } : {}) };
    try {
      await this.request('DELETE', path, {}, body, 'application/json', describeObject(ref), options.signal);
      return true;
    } catch (error) {
      if (error instanceof ClusterApiError && error.code === 404) return false;
      throw error;
    }
  }

  /** Applies a JSON patch (RFC 6902) to an object. */
  async jsonPatch(ref: ObjectRef, operations: readonly unknown[], options: CallOptions = {}): Promise<KubeObject> {
    const path = await this.objectPath(apiVersionOf(ref), ref.kind, ref.namespace, ref.name, options.signal);
    return (await this.request('PATCH', path, {}, operations, 'application/json-patch+json', describeObject(ref), options.signal)) as KubeObject;
  }

  /** JSON-merge-patches an object's status subresource. */
  async mergePatchStatus(ref: ObjectRef, patch: unknown, options: CallOptions = {}): Promise<KubeObject> {
    const path = await this.objectPath(apiVersionOf(ref), ref.kind, ref.namespace, ref.name, options.signal);
    return (await this.request('PATCH', `${path}/status`, {}, patch, 'application/merge-patch+json', describeObject(ref), options.signal)) as KubeObject;
  }

  /** Creates an object (POST to its collection); used for core `v1` Events. */
  async create(object: KubeObject, options: CallOptions = {}): Promise<KubeObject> {
    const path = await this.collectionPath(object.apiVersion, object.kind, object.metadata.namespace, options.signal);
    return (await this.request('POST', path, {}, object, 'application/json', describeRef(object), options.signal)) as KubeObject;
  }

  /** Lists a kind in a namespace (or cluster-wide), with its resourceVersion to watch from. */
  async list(apiVersion: string, kind: string, namespace: string | undefined, options: CallOptions & { labelSelector?: string; fieldSelector?: string } = {}): Promise<{ items: KubeObject[]; resourceVersion: string }> {
    const path = await this.collectionPath(apiVersion, kind, namespace, options.signal);
    const query: Record<string, string> = {};
    if (options.labelSelector) query['labelSelector'] = options.labelSelector;
    if (options.fieldSelector) query['fieldSelector'] = options.fieldSelector;
    const body = (await this.request('GET', path, query, undefined, undefined, `${kind} list`, options.signal)) as { items?: KubeObject[]; metadata?: { resourceVersion?: string } };
    const items = (body.items ?? []).map((item) => ({ ...item, apiVersion, kind }));
    return { items, resourceVersion: body.metadata?.resourceVersion ?? '' };
  }

  /**
   * Watches a kind in a namespace from a resourceVersion; yields events until the server closes
   * the stream or the signal aborts (then it returns quietly).
   */
  async *watch(apiVersion: string, kind: string, namespace: string | undefined, options: CallOptions & { resourceVersion?: string; fieldSelector?: string; labelSelector?: string }): AsyncGenerator<ClusterWatchEvent> {
    const path = await this.collectionPath(apiVersion, kind, namespace, options.signal);
    const query: Record<string, string> = { watch: 'true', allowWatchBookmarks: 'true' };
    if (options.resourceVersion) query['resourceVersion'] = options.resourceVersion;
    if (options.fieldSelector) query['fieldSelector'] = options.fieldSelector;
    if (options.labelSelector) query['labelSelector'] = options.labelSelector;
    const response = await this.open('GET', path, query, undefined, undefined, options.signal);
    if ((response.statusCode ?? 0) !== 200) {
      const text = await readAll(response);
      throw apiError(`watch ${kind}`, response.statusCode ?? 0, text);
    }
    const lines = createInterface({ input: response, crlfDelay: Infinity });
    try {
      for await (const line of lines) {
        if (line.trim() === '') continue;
        yield JSON.parse(line) as ClusterWatchEvent;
      }
    } catch (error) {
      if (options.signal?.aborted) return;
      throw error;
    } finally {
      response.destroy();
    }
  }

  /** Whether the kind is namespaced, from discovery. */
  async isNamespaced(apiVersion: string, kind: string, signal?: AbortSignal): Promise<boolean> {
    return (await this.mapping(apiVersion, kind, signal)).namespaced;
  }

  /** Forgets cached discovery (after CRDs change). */
  resetDiscovery(): void {
    this.discovery.clear();
  }

  /** Closes idle connections. */
  close(): void {
    void this.connection?.then((connection) => connection.agent.destroy()).catch(() => undefined);
    this.connection = undefined;
  }

  private async objectPath(apiVersion: string, kind: string, namespace: string | undefined, name: string, signal: AbortSignal | undefined): Promise<string> {
    return `${await this.collectionPath(apiVersion, kind, namespace, signal)}/${encodeURIComponent(name)}`;
  }

  private async collectionPath(apiVersion: string, kind: string, namespace: string | undefined, signal: AbortSignal | undefined): Promise<string> {
    const mapping = await this.mapping(apiVersion, kind, signal);
    const prefix = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const scope = mapping.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
    return `${prefix}${scope}/${mapping.plural}`;
  }

  private async mapping(apiVersion: string, kind: string, signal: AbortSignal | undefined): Promise<KindMapping> {
    for (let attempt = 0; attempt < 2; attempt++) {
      let resources = this.discovery.get(apiVersion);
      if (!resources || attempt > 0) {
        resources = this.discover(apiVersion, signal);
        this.discovery.set(apiVersion, resources);
        resources.catch(() => this.discovery.delete(apiVersion));
      }
      const found = (await resources).get(kind);
      if (found) return found;
    }
    throw new ClusterApiError(`no kind ${kind} in ${apiVersion} on the apiserver (is its CRD installed and Established?)`, 404, 'NotFound', []);
  }

  private async discover(apiVersion: string, signal: AbortSignal | undefined): Promise<Map<string, KindMapping>> {
    const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const found = new Map<string, KindMapping>();
    try {
      const body = (await this.request('GET', path, {}, undefined, undefined, `discovery of ${apiVersion}`, signal)) as { resources?: { name: string; kind: string; namespaced: boolean }[] };
      for (const resource of body.resources ?? []) {
        if (!resource.name.includes('/')) found.set(resource.kind, { plural: resource.name, namespaced: resource.namespaced });
      }
    } catch (error) {
      if (!(error instanceof ClusterApiError && error.code === 404)) throw error;
    }
    return found;
  }

  private async request(method: string, path: string, query: Record<string, string>, body: unknown, contentType: string | undefined, subject: string, signal: AbortSignal | undefined): Promise<unknown> {
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      if (signal?.aborted) throw new CancelledError(`${method} ${subject} cancelled`, { cause: signal.reason });
      let error: unknown;
      try {
        const response = await this.open(method, path, query, body, contentType, signal);
        const text = await readAll(response);
        const code = response.statusCode ?? 0;
        if (code >= 200 && code < 300) return text === '' ? undefined : JSON.parse(text);
        error = apiError(subject, code, text);
      } catch (thrown) {
        if (signal?.aborted) throw new CancelledError(`${method} ${subject} cancelled`, { cause: signal.reason });
        error = thrown instanceof ClusterApiError ? thrown : new ClusterApiError(`${subject}: apiserver unreachable: ${(thrown as Error).message}`, 0, 'ConnectionError', [], { cause: thrown, retryable: true });
      }
      const retryable = error instanceof ClusterApiError && error.retryable && error.code !== 409;
      if (!retryable || Date.now() - started > this.retryFor) throw error;
      await abortableSleep(Math.min(2_000, 50 * 2 ** attempt) * (0.5 + Math.random() / 2), signal);
    }
  }

  private async open(method: string, path: string, query: Record<string, string>, body: unknown, contentType: string | undefined, signal: AbortSignal | undefined): Promise<IncomingMessage> {
    const connection = await this.connect();
    const url = new URL(path, connection.base);
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: OutgoingHttpHeaders = { ...connection.headers, Accept: 'application/json' };
    if (payload !== undefined) {
      headers['Content-Type'] = contentType ?? 'application/json';
      headers['Content-Length'] = Buffer.byteLength(payload);
    }
    return new Promise<IncomingMessage>((resolve, reject) => {
      const outgoing = connection.request(url, { method, headers, agent: connection.agent, ...(signal ? { signal } : {}) }, resolve);
      outgoing.on('error', reject);
      outgoing.end(payload);
    });
  }

  private connect(): Promise<{ base: URL; agent: http.Agent; request: typeof http.request; headers: OutgoingHttpHeaders }> {
    this.connection ??= (async () => {
      const cluster = this.kubeConfig.getCurrentCluster();
      if (!cluster?.server) throw new WeftError('kubeconfig has no current cluster with a server URL');
      const base = new URL(cluster.server);
      const options: https.RequestOptions = {};
      await this.kubeConfig.applyToHTTPSOptions(options);
      const secure = base.protocol === 'https:';
      const tls = { ca: options.ca, cert: options.cert, key: options.key, rejectUnauthorized: options.rejectUnauthorized };
      const agent = secure ? new https.Agent({ keepAlive: true, maxSockets: 64, ...stripUndefined(tls) }) : new http.Agent({ keepAlive: true, maxSockets: 64 });
      const headers: OutgoingHttpHeaders = { ...(options.headers as OutgoingHttpHeaders | undefined) };
      if (options.auth) headers['Authorization'] = `Basic ${Buffer.from(options.auth).toString('base64')}`;
      return { base, agent, request: secure ? https.request : http.request, headers };
    })();
    this.connection.catch(() => (this.connection = undefined));
    return this.connection;
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as Partial<T>;
}

function apiVersionOf(ref: Pick<ObjectRef, 'group' | 'version'>): string {
  return ref.group ? `${ref.group}/${ref.version}` : ref.version;
}

function describeRef(object: KubeObject): string {
  const { group, version } = parseApiVersion(object.apiVersion);
  return describeObject({ group, version, kind: object.kind, namespace: object.metadata.namespace, name: object.metadata.name });
}

function apiError(subject: string, code: number, text: string): ClusterApiError {
  let status: { message?: string; reason?: string; details?: { causes?: { field?: string; message?: string; reason?: string }[] } } = {};
  try {
    status = JSON.parse(text) as typeof status;
  } catch {
    status = { message: text.slice(0, 500) };
  }
  // 500 is left out: the apiserver answers 500 for patches it cannot type, which no retry fixes.
  const retryable = code === 409 || code === 429 || code === 503 || code === 504;
  return new ClusterApiError(`${subject}: ${status.message ?? `HTTP ${code}`}`, code, status.reason ?? String(code), status.details?.causes ?? [], { retryable });
}

function readAll(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    response.on('error', reject);
  });
}
