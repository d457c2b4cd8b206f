/**
 * A real git smart-HTTP server: `git http-backend` (CGI, from the `git` CLI on the PATH) behind a
 * loopback Node HTTP(S) server, with optional basic or bearer auth, plus helpers that create
 * repositories and commit to them with the `git` CLI. For tests and demos of anything that
 * pulls from git (`@weft/git-source`).
 */
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile, symlink } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Options of {@link startGitServer}. */
export interface GitServerOptions {
  /** Require basic auth with this user name (and `password`). */
  username?: string;
  password?: string;
  /** Require `Authorization: Bearer <token>` instead of basic auth. */
  bearerToken?: string;
  /** Serve HTTPS with this key and certificate (PEM). */
  tls?: { key: string; cert: string };
}

/** One request the server saw (for asserting how many round trips a client made). */
export interface GitRequestRecord {
  method: string;
  path: string;
  query: string;
  status: number;
}

/** A file to commit: text/bytes, or a symlink. */
export type RepoFile = string | Uint8Array | { symlink: string } | null;

/** A bare repository on the server, with a working clone to change it. */
export interface TestRepo {
  name: string;
  /** Clone URL (no credentials in it). */
  url: string;
  /** Path of the bare repository. */
  bare: string;
  /** Path of the working clone used by `commit`. */
  work: string;
  /** Writes (or with `null` deletes) files, commits and pushes; returns the new commit sha. */
  commit(files: Record<string, RepoFile>, message: string, options?: { branch?: string; sign?: boolean }): Promise<string>;
  /** Runs `git` in the working clone (with the test identity) and returns stdout, trimmed. */
  git(...args: string[]): Promise<string>;
}

/** A running test git server. */
export interface GitServer {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  origin: string;
  /** The clone URL of a repository. */
  url(repo: string): string;
  /** Creates a bare repository with one commit of `files` on `branch` (default `main`). */
  createRepo(name: string, files: Record<string, RepoFile>, options?: { branch?: string }): Promise<TestRepo>;
  /** Directory holding the bare repositories. */
  dir: string;
  /** Every request served so far. */
  requests: GitRequestRecord[];
  /** Environment for running the `git` CLI against this server (identity, no user config, GnuPG home). */
  gitEnv: NodeJS.ProcessEnv;
  /** Stops the server and removes its directories. */
  stop(): Promise<void>;
  /** The same as {@link GitServer.stop}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Starts a git smart-HTTP server on 127.0.0.1 with a fresh directory of repositories.
 *
 * @remarks
 * Each request runs `git http-backend` with `http.receivepack` (pushes allowed),
 * `uploadpack.allowReachableSHA1InWant` and `uploadpack.allowFilter` on. The `git` CLI runs with
 * its own `HOME`, no system config and a fixed identity, so the user's git configuration never
 * leaks in. `stop()` (or `await using`) closes the server and removes its directories.
 *
 * @throws When the `git` CLI is not on the PATH (the `execFile` error).
 *
 * @example
 * ```ts
 * import { startGitServer } from '@weft/testkit';
 * await using server = await startGitServer();
 * const repo = await server.createRepo('app', { 'deploy/cm.yaml': 'kind: ConfigMap\n' });
 * await repo.commit({ 'README.md': 'hi' }, 'docs');
 * // git clone server.url('app')
 * ```
 */
export async function startGitServer(options: GitServerOptions = {}): Promise<GitServer> {
  const root = await mkdtemp(join(tmpdir(), 'weft-git-server-'));
  const dir = join(root, 'repos');
  const home = join(root, 'home');
  await mkdir(dir, { recursive: true });
  await mkdir(home, { recursive: true });
  const backend = join((await run('git', ['--exec-path'])).stdout.trim(), 'git-http-backend');
  const gitEnv: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    GNUPGHOME: join(home, '.gnupg'),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'Weft Test',
    GIT_AUTHOR_EMAIL: 'test@weft.dev',
    GIT_COMMITTER_NAME: 'Weft Test',
    GIT_COMMITTER_EMAIL: 'test@weft.dev',
    GIT_TERMINAL_PROMPT: '0',
  };
  const requests: GitRequestRecord[] = [];

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const record: GitRequestRecord = { method: req.method ?? 'GET', path: url.pathname, query: url.search.slice(1), status: 0 };
    requests.push(record);
    if (!authorized(req, options)) {
      record.status = 401;
      res.writeHead(401, { 'WWW-Authenticate': options.bearerToken ? 'Bearer' : 'Basic realm="git"' });
      res.end('authentication required\n');
      return;
    }
    const child = spawn(backend, [], {
      env: {
        ...gitEnv,
        GIT_PROJECT_ROOT: dir,
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.slice(1),
        REQUEST_METHOD: req.method ?? 'GET',
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        REMOTE_USER: options.username ?? 'anonymous',
        REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
        ...(req.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: String(req.headers['content-encoding']) } : {}),
        ...(req.headers['git-protocol'] ? { GIT_PROTOCOL: String(req.headers['git-protocol']) } : {}),
        GIT_CONFIG_COUNT: '3',
        GIT_CONFIG_KEY_0: 'http.receivepack',
        GIT_CONFIG_VALUE_0: 'true',
        GIT_CONFIG_KEY_1: 'uploadpack.allowReachableSHA1InWant',
        GIT_CONFIG_VALUE_1: 'true',
        GIT_CONFIG_KEY_2: 'uploadpack.allowFilter',
        GIT_CONFIG_VALUE_2: 'true',
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    req.pipe(child.stdin);
    child.stdin.on('error', () => undefined);
    let head = Buffer.alloc(0);
    let headersDone = false;
    child.stdout.on('data', (chunk: Buffer) => {
      if (headersDone) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      headersDone = true;
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
        const colon = line.indexOf(':');
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
        else headers[name] = value;
      }
      record.status = status;
      res.writeHead(status, headers);
      res.write(head.subarray(end + 4));
    });
    child.stdout.on('end', () => res.end());
    child.on('error', () => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  };

  const server: Server = options.tls
    ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, handle)
    : createHttpServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const origin = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  const url = (repo: string) => `${origin}/${repo}.git`;

