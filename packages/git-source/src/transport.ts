import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import nodeHttp from 'isomorphic-git/http/node';
import type { HttpClient } from 'isomorphic-git';
import { UnsupportedGitFeatureError } from './errors.js';

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

/** Refuses what isomorphic-git cannot speak, before any network traffic. */
export function checkTransport(url: string): void {
  if (/^ssh:\/\//i.test(url) || /^[\w.-]+@[\w.-]+:/.test(url) || /^git:\/\//i.test(url)) {
    throw new UnsupportedGitFeatureError(url, 'ssh');
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
