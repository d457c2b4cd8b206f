// The weft-kustomize build server: a process that keeps the CLI loaded and warm, so that a
// `weft-kustomize build` after the first one costs Node's start-up and a small client
// (bin/weft-kustomize.cjs), not loading and running cold code in every process. The launcher
// starts it after a run that found none; it builds one request at a time, each exactly as a
// process of its own would (the client's arguments, working directory and environment, the files
// as they are now: nothing is cached between builds), and exits when idle.
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { runCli } from './cli.js';

/** What a client sends: one line of JSON. */
interface CliRequest {
  readonly argv: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Where the server listens and how long it waits for work. */
export interface CliServerOptions {
  /** A Unix socket path (a named pipe on Windows); the launcher derives it from the installation, the bundle and Node. */
  readonly socket: string;
  /** It closes and exits after this long without a request. */
  readonly idleMs: number;
}

/** Requests longer than this are refused: a request is arguments, a path and an environment. */
const maxRequestBytes = 16 * 1024 * 1024;

function isRequest(value: unknown): value is CliRequest {
  if (typeof value !== 'object' || value === null) return false;
  const request = value as Record<string, unknown>;
  return (
    Array.isArray(request['argv']) &&
    request['argv'].every((argument) => typeof argument === 'string') &&
    typeof request['cwd'] === 'string' &&
    typeof request['env'] === 'object' &&
    request['env'] !== null
  );
}

/**
 * The reply: a header line with the exit code and the byte lengths of stdout and stderr, then
 * their bytes. The client writes nothing unless all of it arrived, so a server that dies
 * mid-reply leaves the client free to build in its own process instead.
 */
function reply(socket: Socket, result: { exitCode: number; stdout: string; stderr: string }): void {
  const header = JSON.stringify({ exitCode: result.exitCode, stdout: Buffer.byteLength(result.stdout), stderr: Buffer.byteLength(result.stderr) });
  socket.end(`${header}\n${result.stdout}${result.stderr}`);
}

/** Whether a server already answers on the socket (a stale socket file refuses the connection). */
function answers(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(socket);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

function listen(server: Server, socket: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(socket, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * Serves `weft-kustomize` requests on a socket until idle for `idleMs`.
 *
 * @remarks
 * One server per socket: if another answers there already, this one returns at once; a socket
 * file nobody answers on (a server that was killed) is replaced. The socket's folder is made
 * private to the user (0700) and the socket 0600. Builds run one at a time, in the client's
 * working directory with the client's environment; nothing is kept between them. One timer, the
 * idle one, restarted after each build. SIGTERM and SIGINT close it as idleness does; closing
 * removes the socket file (libuv unlinks it).
 *
 * @returns When the server has closed (idle) or was not needed.
 */
export async function serveCli(options: CliServerOptions): Promise<void> {
  const windowsPipe = process.platform === 'win32';
  if (!windowsPipe) mkdirSync(dirname(options.socket), { recursive: true, mode: 0o700 });
  if (await answers(options.socket)) return;
  if (!windowsPipe) rmSync(options.socket, { force: true });

  let queue = Promise.resolve();
  let idle: NodeJS.Timeout | undefined;
  const server = createServer((socket) => {
    clearTimeout(idle);
    const chunks: Buffer[] = [];
    let received = 0;
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > maxRequestBytes) return socket.destroy();
      const newline = chunk.indexOf(10);
      if (newline < 0) return chunks.push(chunk);
      chunks.push(chunk.subarray(0, newline));
      socket.pause();
      let request: unknown;
      try {
        request = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        request = undefined;
      }
      if (!isRequest(request)) return socket.destroy();
      queue = queue.then(() => serve(socket, request));
    });
  });
  const serve = async (socket: Socket, request: CliRequest): Promise<void> => {
    clearTimeout(idle);
    try {
      if (socket.destroyed) return;
      // a working directory that is gone: the client builds in its own process and reports it
      process.chdir(request.cwd);
      reply(socket, await runCli(request.argv, { env: request.env }));
    } catch {
      socket.destroy();
    } finally {
      idle = setTimeout(close, options.idleMs);
    }
  };
  const close = (): void => {
    server.close();
  };

  try {
    await listen(server, options.socket);
  } catch {
    // another server took the socket between the probe and here
    return;
  }
  if (!windowsPipe) chmodSync(options.socket, 0o600);
  idle = setTimeout(close, options.idleMs);
  // stopped (kill, Ctrl-C in a terminal it was started from): it closes as when idle, socket file and all
  const stop = (): void => {
    clearTimeout(idle);
    close();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  await new Promise<void>((resolve) => server.once('close', resolve));
  process.off('SIGTERM', stop);
  process.off('SIGINT', stop);
}