  const createRepo = async (name: string, files: Record<string, RepoFile>, repoOptions: { branch?: string } = {}) => {
    const branch = repoOptions.branch ?? 'main';
    const bare = join(dir, `${name}.git`);
    const work = join(root, 'work', name);
    await run('git', ['init', '--quiet', '--bare', `--initial-branch=${branch}`, bare], { env: gitEnv });
    await run('git', ['init', '--quiet', `--initial-branch=${branch}`, work], { env: gitEnv });
    const git = async (...args: string[]) => (await run('git', args, { cwd: work, env: gitEnv, maxBuffer: 1 << 28 })).stdout.trim();
    await git('remote', 'add', 'origin', bare);
    const repo: TestRepo = {
      name,
      url: url(name),
      bare,
      work,
      git,
      async commit(changes, message, commitOptions = {}) {
        if (commitOptions.branch !== undefined) {
          const exists = (await git('branch', '--list', commitOptions.branch)) !== '';
          await git('checkout', '--quiet', ...(exists ? [] : ['-b']), commitOptions.branch);
        }
        for (const [path, content] of Object.entries(changes)) {
          const target = join(work, path);
          await rm(target, { force: true, recursive: true });
          if (content === null) continue;
          await mkdir(dirname(target), { recursive: true });
          if (typeof content === 'object' && 'symlink' in content) await symlink(content.symlink, target);
          else await writeFile(target, content);
        }
        await git('add', '--all');
        await git('commit', '--quiet', '--allow-empty', ...(commitOptions.sign ? ['-S'] : []), '-m', message);
        const current = await git('rev-parse', '--abbrev-ref', 'HEAD');
        await git('push', '--quiet', '--force', 'origin', current);
        return git('rev-parse', 'HEAD');
      },
    };
    await repo.commit(files, 'initial commit');
    return repo;
  };

  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(root, { recursive: true, force: true });
    })();
    return stopped;
  };
  return { origin, url, createRepo, dir, requests, gitEnv, stop, [Symbol.asyncDispose]: stop };
}

function authorized(req: IncomingMessage, options: GitServerOptions): boolean {
  const header = req.headers.authorization ?? '';
  if (options.bearerToken !== undefined) return header === `Bearer ${options.bearerToken}`;
  if (options.username === undefined) return true;
  const expected = `Basic ${Buffer.from(`${options.username}:${options.password ?? ''}`).toString('base64')}`;
  return header === expected;
}
