import { createHash } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { parseDuration, sleep, timeoutSignal } from '@weft/reconcile-core';
import { Agent, request, type Dispatcher } from 'undici';
import { RegistryAuthError, RegistryNotFoundError, RegistryRequestError, RegistryTimeoutError } from '../errors.js';
import { type ImageReference, parseImageReference } from '../image-reference.js';
import type { RegistryCredentials } from './docker-config.js';
import { type AuthChallenge, parseWwwAuthenticate } from './www-authenticate.js';

/** TLS material for a registry, as in a `certSecretRef` Secret (`ca.crt`, `tls.crt`, `tls.key`). */
export interface RegistryTls {
  /** PEM CA bundle to trust instead of the system's. */
  readonly ca?: string;
  /** PEM client certificate and key, for registries that authenticate with one. */
  readonly cert?: string;
  readonly key?: string;
}

/** Options of a {@link RegistryClient}. */
export interface RegistryClientOptions {
  /** Basic credentials, sent to the token realm (Bearer) or to the registry (Basic). */
  readonly credentials?: RegistryCredentials;
  readonly tls?: RegistryTls;
  /** Plain HTTP (Flux's `spec.insecure`). */
  readonly insecure?: boolean;
  /** Per operation (all pages of a list), Go duration or ms; default 60s. */
  readonly timeout?: string | number;
  /** Retries after HTTP 429, 502, 503, 504; default 3. `Retry-After` is honoured (capped by the timeout). */
  readonly retries?: number;
  /** Tags per page of `tags/list` (`?n=`); default the registry's choice. */
  readonly pageSize?: number;
  readonly userAgent?: string;
}

/** What {@link RegistryClient.headManifest} finds. */
export interface ManifestDescriptor {
  /** `sha256:…`, from `Docker-Content-Digest` (or computed from the body where a registry omits it). */
  readonly digest: string;
  /** An OCI or Docker image manifest or index media type. */
  readonly mediaType: string;
  readonly size: number;
}

/** The manifest media types asked for: indexes first, then image manifests (OCI and Docker). */
export const MANIFEST_MEDIA_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
] as const;

const DEFAULT_TIMEOUT_MS = 60_000;
const RETRY_STATUSES = new Set([429, 502, 503, 504]);
const MAX_PAGES = 100_000;

interface CachedAuth {
  readonly header: string;
  readonly expiresAt: number;
}

interface Call {
  readonly reference: ImageReference;
  readonly signal: AbortSignal;
  readonly deadline: number;
}

/**
 * A client of the OCI distribution API (`/v2/`) for what image automation needs: list the
 * tags of a repository and find the digest of a tag — on undici, with the registry auth flows
 * Docker Hub, GHCR, Quay and distribution use.
 *
 * @remarks
 * - `tags/list` follows `Link: <…>; rel="next"` pages until the last.
 * - `headManifest` sends `HEAD /v2/<name>/manifests/<ref>` accepting OCI and Docker indexes and
 *   image manifests, and reads `Docker-Content-Digest`.
 * - Auth: a `401` with `WWW-Authenticate: Bearer realm,service,scope` fetches a token from the
 *   realm (with the credentials as Basic auth when there are some, anonymously otherwise) and
 *   retries; tokens are kept per scope until they expire. `Basic` challenges get the credentials.
 * - `Retry-After` on 429/5xx is honoured, within the operation's timeout; other errors are not retried.
 * - Loopback and private-network registries are tried over HTTPS, then plain HTTP (as
 *   go-containerregistry does); `insecure` means plain HTTP.
 * - Credentials never appear in errors: messages name the repository and the HTTP status.
 *
 * Every call takes an `AbortSignal`: aborting it rejects with the signal's reason, while running
 * past `timeout` rejects with {@link RegistryTimeoutError}. Call {@link RegistryClient.close}
 * when done (it closes the connection pool).
 *
 * @example
 * ```ts
 * import { RegistryClient } from '@weft/image-automation';
 * const client = new RegistryClient({ credentials: { username: 'u', password: 'p' } });
 * const tags = await client.listTags(image);
 * const { digest } = await client.headManifest(image, tags[0]!);
 * await client.close();
 * ```
 */
