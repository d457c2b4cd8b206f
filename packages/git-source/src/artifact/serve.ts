import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { type Server, createServer } from 'node:http';
import { type AddressInfo } from 'node:net';
import { type ArtifactStorage, type StoredArtifact } from './storage.js';

/** A running artifact HTTP server. */
export interface ArtifactServer {
  origin: string;
  /** The URL other processes download an artifact from (Flux's `status.artifact.url`). */
  url(artifact: Pick<StoredArtifact, 'path'>): string;
  stop(): Promise<void>;
}

/**
 * Serves stored artifacts over HTTP (`GET /artifacts/<sha256>.tar.gz`), as
 * source-controller does for kustomize-controller and others in other processes.
 *
 * @remarks
 * Only content-addressed artifact names are served (no path traversal); responses carry
 * the size and a `sha256` `Digest`-style ETag and are immutable, so clients may cache them.
 *
 * @example
 * ```ts
 * import { serveArtifacts } from '@weft/git-source';
 * const server = await serveArtifacts(storage);
 * console.log(server.url(artifact));
 * ```
 */
export async function serveArtifacts(storage: ArtifactStorage, options: { port?: number; host?: string } = {}): Promise<ArtifactServer> {
  const server: Server = createServer((req, res) => {
    void (async () => {
      const match = /^\/artifacts\/([0-9a-f]{64})\.tar\.gz$/.exec((req.url ?? '').split('?')[0] ?? '');
      if (match === null || (req.method !== 'GET' && req.method !== 'HEAD')) {
        res.writeHead(404).end();
        return;
      }
      const path = `artifacts/${match[1]}.tar.gz`;
      const info = await stat(storage.locate({ path })).catch(() => undefined);
      if (info === undefined) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, {
        'Content-Type': 'application/gzip',
        'Content-Length': String(info.size),
        ETag: `"sha256:${match[1]}"`,
        'Cache-Control': 'public, max-age=31536000, immutable',
      });
      if (req.method === 'HEAD') {
        res.end();
        return;
      }
      createReadStream(storage.locate({ path })).pipe(res);
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  const origin = `http://${address.address}:${address.port}`;
  return {
    origin,
    url: (artifact) => `${origin}/${artifact.path}`,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
