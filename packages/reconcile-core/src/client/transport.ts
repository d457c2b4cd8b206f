import http, { type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { WeftError } from '../errors.js';
import { abortedCallError, apiErrorFromResponse, ConnectionError, KubeApiError } from './errors.js';
import { defaultRetryPolicy, parseRetryAfter, retryDelay, type RetryPolicy } from './retry.js';
import type { ApiTarget } from './status.js';
import { apiServerAgent } from './tls-agent.js';
import { type LongTimeout, setLongTimeout, sleep } from '../timers.js';

/** One request to the apiserver, as the client's verbs build it. */
export interface ApiRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The `Accept` header. Default `application/json`. */
  readonly accept?: string | undefined;
  /** Whether the transport repeats the request per its {@link RetryPolicy}. Default true; the watch loop, which backs off itself, says false. */
  readonly retry?: boolean | undefined;
  /** Absolute API path (`/api/v1/namespaces/prod/configmaps/web`). */
  readonly path: string;
  readonly query?: Readonly<Record<string, string | number | boolean | undefined>>;
  /** Sent as JSON. */
  readonly body?: unknown;
  readonly contentType?: string;
  /** Names the verb and the object in errors. */
  readonly verb: string;
  readonly target: ApiTarget;
  readonly signal?: AbortSignal | undefined;
  /** Deadline of the whole call, retries included, in ms; 0 or undefined for none. */
  readonly timeout?: number | undefined;
}

/** A successful response: status code, headers and the parsed JSON body. */
export interface ApiResponse<T = unknown> {
  readonly code: number;
  readonly headers: IncomingMessage['headers'];
  readonly body: T;
}

/** Options of {@link Transport}. */
export interface TransportOptions {
  readonly retry?: Partial<RetryPolicy>;
  /** Called with each `Warning` header the apiserver sends (deprecations, unknown fields). */
  readonly onWarning?: (warning: string, target: ApiTarget) => void;
  readonly userAgent?: string;
}

/**
 * The kubeconfig has no current cluster, or its server URL is unusable.
 *
 * @remarks Not retryable: fix the kubeconfig. Thrown by the first request of a {@link KubeClient}.
 * @example
 * ```ts
 * import { KubeConfigError, ConfigMapKind } from '@weft/reconcile-core';
 * await client.get(ConfigMapKind, 'web', { namespace }).catch((e) => { if (e instanceof KubeConfigError) console.error(e.message); });
 * ```
 */
export class KubeConfigError extends WeftError {
  override name = 'KubeConfigError';
}

/**
 * The kubeconfig's current cluster and its server URL.
 *
 * @throws {@link KubeConfigError} when there is no current cluster, it has no server, or the URL does not parse.
 */
export function currentCluster(kubeConfig: KubeConfig): { cluster: NonNullable<ReturnType<KubeConfig['getCurrentCluster']>>; base: URL } {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster?.server) {
    const context = kubeConfig.getCurrentContext();
    throw new KubeConfigError(context ? `kubeconfig context "${context}" names no cluster with a server URL` : 'kubeconfig has no current context, so no cluster to talk to');
  }
  try {
    return { cluster, base: new URL(cluster.server) };
  } catch (error) {
    throw new KubeConfigError(`kubeconfig cluster "${cluster.name}" has an invalid server URL ${JSON.stringify(cluster.server)}`, { cause: error });
  }
}

interface Connection {
  readonly base: URL;
  readonly agent: http.Agent;
  readonly request: typeof http.request;
  /** Headers computed once: impersonation, basic auth, and a static token. */
  readonly headers: OutgoingHttpHeaders;
  /** Whether the token rotates (exec, auth provider, token file, custom authenticator): ask for it per request. */
  readonly rotating: boolean;
}

/** client-node's per-request token hook; present in the pinned 1.3.0, typed private there. */
type AuthorizationHook = { applyAuthorizationHeader?: (options: https.RequestOptions) => Promise<void> };

/**
 * Sends requests to the apiserver named by a `KubeConfig`: one keep-alive agent with the
 * kubeconfig's TLS material, fresh auth headers for rotating credentials, retries, deadlines
 * and cancellation. The verbs of {@link KubeClient} are built on it.
 */
export class Transport {
  readonly retryPolicy: RetryPolicy;
  private connection: Promise<Connection> | undefined;

  constructor(
    readonly kubeConfig: KubeConfig,
    private readonly options: TransportOptions = {},
  ) {
    this.retryPolicy = { ...defaultRetryPolicy, ...options.retry };
  }