export class RegistryClient {
  private readonly options: RegistryClientOptions;
  private readonly dispatcher: Dispatcher;
  private readonly auth = new Map<string, CachedAuth>();
  /** Registries with an HTTP fallback that answered only over plain HTTP. */
  private readonly plainHttp = new Set<string>();
  private readonly timeoutMs: number;

  constructor(options: RegistryClientOptions = {}) {
    this.options = options;
    this.timeoutMs = options.timeout === undefined ? DEFAULT_TIMEOUT_MS : parseDuration(options.timeout);
    const tls = options.tls;
    this.dispatcher = new Agent({
      connect: {
        ...(tls?.ca ? { ca: tls.ca } : {}),
        ...(tls?.cert ? { cert: tls.cert } : {}),
        ...(tls?.key ? { key: tls.key } : {}),
      },
      keepAliveTimeout: 30_000,
    });
  }

  /**
   * Every tag of the repository, in the registry's order, all pages.
   *
   * @throws {@link RegistryAuthError} / {@link RegistryNotFoundError} / {@link RegistryRequestError} / {@link RegistryTimeoutError}
   */
  async listTags(image: string | ImageReference, options: { signal?: AbortSignal } = {}): Promise<string[]> {
    return this.run(image, options.signal, async (call) => {
      const { reference } = call;
      const tags: string[] = [];
      let path: string | undefined = `/v2/${reference.repository}/tags/list${this.options.pageSize ? `?n=${this.options.pageSize}` : ''}`;
      const seen = new Set<string>();
      while (path !== undefined) {
        if (seen.has(path) || seen.size >= MAX_PAGES) throw new RegistryRequestError(reference.canonicalName, `tags/list pagination loops at ${path}`);
        seen.add(path);
        const response = await this.send(call, 'GET', path, { accept: 'application/json' });
        const body = (await readJson(response, reference.canonicalName)) as { tags?: unknown };
        if (body.tags !== null && body.tags !== undefined) {
          if (!Array.isArray(body.tags)) throw new RegistryRequestError(reference.canonicalName, 'tags/list answered without a tags array');
          for (const tag of body.tags) if (typeof tag === 'string') tags.push(tag);
        }
        path = nextPage(response.headers['link']);
      }
      return tags;
    });
  }

  /**
   * The descriptor of `reference` (a tag or a digest): digest, media type and size.
   *
   * @throws {@link RegistryNotFoundError} when the tag does not exist, and the errors of {@link RegistryClient.listTags}.
   */
  async headManifest(image: string | ImageReference, reference: string, options: { signal?: AbortSignal } = {}): Promise<ManifestDescriptor> {
    return this.run(image, options.signal, async (call) => {
      const path = `/v2/${call.reference.repository}/manifests/${reference}`;
      const accept = MANIFEST_MEDIA_TYPES.join(', ');
      const head = await this.send(call, 'HEAD', path, { accept });
      await head.body.dump();
      const digest = header(head.headers, 'docker-content-digest');
      const mediaType = header(head.headers, 'content-type') ?? '';
      const size = Number(header(head.headers, 'content-length') ?? 0);
      if (digest) return { digest, mediaType, size };
      // Some registries leave the digest out of HEAD answers: read the manifest and hash it.
      const get = await this.send(call, 'GET', path, { accept });
      const body = Buffer.from(await get.body.arrayBuffer());
      return {
        digest: header(get.headers, 'docker-content-digest') ?? `sha256:${createHash('sha256').update(body).digest('hex')}`,
        mediaType: header(get.headers, 'content-type') ?? mediaType,
        size: body.length,
      };
    });
  }

