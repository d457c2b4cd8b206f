import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/**
 * Options of {@link serveHealth}.
 *
 * @remarks Checks are called per request; keep them cheap.
 *
 * @example
 * ```ts
 * import { serveHealth } from '@weft/reconcile-core';
 * serveHealth({ port: 8081, ready: () => manager.ready });
 * ```
 */
export interface HealthServerOptions {
  /** Port to listen on; 0 picks a free one. */
  readonly port: number;
  /** Address to bind. @defaultValue '0.0.0.0' */
  readonly host?: string;
  /** Served as Prometheus text on `/metrics`. */
  readonly registry?: Registry;
  /** `/healthz` answers 200 while this returns true (the process is alive and not stuck); false or a reason fails it. @defaultValue always */
  readonly healthy?: HealthCheck;
  /** `/readyz` answers 200 while this returns true (caches synced); false or a reason (shown in the answer) fails it. @defaultValue always */
  readonly ready?: HealthCheck;
  readonly signal?: AbortSignal;
}

/**
 * A probe of {@link serveHealth}: `true` when passing; `false`, or a string saying why, when failing.
 *
 * @example
 * ```ts
 * import { type HealthCheck } from '@weft/reconcile-core';
 * const ready: HealthCheck = () => manager.notReady ?? true;
 * ```
 */
export type HealthCheck = () => boolean | string;

/**
 * A running health server.
 *
 * @remarks Returned by {@link serveHealth}.
 *
 * @example
 * ```ts
 * import { serveHealth } from '@weft/reconcile-core';
 * const server = await serveHealth({ port: 0 });
 * console.log(server.port);
 * await server.close();
 * ```
 */
export interface HealthServer {
  /** The port it listens on (useful with `port: 0`). */
  readonly port: number;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/**
 * Serves `/metrics`, `/healthz` and `/readyz` over HTTP, as controller-runtime's metrics and
 * health probe endpoints.
 *
 * @remarks
 * `/healthz` and `/readyz` answer `200 ok` or `500` with the failing check's name (and the
 * reason it gave), as controller-runtime's probes do. Aborting `signal` closes the server.
 *
 * @throws The listen error (port in use) as a rejection.
 *
 * @example
 * ```ts
 * import { serveHealth } from '@weft/reconcile-core';
 * const server = await serveHealth({ port: 8080, registry: metrics.registry, ready: () => store.isReady });
 * ```
 */
export async function serveHealth(options: HealthServerOptions): Promise<HealthServer> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const probe = (name: string, check: HealthCheck | undefined) => {
      let result: boolean | string;
      try {
        result = check ? check() : true;
      } catch (error) {
        result = error instanceof Error ? error.message : String(error);
      }
      response.writeHead(result === true ? 200 : 500, { 'Content-Type': 'text/plain; charset=utf-8' });
      response.end(result === true ? 'ok' : `[-]${name} failed${typeof result === 'string' ? `: ${result}` : ''}\n`);
    };
    if (path === '/healthz' || path === '/livez') return probe('ping', options.healthy);
    if (path === '/readyz') return probe('informer-sync', options.ready);
    if (path === '/metrics' && options.registry) {
      const registry = options.registry;
      registry.metrics().then(
        (text) => {
          response.writeHead(200, { 'Content-Type': registry.contentType });
          response.end(text);
        },
        (error: unknown) => {
          response.writeHead(500);
          response.end(String(error));
        },
      );
      return;
    }
    response.writeHead(404);
    response.end('not found');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  options.signal?.addEventListener('abort', () => void close(), { once: true });
  return { port: (server.address() as AddressInfo).port, close };
}
