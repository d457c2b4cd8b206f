import type { IncomingMessage, ServerResponse } from 'node:http';
import { constants, createGzip } from 'node:zlib';
import { ArtifactReader, SuspendedError } from '@weft/delivery';
import { isForbiddenError, isKubeApiError, isNotFoundError } from '@weft/reconcile-core';
import { ActionRequestError, runAction } from './actions.js';
import { type Asset, loadAssets } from './assets.js';
import { DiffSubjectNotFoundError, diffWithGit } from './git-diff.js';
import type { PipelineView } from './pipeline-view.js';
import { type WebViewAccess, checkRequest, securityHeaders, sendJson } from './security.js';
import type { ViewDelta } from './view-model.js';

/** Options of {@link webViewHandler}. */
export interface WebViewHandlerOptions extends WebViewAccess {
  /** The path the handler is mounted at, when not `/` (`/weft/`): it is stripped from request URLs. */
  readonly basePath?: string;
  /** The bundled page; default `dist/ui` of this package. */
  readonly assetsDirectory?: string;
  /** Reads GitRepository artifacts for diffs; default one that downloads `status.artifact.url`. */
  readonly artifacts?: ArtifactReader;
}

/** A Node request handler serving the web view, to mount in a server of your own. */
export interface WebViewHandler {
  (request: IncomingMessage, response: ServerResponse): void;
  /** Ends every live stream (open tabs reconnect to whatever serves next). */
  close(): void;
}

/** A live stream that falls this far behind (a stalled tab) is closed; the tab reconnects and gets a fresh snapshot. */
const maxBufferedBytes = 8 * 1024 * 1024;
const heartbeatMs = 20_000;
const maxBodyBytes = 4096;

/**
 * The web view as a request handler: the page (`/`, `/assets/…`) and its API (`/api/stream`
 * live updates as server-sent events, `/api/state`, `/api/diff`, `/api/actions`).
 *
 * @remarks
 * Guarantees: every response carries {@link securityHeaders} (a strict Content-Security-Policy
 * among them); `/api/…` needs the bearer token or the auth proxy's header when configured, and
 * a loopback Host otherwise; `POST /api/actions` is refused with 403 unless `writeActions`; the
 * page's files are served from memory, gzipped when the browser accepts it. Mount it behind your
 * own authentication only with `authProxy` or `token` set. Use {@link serveWebView} for a
 * server of its own, which also refuses to listen beyond loopback without authentication.
 * @throws `WebViewAssetsError` when the package's page was not built.
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { PipelineView, webViewHandler } from '@weft/web-view';
 *
 * const view = new PipelineView({ kubeConfig, managers: [manager] });
 * view.start();
 * const server = createServer(webViewHandler(view, { token: process.env['WEFT_UI_TOKEN'] })).listen(0, '127.0.0.1'); // 0: a free port
 * ```
 */
