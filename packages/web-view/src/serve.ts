import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebViewHandlerOptions, webViewHandler } from './handler.js';
import type { PipelineView } from './pipeline-view.js';
import { checkExposure } from './security.js';

/** Options of {@link serveWebView}. */
export interface ServeWebViewOptions extends WebViewHandlerOptions {
  /** The port; 0 picks a free one. @defaultValue 0 */
  readonly port?: number;
  /** The address to listen on. Beyond loopback only with `token` or `authProxy`. @defaultValue '127.0.0.1' */
  readonly host?: string;
  readonly signal?: AbortSignal;
}

/** A running web view server. */
export interface WebViewServer {
  readonly port: number;
  /** The page's address (with `#token=…` when a token is set: the fragment never leaves the browser). */
  readonly url: string;
  /** Ends the live streams and stops listening. */
  close(): Promise<void>;
}

/**
 * Serves the web view on a port of its own.
 *
 * @remarks Listens on `127.0.0.1` unless told otherwise; anywhere else only with a `token` or
 * behind an `authProxy`. Read-only unless `writeActions`. See {@link webViewHandler} for what is
 * served. Closing does not close the view (it may serve elsewhere too).
 * @throws {@link WebViewExposureError} for a non-loopback host without authentication; the listen error (`EADDRINUSE`); `WebViewAssetsError`.
 * @example
 * ```ts
 * import { PipelineView, serveWebView } from '@weft/web-view';
 *
 * const view = new PipelineView({ kubeConfig, managers: [manager] });
 * view.start();
 * const server = await serveWebView(view); // 127.0.0.1, a free port; { port: 9090 } for a fixed one
 * console.log(`web view: ${server.url}`);
 * ```
 */
export async function serveWebView(view: PipelineView, options: ServeWebViewOptions = {}): Promise<WebViewServer> {
  const host = options.host ?? '127.0.0.1';
  checkExposure(host, options);
  const handler = webViewHandler(view, options);
  const server: Server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= new Promise<void>((resolve) => {
      handler.close();
      server.close(() => resolve());
      server.closeAllConnections();
    }));
  options.signal?.addEventListener('abort', () => void close(), { once: true });
  return {
    port,
    url: `http://${shownHost}:${port}${(options.basePath ?? '/').replace(/\/?$/, '/')}${options.token ? `#token=${encodeURIComponent(options.token)}` : ''}`,
    close,
  };
}
