/**
 * The tests' webhook target: every call is recorded; each path answers as the test says
 * (`open` 200, `closed` 403 with a message, `slow` after 30 s, `fail` 500).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type HookBehaviour = 'open' | 'closed' | 'slow' | 'fail';

export interface HookCall {
  readonly path: string;
  readonly body: { name: string; namespace: string; phase: string; checksum: string; metadata?: Record<string, string> };
  readonly at: number;
}

export interface WebhookServer {
  readonly url: string;
  readonly calls: HookCall[];
  set(path: string, behaviour: HookBehaviour): void;
  close(): Promise<void>;
}

export async function startWebhookServer(): Promise<WebhookServer> {
  const behaviours = new Map<string, HookBehaviour>();
  const calls: HookCall[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const path = request.url ?? '/';
      try {
        calls.push({ path, body: JSON.parse(body) as HookCall['body'], at: Date.now() });
      } catch {
        calls.push({ path, body: { name: '', namespace: '', phase: '', checksum: '' }, at: Date.now() });
      }
      const behaviour = behaviours.get(path) ?? 'open';
      if (behaviour === 'open') response.writeHead(200).end('ok');
      else if (behaviour === 'closed') response.writeHead(403).end(`gate ${path} is closed`);
      else if (behaviour === 'fail') response.writeHead(500).end('hook failed');
      else setTimeout(() => response.writeHead(200).end('late'), 30_000).unref();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    set: (path, behaviour) => void behaviours.set(path, behaviour),
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