  /** Sends a request, retrying per the policy, and returns the parsed body; throws a typed {@link KubeApiError}. */
  async send<T>(request: ApiRequest): Promise<ApiResponse<T>> {
    const deadline = new Deadline(request);
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          return await this.attempt<T>(request, deadline);
        } catch (error) {
          const delay = request.retry === false ? undefined : retryDelay(error, attempt, request, this.retryPolicy);
          if (delay === undefined) throw error;
          await deadline.sleep(delay);
        }
      }
    } finally {
      deadline.dispose();
    }
  }

  /**
   * Opens a streaming response (a watch). Resolves with the response once the server answers 200;
   * a non-200 answer is read and thrown as a typed error. No retries; the caller's signal ends the stream.
   */
  async open(request: ApiRequest): Promise<IncomingMessage> {
    const deadline = new Deadline({ ...request, timeout: undefined });
    try {
      const response = await this.exchange(request, deadline);
      if (response.statusCode === 200) {
        response.once('close', () => deadline.dispose());
        return response;
      }
      const text = await readBody(response, deadline);
      throw apiErrorFromResponse({ verb: request.verb, target: request.target, code: response.statusCode ?? 0, body: parseJson(text), retryAfterSeconds: parseRetryAfter(header(response, 'retry-after')) });
    } catch (error) {
      deadline.dispose();
      throw error;
    }
  }

  /** Closes idle keep-alive connections. In-flight requests finish. */
  close(): void {
    void this.connection?.then((connection) => connection.agent.destroy()).catch(() => undefined);
    this.connection = undefined;
  }

  private async attempt<T>(request: ApiRequest, deadline: Deadline): Promise<ApiResponse<T>> {
    const response = await this.exchange(request, deadline);
    const text = await readBody(response, deadline);
    const code = response.statusCode ?? 0;
    const body = parseJson(text);
    if (code < 200 || code >= 300) {
      throw apiErrorFromResponse({ verb: request.verb, target: request.target, code, body, retryAfterSeconds: parseRetryAfter(header(response, 'retry-after')) });
    }
    return { code, headers: response.headers, body: body as T };
  }

  private async exchange(request: ApiRequest, deadline: Deadline): Promise<IncomingMessage> {
    deadline.throwIfAborted();
    const connection = await (this.connection ??= this.connect().catch((error: unknown) => {
      this.connection = undefined;
      throw error;
    }));
    const url = new URL(connection.base.pathname.replace(/\/$/, '') + request.path, connection.base);
    for (const [key, value] of Object.entries(request.query ?? {})) if (value !== undefined) url.searchParams.set(key, String(value));
    const payload = request.body === undefined ? undefined : Buffer.from(JSON.stringify(request.body));
    const headers: OutgoingHttpHeaders = {
      Accept: request.accept ?? 'application/json',
      'User-Agent': this.options.userAgent ?? 'weft/0.0.0',
      ...connection.headers,
      ...(connection.rotating ? await this.rotatingHeaders(connection) : {}),
      ...(payload ? { 'Content-Type': request.contentType ?? 'application/json', 'Content-Length': payload.length } : {}),
    };
    deadline.throwIfAborted();
    return new Promise<IncomingMessage>((resolve, reject) => {
      const outgoing = connection.request(url, { method: request.method, headers, agent: connection.agent, signal: deadline.signal }, (response) => {
        const warnings = response.headers['warning'];
        if (warnings && this.options.onWarning) for (const warning of String(warnings).split(/,(?=\s*\d{3} )/)) this.options.onWarning(warningText(warning), request.target);
        resolve(response);
      });
      outgoing.on('error', (error) => reject(deadline.translate(error, outgoing.reusedSocket)));
      outgoing.end(payload);
    });
  }

  private async connect(): Promise<Connection> {
    const { cluster, base } = currentCluster(this.kubeConfig);
    const options: https.RequestOptions = {};
    await this.kubeConfig.applyToHTTPSOptions(options);
    const user = this.kubeConfig.getCurrentUser();
    const customAuthenticators = (this.kubeConfig as unknown as { custom_authenticators?: unknown[] }).custom_authenticators ?? [];
    const rotating = Boolean(user?.exec || user?.authProvider || customAuthenticators.length > 0);
    const secure = base.protocol === 'https:';
    // Keep one keep-alive agent for the client's lifetime: client-node builds a new agent per call,
    // which would pay a TLS handshake on every request. A proxy keeps client-node's own agent.
    const agent: http.Agent = cluster.proxyUrl ? (options.agent as http.Agent) : apiServerAgent(options, secure);
    return { base, agent, request: secure ? https.request : http.request, headers: headersOf(options), rotating };
  }

  /**
   * The current token of rotating credentials. Only the authorization hook runs per request:
   * `applyToHTTPSOptions` would also re-read the CA file from disk and build an agent every time.
   */
  private async rotatingHeaders(connection: Connection): Promise<OutgoingHttpHeaders> {
    const options: https.RequestOptions = { headers: {} };
    const hook = (this.kubeConfig as unknown as AuthorizationHook).applyAuthorizationHeader;
    if (typeof hook === 'function') await hook.call(this.kubeConfig, options);
    else await this.kubeConfig.applyToHTTPSOptions(options);
    const authorization = (options.headers as OutgoingHttpHeaders | undefined)?.['Authorization'] ?? connection.headers['Authorization'];
    return authorization === undefined ? {} : { Authorization: authorization };
  }
}