export function webViewHandler(view: PipelineView, options: WebViewHandlerOptions = {}): WebViewHandler {
  const assets = loadAssets(options.assetsDirectory);
  const artifacts = options.artifacts ?? new ArtifactReader();
  const base = (options.basePath ?? '/').replace(/\/?$/, '/');
  const streams = new Set<ServerResponse>();
  const writeActions = options.writeActions === true;

  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    const url = new URL(request.url ?? '/', 'http://view');
    if (!url.pathname.startsWith(base) && `${url.pathname}/` !== base) return sendJson(response, 404, { error: 'not found' });
    const path = `/${url.pathname.slice(base.length)}`;
    const api = path.startsWith('/api/');
    const refusal = checkRequest(request, options, { api });
    if (refusal) return sendJson(response, refusal.status, { error: refusal.message });
    if (!api) return serveAsset(request, response, assets.get(path === '/index.html' ? '/' : path));
    if (path === '/api/stream' && request.method === 'GET') return openStream(request, response);
    if (path === '/api/state' && request.method === 'GET') return sendJson(response, 200, { ...view.snapshot(), writeActions });
    if (path === '/api/diff' && request.method === 'GET') return void answerDiff(url, request, response);
    if (path === '/api/actions' && request.method === 'POST') return void answerAction(request, response);
    return sendJson(response, path === '/api/actions' || path === '/api/diff' || path === '/api/state' || path === '/api/stream' ? 405 : 404, { error: `${request.method} ${path} is not served` });
  };

  const openStream = (request: IncomingMessage, response: ServerResponse): void => {
    const gzip = /\bgzip\b/.test(request.headers['accept-encoding'] ?? '');
    response.writeHead(200, {
      ...securityHeaders,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
      ...(gzip ? { 'content-encoding': 'gzip', vary: 'accept-encoding' } : {}),
    });
    const compressor = gzip ? createGzip({ level: 6 }) : undefined;
    compressor?.pipe(response);
    const out = compressor ?? response;
    const send = (text: string): void => {
      if (response.writableLength > maxBufferedBytes) {
        response.destroy();
        return;
      }
      out.write(text);
      compressor?.flush(constants.Z_SYNC_FLUSH);
    };
    streams.add(response);
    send(`event: snapshot\ndata: ${JSON.stringify({ ...view.snapshot(), writeActions })}\n\n`);
    const unsubscribe = view.subscribe((delta: ViewDelta) => send(`event: delta\ndata: ${JSON.stringify(delta)}\n\n`));
    const heartbeat = setInterval(() => send(': still here\n\n'), heartbeatMs);
    heartbeat.unref();
    const end = () => {
      clearInterval(heartbeat);
      unsubscribe();
      streams.delete(response);
      compressor?.end();
    };
    response.on('close', end);
  };

  const answerDiff = async (url: URL, request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const [namespace, name] = (url.searchParams.get('kustomization') ?? '').split('/');
    const object = url.searchParams.get('object') ?? '';
    if (!namespace || !name || !object) return sendJson(response, 400, { error: 'diff takes ?kustomization=<namespace>/<name>&object=<inventory id>' });
    const abort = new AbortController();
    request.on('close', () => abort.abort());
    try {
      sendJson(response, 200, await diffWithGit(view, { namespace, name }, object, { artifacts, signal: AbortSignal.any([abort.signal, AbortSignal.timeout(30_000)]) }));
    } catch (error) {
      sendJson(response, error instanceof DiffSubjectNotFoundError ? 404 : 500, { error: (error as Error).message });
    }
  };

  const answerAction = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    if (!writeActions) {
      request.resume();
      return sendJson(response, 403, { error: 'write actions are disabled: the operator serves this view read-only (enable with --ui-write-actions)' });
    }
    let body: unknown;
    try {
      body = JSON.parse(await readBody(request));
    } catch (error) {
      return sendJson(response, 400, { error: `the request body is not JSON: ${(error as Error).message}` });
    }
    try {
      sendJson(response, 200, await runAction(view.client, body, AbortSignal.timeout(30_000)));
    } catch (error) {
      const status = error instanceof ActionRequestError ? 400 : error instanceof SuspendedError ? 409 : isNotFoundError(error) ? 404 : isForbiddenError(error) ? 403 : isKubeApiError(error) ? 502 : 500;
      sendJson(response, status, { error: (error as Error).message });
    }
  };

  const handler = handle as WebViewHandler;
  handler.close = () => {
    for (const stream of streams) stream.destroy();
    streams.clear();
  };
  return handler;
}

function serveAsset(request: IncomingMessage, response: ServerResponse, asset: Asset | undefined): void {
  if (!asset) return sendJson(response, 404, { error: 'not found' });
  if (request.method !== 'GET' && request.method !== 'HEAD') return sendJson(response, 405, { error: 'the page is read with GET' });
  const headers = { ...securityHeaders, 'content-type': asset.type, etag: asset.etag, 'cache-control': 'no-cache', vary: 'accept-encoding' };
  if (request.headers['if-none-match'] === asset.etag) {
    response.writeHead(304, headers);
    response.end();
    return;
  }
  const gzip = /\bgzip\b/.test(request.headers['accept-encoding'] ?? '');
  const body = gzip ? asset.gzip : asset.body;
  response.writeHead(200, { ...headers, ...(gzip ? { 'content-encoding': 'gzip' } : {}), 'content-length': body.length });
  response.end(request.method === 'HEAD' ? undefined : body);
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) {
        reject(new Error(`larger than ${maxBodyBytes} bytes`));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}
