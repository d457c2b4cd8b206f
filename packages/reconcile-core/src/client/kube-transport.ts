import type { KubeConfig } from '@kubernetes/client-node';
import { isCancelledError } from './errors.js';
import { KubeClient, transportOf } from './kube-client.js';
import type { ApiTarget } from './status.js';
import { type ApiRequest, Transport } from './transport.js';
import { readWatchEvents } from './watch-events.js';

/**
 * One event line of a Kubernetes watch response, as the apiserver sends it.
 *
 * @remarks `object` is a `Status` for `ERROR` and carries only `metadata.resourceVersion` for `BOOKMARK`.
 * @example
 * ```ts
 * import { type RawWatchEvent } from '@weft/reconcile-core';
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
 * @example
 * ```ts
 * import { type ListPage } from '@weft/reconcile-core';
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
 * @example
 * ```ts
 * import { type TransportRequest } from '@weft/reconcile-core';
 * const request: TransportRequest = { path: '/api/v1/configmaps', query: { limit: '500' }, accept: 'application/json', signal };
 * ```
 */
export interface TransportRequest {
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  /** The `Accept` header (metadata-only mode asks for `PartialObjectMetadata`). */
  readonly accept: string;
  readonly signal: AbortSignal;
  /** What the request is about, for error messages (`ConfigMap/prod list failed: …`); default: read from the path. */
  readonly target?: ApiTarget;
}

/**
 * The two HTTP calls a watch makes: {@link kubeTransport} is the real one (the client's), tests pass fakes.
 *
 * @remarks Implementations throw the client's typed errors ({@link GoneError} for 410,
 * {@link ConnectionError}, {@link ForbiddenError}, …).
 * @example
 * ```ts
 * import { watch, kubeTransport, ConfigMapKind } from '@weft/reconcile-core';
 * watch(ConfigMapKind, { transport: kubeTransport(client) });
 * ```
 */
export interface WatchTransport {
  /** One page of a list. */
  list(request: TransportRequest): Promise<ListPage>;
  /** A watch stream; ends when the server closes it or the request's signal aborts, throws on connection errors. */
  watch(request: TransportRequest): AsyncIterable<RawWatchEvent>;
}

/**
 * A {@link WatchTransport} plus plain JSON requests, over the same connections as a {@link KubeClient}.
 *
 * @remarks Made by {@link kubeTransport}. Requests fail with the client's typed errors
 * ({@link KubeApiError} subclasses). Close one made from a `KubeConfig` when done; one made from a
 * client shares the client's connections and `close()` leaves them to the client.
 * @example
 * ```ts
 * import { kubeTransport } from '@weft/reconcile-core';
 * const transport = kubeTransport(client);
 * await transport.request('PATCH', '/api/v1/namespaces/prod/configmaps/web', { body: { data: { a: '1' } }, contentType: 'application/merge-patch+json' });
 * ```
 */
export interface KubeTransport extends WatchTransport {
  /**
   * One JSON request; resolves with the parsed body.
   * @throws the client's {@link KubeApiError}s (with the HTTP status and the apiserver's reason).
   */
  request<R = unknown>(
    method: string,
    path: string,
    options?: { query?: Record<string, string>; body?: unknown; contentType?: string; signal?: AbortSignal },
  ): Promise<R>;
  /** Closes idle keep-alive connections (of a transport made from a `KubeConfig`); later requests open new ones. */
  close(): void;
}

/**
 * The real {@link KubeTransport}: the HTTP stack of {@link KubeClient} (one keep-alive agent with
 * the kubeconfig's TLS material, rotating credentials refreshed per request, typed errors), for the
 * list and watch requests of {@link watch}.
 *
 * @remarks
 * Given a client, it uses that client's connections: a controller's watches and its reconcilers'
 * requests share one agent (a Manager does this). Given a `KubeConfig`, it opens its own. List and
 * watch requests are not repeated by the transport: the watch loop backs off and retries itself.
 * Watch responses are read line by line; an `ERROR` line becomes its typed error ({@link GoneError}
 * for an expired resourceVersion).
 * @throws Its methods throw {@link KubeApiError}s: {@link GoneError}, {@link ConnectionError}, {@link CancelledError}, ….
 * @example
 * ```ts
 * import { kubeTransport } from '@weft/reconcile-core';
 * const transport = kubeTransport(client);
 * const page = await transport.list({ path: '/api/v1/configmaps', query: { limit: '10' }, accept: 'application/json', signal });
 * ```
 */
export function kubeTransport(source: KubeConfig | KubeClient): KubeTransport {
  const shared = source instanceof KubeClient;
  const http = shared ? transportOf(source) : new Transport(source);
  return {
    async list({ path, query, accept, signal, target }) {
      const response = await http.send<{ items?: Record<string, unknown>[]; metadata?: { resourceVersion?: string; continue?: string } }>({
        method: 'GET',
        path,
        query,
        accept,
        verb: 'list',
        target: target ?? targetOfPath(path),
        signal,
        retry: false,
      });
      const list = response.body ?? {};
      return { items: list.items ?? [], resourceVersion: list.metadata?.resourceVersion ?? '', continue: list.metadata?.continue };
    },
    async *watch({ path, query, accept, signal, target }) {
      const request: ApiRequest = { method: 'GET', path, query, accept, verb: 'watch', target: target ?? targetOfPath(path), signal };
      try {
        const response = await http.open(request);
        yield* readWatchEvents(response, { verb: 'watch', target: request.target, signal });
      } catch (error) {
        // The caller's abort stops the stream; it is not a failure of the watch.
        if (signal.aborted && isCancelledError(error)) return;
        throw error;
      }
    },
    async request<R>(method: string, path: string, options: { query?: Record<string, string>; body?: unknown; contentType?: string; signal?: AbortSignal } = {}) {
      const response = await http.send<R>({
        method: method.toUpperCase() as ApiRequest['method'],
        path,
        query: options.query,
        body: options.body,
        contentType: options.contentType,
        verb: method.toLowerCase(),
        target: targetOfPath(path),
        signal: options.signal,
      });
      return response.body;
    },
    close() {
      if (!shared) http.close();
    },
  };
}

/**
 * What a raw path is about, for error messages: `/apis/apps/v1/namespaces/prod/deployments/web`
 * names `deployments/prod/web` (the resource stands in for the kind, which a path does not carry).
 */
function targetOfPath(path: string): ApiTarget {
  const parts = path.split('?')[0]!.split('/').filter((part) => part !== '');
  const [root, ...rest] = parts;
  const group = root === 'apis' ? (rest.shift() ?? '') : '';
  const version = rest.shift() ?? '';
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = decodeURIComponent(rest[1]!);
    rest.splice(0, 2);
  }
  const [resource = path, name] = rest;
  return { group, version, kind: resource, ...(namespace ? { namespace } : {}), ...(name !== undefined ? { name: decodeURIComponent(name) } : {}) };
}