function headersOf(options: https.RequestOptions): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = { ...(options.headers as OutgoingHttpHeaders | undefined) };
  if (options.auth) headers['Authorization'] = `Basic ${Buffer.from(options.auth).toString('base64')}`;
  return headers;
}

function header(response: IncomingMessage, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** `299 - "unknown field \"spec.foo\""` → `unknown field "spec.foo"`. */
function warningText(warning: string): string {
  const match = /^\s*\d{3}\s+\S+\s+"((?:[^"\\]|\\.)*)"/.exec(warning);
  return match?.[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : warning.trim();
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function readBody(response: IncomingMessage, deadline: Deadline): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    // A kept-alive socket may hold on to this response (and so to its listeners) until its next
    // request, which can be never. Listeners left on it would keep `resolve`, so this promise, so
    // the body it resolved with: a controller's one-page list of 10,000 objects stayed in memory as
    // 8.7 MB of text beside the cache. Once settled, only a listener that holds nothing stays.
    const settle = () => {
      response.off('data', onData).off('end', onEnd).off('error', onError).off('aborted', onAborted).on('error', ignoreLateError);
      chunks.length = 0;
    };
    const onData = (chunk: Buffer) => chunks.push(chunk);
    const onEnd = () => {
      const text = Buffer.concat(chunks).toString('utf8');
      settle();
      resolve(text);
    };
    const onError = (error: Error) => {
      settle();
      reject(deadline.translate(error));
    };
    const onAborted = () => {
      settle();
      reject(deadline.translate(new Error('response aborted')));
    };
    response.on('data', onData).on('end', onEnd).on('error', onError).on('aborted', onAborted);
  });
}

/** An error a response emits after its body was read or given up: nobody is waiting for it. */
function ignoreLateError(): void {}

/**
 * The cancellation and deadline of one call: aborts in-flight I/O and retry waits, and tells a
 * caller's cancellation from a timeout.
 */
class Deadline {
  private readonly controller = new AbortController();
  private timedOut = false;
  private readonly timer: LongTimeout | undefined;
  private readonly onCallerAbort = (): void => this.controller.abort(this.caller?.reason);
  private readonly caller: AbortSignal | undefined;

  constructor(private readonly request: ApiRequest) {
    this.caller = request.signal;
    if (this.caller?.aborted) this.controller.abort(this.caller.reason);
    else this.caller?.addEventListener('abort', this.onCallerAbort, { once: true });
    if (request.timeout) {
      this.timer = setLongTimeout(() => {
        this.timedOut = true;
        this.controller.abort();
      }, request.timeout);
    }
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  throwIfAborted(): void {
    if (this.controller.signal.aborted) throw this.abortError();
  }

  /** Waits before a retry; rejects with the cancellation or timeout if either comes first. */
  async sleep(ms: number): Promise<void> {
    if (!(await sleep(ms, this.signal))) throw this.abortError();
  }

  /** The typed error for a request-level failure: cancelled, timed out, or a connection error. */
  translate(error: unknown, reusedSocket = false): KubeApiError {
    if (error instanceof KubeApiError) return error;
    if (this.signal.aborted) return this.abortError(error);
    const request = this.request;
    const code = (error as { code?: string }).code;
    return new ConnectionError({
      verb: request.verb,
      target: request.target,
      code: 0,
      cause: error,
      detail: `cannot reach the apiserver: ${code ? `${code} ` : ''}${(error as Error).message}`,
      staleConnection: reusedSocket && code === 'ECONNRESET',
    });
  }

  dispose(): void {
    this.timer?.clear();
    this.caller?.removeEventListener('abort', this.onCallerAbort);
  }

  private abortError(cause?: unknown): KubeApiError {
    return abortedCallError({ verb: this.request.verb, target: this.request.target, code: 0, cause }, this.caller?.reason, this.timedOut);
  }
}
