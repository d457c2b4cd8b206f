import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { WeftError } from '@weft/reconcile-core';

/**
 * The page's Content-Security-Policy, on every response: scripts, styles and connections only
 * from the operator itself, no inline script or style element, no frames, no forms, no plugins.
 * The page makes no request anywhere else (its assets are bundled and served by the operator).
 */
export const contentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers every response carries, whatever its status. */
export const securityHeaders: Readonly<Record<string, string>> = {
  'content-security-policy': contentSecurityPolicy,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'x-frame-options': 'DENY',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
};

/** How requests to the view are authenticated. */
export interface WebViewAccess {
  /**
   * Requests to `/api/…` must carry `Authorization: Bearer <token>`. The page reads the token
   * from its URL's fragment (`#token=…`, never sent to a server) and sends it with each request.
   */
  readonly token?: string;
  /**
   * The view sits behind the user's own authenticating proxy (oauth2-proxy, an ingress with
   * auth): requests to `/api/…` must carry the header the proxy sets for its authenticated user
   * (default `x-forwarded-user`), and the proxy must strip it from what clients send.
   */
  readonly authProxy?: { readonly userHeader?: string };
  /** Allow actions that write (reconcile now, suspend/resume, promote/abort a canary). @defaultValue false */
  readonly writeActions?: boolean;
}

/**
 * A web view set to listen where anyone could reach it without a token or an auth proxy.
 *
 * @remarks Not retryable: pass `token` or `authProxy`, or bind to loopback.
 * @example
 * ```ts
 * import { serveWebView, WebViewExposureError } from '@weft/web-view';
 *
 * try { await serveWebView(view, { host: '0.0.0.0' }); } catch (error) { if (error instanceof WebViewExposureError) console.error(error.message); }
 * ```
 */
export class WebViewExposureError extends WeftError {
  override name = 'WebViewExposureError';
}

/** Whether `host` is a loopback address or name (`127.0.0.0/8`, `::1`, `localhost`). */
export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1' || bare === '0:0:0:0:0:0:0:1';
  return false;
}

/**
 * Refuses to listen beyond loopback without a token or an auth proxy.
 *
 * @throws {@link WebViewExposureError} naming the host.
 */
export function checkExposure(host: string, access: WebViewAccess): void {
  if (isLoopbackHost(host) || access.token || access.authProxy) return;
  throw new WebViewExposureError(`the web view would listen on ${host} without authentication: pass a token (--ui-token) or put it behind your auth proxy (authProxy), or listen on 127.0.0.1`);
}

/** Why a request is refused, as an HTTP status and a message; undefined when it may go on. */
export type Refusal = { readonly status: 401 | 403 | 421; readonly message: string } | undefined;

/**
 * The checks of one request: for `/api/…`, the bearer token (compared in constant time) or the
 * auth proxy's header; without either, the Host header must name loopback (a page of another
 * site cannot reach the view through DNS rebinding). Writes also need a same-origin `Origin`
 * (when the browser sends one) and a JSON body, which a cross-site form cannot send.
 */
export function checkRequest(request: IncomingMessage, access: WebViewAccess, options: { api: boolean }): Refusal {
  if (!options.api) {
    // The page's own files are the same public bytes for everyone; only the Host is checked.
    if (access.token || access.authProxy) return undefined;
    const host = hostName(request.headers.host ?? '');
    return isLoopbackHost(host) ? undefined : { status: 421, message: `host ${host || '(none)'} is not served: the view answers only on loopback without a token` };
  }
  if (access.token) {
    const given = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
    if (!given || !sameSecret(given, access.token)) return { status: 401, message: 'a bearer token is required (Authorization: Bearer <token>)' };
  } else if (access.authProxy) {
    const header = (access.authProxy.userHeader ?? 'x-forwarded-user').toLowerCase();
    if (!request.headers[header]) return { status: 401, message: `no ${header} header: requests must come through the auth proxy` };
  } else {
    const host = hostName(request.headers.host ?? '');
    if (!isLoopbackHost(host)) return { status: 421, message: `host ${host || '(none)'} is not served: the view answers only on loopback without a token` };
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    const origin = request.headers.origin;
    if (origin !== undefined && origin !== 'null' && hostOf(origin) !== (request.headers.host ?? '').toLowerCase()) return { status: 403, message: `cross-origin request from ${origin} refused` };
    if (origin === 'null') return { status: 403, message: 'cross-origin request refused' };
    if (!(request.headers['content-type'] ?? '').toLowerCase().startsWith('application/json')) return { status: 403, message: 'writes take a JSON body (content-type: application/json)' };
  }
  return undefined;
}

/** Writes a refusal (or any error) as JSON, with the security headers. */
export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { ...securityHeaders, 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

function hostName(hostHeader: string): string {
  const trimmed = hostHeader.trim().toLowerCase();
  if (trimmed.startsWith('[')) return trimmed.slice(0, trimmed.indexOf(']') + 1);
  return trimmed.split(':')[0] ?? '';
}

function hostOf(origin: string): string {
  try {
    return new URL(origin).host.toLowerCase();
  } catch {
    return '';
  }
}