  /** Closes the connection pool. */
  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  private async run<T>(image: string | ImageReference, signal: AbortSignal | undefined, work: (call: Call) => Promise<T>): Promise<T> {
    const reference = typeof image === 'string' ? parseImageReference(image, { insecure: this.options.insecure ?? false }) : image;
    signal?.throwIfAborted();
    // Not AbortSignal.timeout(): past 2^31−1 ms (about 25 days) it aborts after 1 ms.
    const timeout = timeoutSignal(this.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout.signal]) : timeout.signal;
    setMaxListeners(0, combined);
    try {
      return await work({ reference, signal: combined, deadline: Date.now() + this.timeoutMs });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (timeout.signal.aborted) throw new RegistryTimeoutError(reference.canonicalName, this.timeoutMs);
      throw error;
    } finally {
      timeout.clear();
    }
  }

  /** One request with auth challenges answered and 429/5xx retried; returns a 2xx response. */
  private async send(call: Call, method: 'GET' | 'HEAD', path: string, headers: Record<string, string>): Promise<Dispatcher.ResponseData> {
    const { reference } = call;
    const name = reference.canonicalName;
    const retries = this.options.retries ?? 3;
    let challenged = false;
    for (let attempt = 0; ; attempt++) {
      const cached = this.auth.get(this.authKey(reference));
      const response = await this.request(call, method, path, { ...headers, ...(cached && cached.expiresAt > Date.now() ? { authorization: cached.header } : {}) });
      const status = response.statusCode;
      if (status >= 200 && status < 300) return response;
      if (status === 401 && !challenged) {
        challenged = true;
        const challenges = parseWwwAuthenticate(header(response.headers, 'www-authenticate') ?? '');
        await response.body.dump();
        await this.answerChallenge(call, challenges);
        attempt--;
        continue;
      }
      const detail = await errorDetail(response);
      if (status === 401 || status === 403) throw new RegistryAuthError(name, status, detail);
      if (status === 404) throw new RegistryNotFoundError(name, `${method} ${path}: not found (HTTP 404)${detail ? `: ${detail}` : ''}`, { status });
      if (RETRY_STATUSES.has(status) && attempt < retries) {
        const wait = retryAfterMs(header(response.headers, 'retry-after')) ?? 200 * 2 ** attempt;
        if (Date.now() + wait < call.deadline) {
          if (!(await sleep(wait, call.signal))) throw call.signal.reason;
          continue;
        }
      }
      throw new RegistryRequestError(name, `${method} ${path}: HTTP ${status}${detail ? `: ${detail}` : ''}`, { status });
    }
  }

  private authKey(reference: ImageReference): string {
    return `${reference.registry}/${reference.repository}`;
  }

  private async answerChallenge(call: Call, challenges: AuthChallenge[]): Promise<void> {
    const { reference } = call;
    const credentials = this.options.credentials;
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    if (bearer) {
      const realm = bearer.params['realm'];
      if (!realm) throw new RegistryAuthError(reference.canonicalName, 401, 'Bearer challenge without a realm');
      const url = new URL(realm);
      if (bearer.params['service']) url.searchParams.set('service', bearer.params['service']);
      url.searchParams.set('scope', bearer.params['scope'] ?? `repository:${reference.repository}:pull`);
      const response = await this.rawRequest(call, 'GET', url.toString(), credentials ? { authorization: basic(credentials) } : {});
      if (response.statusCode === 401 || response.statusCode === 403) {
        await response.body.dump();
        throw new RegistryAuthError(reference.canonicalName, response.statusCode, 'the token service refused the credentials');
      }
      if (response.statusCode >= 300) {
        await response.body.dump();
        throw new RegistryRequestError(reference.canonicalName, `token service answered HTTP ${response.statusCode}`, { status: response.statusCode });
      }
      const body = (await readJson(response, reference.canonicalName)) as { token?: string; access_token?: string; expires_in?: number };
      const token = body.token ?? body.access_token;
      if (!token) throw new RegistryRequestError(reference.canonicalName, 'token service answered without a token');
      // Tokens live 60 s unless told otherwise; refresh a little early.
      const lifetime = Math.max(10, (body.expires_in ?? 60) - 5) * 1000;
      this.auth.set(this.authKey(reference), { header: `Bearer ${token}`, expiresAt: Date.now() + lifetime });
      return;
    }
    if (challenges.some((c) => c.scheme === 'basic') && credentials) {
      this.auth.set(this.authKey(reference), { header: basic(credentials), expiresAt: Number.POSITIVE_INFINITY });
      return;
    }
    throw new RegistryAuthError(reference.canonicalName, 401, credentials ? 'the registry asked for an unsupported auth scheme' : 'the registry needs credentials (spec.secretRef)');
  }

  private async request(call: Call, method: 'GET' | 'HEAD', path: string, headers: Record<string, string>): Promise<Dispatcher.ResponseData> {
    const { reference } = call;
    if (reference.scheme === 'http' || this.plainHttp.has(reference.registry)) return this.rawRequest(call, method, `http://${reference.registry}${path}`, headers);
    try {
      return await this.rawRequest(call, method, `https://${reference.registry}${path}`, headers);
    } catch (error) {
      // A registry that speaks TLS with a certificate we do not trust is a TLS problem to report,
      // not a plain-HTTP registry: only fall back when TLS itself did not happen.
      if (!reference.httpFallback || call.signal.aborted || isCertificateError(error)) throw error;
      const response = await this.rawRequest(call, method, `http://${reference.registry}${path}`, headers);
      this.plainHttp.add(reference.registry);
      return response;
    }
  }

  private async rawRequest(call: Call, method: 'GET' | 'HEAD', url: string, headers: Record<string, string>): Promise<Dispatcher.ResponseData> {
    try {
      return await request(url, {
        method,
        headers: { 'user-agent': this.options.userAgent ?? 'weft-image-automation', ...headers },
        dispatcher: this.dispatcher,
        signal: call.signal,
      });
    } catch (error) {
      if (call.signal.aborted) throw error;
      const code = (error as { code?: string }).code;
      const reason = error instanceof Error ? error.message : String(error);
      throw new RegistryRequestError(call.reference.canonicalName, `${method} ${new URL(url).origin}${new URL(url).pathname}: ${code ? `${code}: ` : ''}${reason}`, { cause: error });
    }
  }
}

