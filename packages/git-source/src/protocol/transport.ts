import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import nodeHttp from 'isomorphic-git/http/node';
import type { HttpClient } from 'isomorphic-git';
import { InvalidGitUrlError, UnsupportedGitFeatureError } from '../errors.js';

/** Credentials for a git server, as Flux reads them from a Secret. */
export interface GitAuth {
  /** Basic auth user name (with `password`). */
  username?: string;
  /** Basic auth password or token. */
  password?: string;
  /** Sent as `Authorization: Bearer <token>`; takes precedence over basic auth. */
  bearerToken?: string;
  /** PEM certificate authority to trust for HTTPS. */
  caFile?: string;
}

/**
 * Reads git credentials from a Secret's `data` (base64) or `stringData`, with Flux's keys:
 * `username`/`password`, `bearerToken`, and `ca.crt` (preferred) or `caFile`.
 *
 * @remarks
 * Unknown keys are ignored. SSH keys (`identity`, `known_hosts`) are not read: SSH is unsupported.
 *
 * @example
 * ```ts
 * import { authFromSecretData } from '@weft/git-source';
 * const auth = authFromSecretData(secret.data ?? {});
 * ```
 */
export function authFromSecretData(data: Record<string, string>, options: { encoded?: boolean } = {}): GitAuth {
  const read = (key: string) => {
    const value = data[key];
    if (value === undefined) return undefined;
    return options.encoded === false ? value : Buffer.from(value, 'base64').toString('utf8');
  };
  const auth: GitAuth = {};
  const username = read('username');
  const password = read('password');
  const bearerToken = read('bearerToken');
  const ca = read('ca.crt') ?? read('caFile');
  if (username !== undefined) auth.username = username;
  if (password !== undefined) auth.password = password;
  if (bearerToken !== undefined) auth.bearerToken = bearerToken;
  if (ca !== undefined) auth.caFile = ca;
  return auth;
}

/** The Authorization header for `auth`, sent up front so no request is spent on a 401 challenge. */
export function authHeaders(auth: GitAuth | undefined): Record<string, string> {
  if (auth?.bearerToken !== undefined) return { Authorization: `Bearer ${auth.bearerToken}` };
  if (auth?.username !== undefined || auth?.password !== undefined) {
    return { Authorization: `Basic ${Buffer.from(`${auth.username ?? ''}:${auth.password ?? ''}`).toString('base64')}` };
  }
  return {};
}

/**
 * Refuses, before any network traffic, what isomorphic-git cannot speak (SSH, `git://`, scp-like
 * `[user@]host:path`) and URLs whose credentials a parser would misread.
 *
 * @throws {@link UnsupportedGitFeatureError} for SSH and `git://` forms.
 * @throws {@link InvalidGitUrlError} for an HTTP(S) URL that does not parse, or that has an `@`
 *   after its host: an unencoded `/`, `?`, `#` or `@` in the credentials, which git and Go would
 *   send to the wrong host. Percent-encode them (`%2F`, `%3F`, `%23`, `%40`).
 */
export function checkTransport(url: string): void {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'ssh' || scheme === 'git' || (scheme === undefined && /^[^/\\]*:/.test(url) && !/^[A-Za-z]:[/\\]/.test(url))) {
    throw new UnsupportedGitFeatureError(url, 'ssh');
  }
  if (scheme !== 'http' && scheme !== 'https') return;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidGitUrlError(url, 'it does not parse as a URL (a password with an unencoded "/", "?" or "#" must be percent-encoded)');
  }
  if (`${parsed.pathname}${parsed.search}${parsed.hash}`.includes('@')) {
    throw new InvalidGitUrlError(url, 'it has an "@" after the host; percent-encode "/", "?", "#" and "@" in credentials (%2F, %3F, %23, %40)');
  }
}

/**
 * The URL to send requests to and the credentials to send: user info written into the URL moves
 * into basic auth (used when `auth` has no credentials of its own; the Secret's win), so no lower
 * layer ever holds a URL with a password in it.
 *
 * @example
 * ```ts
 * import { remoteEndpoint } from '@weft/git-source';
 * remoteEndpoint('https://bot:t0ken@example.com/app.git', undefined);
 * // { url: 'https://example.com/app.git', auth: { username: 'bot', password: 't0ken' } }
 * ```
 */
export function remoteEndpoint(url: string, auth: GitAuth | undefined): { url: string; auth: GitAuth | undefined } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { url, auth };
  }
  if (parsed.username === '' && parsed.password === '') return { url, auth };
  const username = percentDecoded(parsed.username);
  const password = percentDecoded(parsed.password);
  parsed.username = '';
  parsed.password = '';
  const hasOwn = auth?.bearerToken !== undefined || auth?.username !== undefined || auth?.password !== undefined;
  return { url: parsed.toString(), auth: hasOwn ? auth : { ...auth, username, password } };
}

function percentDecoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * An isomorphic-git HTTP client bound to a connection pool (keep-alive, the CA of
 * `auth`) and an abort signal, so every request of one operation can be cancelled.
 */
export function httpClient(
  url: string,
  auth: GitAuth | undefined,
  signal: AbortSignal | undefined,
): { http: HttpClient; close(): void } {
  const agent = url.startsWith('https:')
    ? new HttpsAgent({ keepAlive: true, ...(auth?.caFile ? { ca: auth.caFile } : {}) })
    : new HttpAgent({ keepAlive: true });
  return {
    http: { request: (request) => nodeHttp.request({ ...request, agent, ...(signal ? { signal } : {}) }) },
    close: () => agent.destroy(),
  };
}