const CERTIFICATE_ERRORS = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ALTNAME/;

function isCertificateError(error: unknown): boolean {
  const cause = (error as { cause?: { code?: unknown } }).cause;
  return typeof cause?.code === 'string' && CERTIFICATE_ERRORS.test(cause.code);
}

function basic(credentials: RegistryCredentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
}

function header(headers: Dispatcher.ResponseData['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The `rel="next"` target of a `Link` header, as a path relative to the registry. */
function nextPage(link: string | string[] | undefined): string | undefined {
  const value = Array.isArray(link) ? link.join(', ') : link;
  if (!value) return undefined;
  for (const part of value.split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (match && /;\s*rel="?next"?/i.test(match[2]!)) {
      const target = new URL(match[1]!, 'http://registry.invalid');
      return `${target.pathname}${target.search}`;
    }
  }
  return undefined;
}

async function readJson(response: Dispatcher.ResponseData, name: string): Promise<unknown> {
  const text = await response.body.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new RegistryRequestError(name, `expected JSON, got ${JSON.stringify(text.slice(0, 80))}`);
  }
}

/** The distribution API's error codes and messages, without anything else from the body. */
async function errorDetail(response: Dispatcher.ResponseData): Promise<string> {
  const text = await response.body.text().catch(() => '');
  try {
    const errors = (JSON.parse(text) as { errors?: { code?: unknown; message?: unknown }[] }).errors ?? [];
    return errors
      .map((e) => [e.code, e.message].filter((part) => typeof part === 'string').join(': '))
      .filter(Boolean)
      .join('; ')
      .slice(0, 300);
  } catch {
    return '';
  }
}

/** `Retry-After` in seconds or as an HTTP date. */
export function retryAfterMs(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
