import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { maxTimerDelayMs } from '@weft/reconcile-core';
import { startGitServer, type GitServer } from '@weft/testkit';
import {
  ArtifactStorage,
  GitAuthError,
  GitFetchError,
  GitTimeoutError,
  UnsupportedGitFeatureError,
  authFromSecretData,
  fetchArtifact,
  listRemoteRefs,
} from '../index.js';

// Real git processes on a shared machine: allow for a slow, busy host.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

let work: string;
const b64 = (s: string) => Buffer.from(s).toString('base64');

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'weft-git-transport-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const fetchWith = (url: string, extra: object) =>
  fetchArtifact({ url, ref: { branch: 'main' }, cacheDir: join(work, 'cache'), storage: new ArtifactStorage(join(work, 'a')), ...extra });

describe('authentication and transport', () => {
  let server: GitServer;
  beforeAll(async () => {
    server = await startGitServer({ username: 'flux', password: 'super-secret-password' });
    await server.createRepo('private', { 'a.yaml': 'a\n' });
  });
  afterAll(() => server?.stop());

  it('reads basic auth from Secret data and fetches', async () => {
    const auth = authFromSecretData({ username: b64('flux'), password: b64('super-secret-password') });
    const { artifact } = await fetchWith(server.url('private'), { auth });
    expect(artifact.revision).toMatch(/^main@sha1:/);
  });

  it('fails with a clear, secret-free error on bad or missing credentials', async () => {
    for (const auth of [{ username: 'flux', password: 'wrong-password-value' }, undefined]) {
      const error = await fetchWith(server.url('private'), auth ? { auth } : {}).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GitAuthError);
      expect((error as GitAuthError).reason).toBe('AuthenticationFailed');
      expect((error as GitAuthError).retryable).toBe(false);
      expect((error as Error).message).toBe(`${server.url('private')}: authentication failed (HTTP 401); check the credentials in the secret`);
      const everything = JSON.stringify(error, Object.getOwnPropertyNames(error)) + String((error as Error).stack);
      expect(everything).not.toContain('wrong-password-value');
      expect(everything).not.toContain('super-secret-password');
    }
  });

  it('removes credentials embedded in the URL from errors', async () => {
    const url = server.url('private').replace('http://', 'http://flux:embedded-secret@');
    const error = await fetchWith(url.replace('private', 'missing'), {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(String((error as Error).message)).not.toContain('embedded-secret');
  });

  it('sends a bearer token', async () => {
    const bearer = await startGitServer({ bearerToken: 'tok-123' });
    try {
      await bearer.createRepo('b', { 'b.yaml': 'b\n' });
      const auth = authFromSecretData({ bearerToken: b64('tok-123') });
      expect((await fetchWith(bearer.url('b'), { auth })).artifact.revision).toMatch(/^main@sha1:/);
      await expect(fetchWith(bearer.url('b'), { auth: { bearerToken: 'nope' } })).rejects.toThrow(GitAuthError);
    } finally {
      await bearer.stop();
    }
  });

  it('trusts a custom CA from ca.crt over HTTPS, and refuses the server without it', async () => {
    const dir = join(work, 'tls');
    execFileSync('mkdir', ['-p', dir]);
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=weft-test-ca',
      '-keyout', join(dir, 'ca.key'), '-out', join(dir, 'ca.crt')], { stdio: 'ignore' });
    execFileSync('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1',
      '-keyout', join(dir, 'server.key'), '-out', join(dir, 'server.csr')], { stdio: 'ignore' });
    await import('node:fs/promises').then((fs) => fs.writeFile(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\n'));
    execFileSync('openssl', ['x509', '-req', '-in', join(dir, 'server.csr'), '-CA', join(dir, 'ca.crt'), '-CAkey', join(dir, 'ca.key'),
      '-CAcreateserial', '-days', '1', '-extfile', join(dir, 'ext.cnf'), '-out', join(dir, 'server.crt')], { stdio: 'ignore' });
    const tls = { key: await readFile(join(dir, 'server.key'), 'utf8'), cert: await readFile(join(dir, 'server.crt'), 'utf8') };
    const secure = await startGitServer({ tls, username: 'u', password: 'p' });
    try {
      await secure.createRepo('tls', { 't.yaml': 't\n' });
      const ca = await readFile(join(dir, 'ca.crt'), 'utf8');
      const auth = authFromSecretData({ username: b64('u'), password: b64('p'), 'ca.crt': b64(ca) });
      expect(secure.url('tls')).toMatch(/^https:/);
      expect((await fetchWith(secure.url('tls'), { auth })).artifact.revision).toMatch(/^main@sha1:/);
      const untrusted = await fetchWith(secure.url('tls'), { auth: { username: 'u', password: 'p' } }).catch((e: unknown) => e);
      expect(untrusted).toBeInstanceOf(GitFetchError);
      expect((untrusted as Error).message).toMatch(/certificate/i);
    } finally {
      await secure.stop();
    }
  });
});

describe('unreachable and unsupported remotes', () => {
  let silent: Server;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    // Accepts connections and never answers: a host that hangs.
    silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  it('times out on a host that does not answer', async () => {
    const port = (silent.address() as { port: number }).port;
    const started = Date.now();
    const error = await fetchWith(`http://127.0.0.1:${port}/repo.git`, { timeout: '500ms' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitTimeoutError);
    expect((error as GitTimeoutError).retryable).toBe(true);
    expect((error as Error).message).toMatch(/timed out after 500ms/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('keeps waiting under a timeout past setTimeout\'s limit (2^31 ms), where AbortSignal.timeout() would give up after 1 ms', async () => {
    const port = (silent.address() as { port: number }).port;
    const controller = new AbortController();
    const pending = listRemoteRefs(`http://127.0.0.1:${port}/repo.git`, { timeoutMs: maxTimerDelayMs + 1, signal: controller.signal }).catch((e: unknown) => e);
    const outcome = await Promise.race([pending, new Promise((resolve) => setTimeout(() => resolve('still waiting'), 500))]);
    controller.abort(new Error('cancelled by test'));
    expect(outcome).toBe('still waiting');
    expect(((await pending) as Error).message).toBe('cancelled by test');
  });

  it('reports a refused connection as a retryable fetch error', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await listRemoteRefs(`http://127.0.0.1:${port}/x.git`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitFetchError);
    expect((error as GitFetchError).retryable).toBe(true);
  });

  it('refuses SSH URLs before any network traffic, naming the alternative', async () => {
    for (const url of ['ssh://git@example.com/org/repo.git', 'git@example.com:org/repo.git']) {
      const error = await fetchWith(url, {}).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnsupportedGitFeatureError);
      expect((error as UnsupportedGitFeatureError).feature).toBe('ssh');
      expect((error as Error).message).toMatch(/SSH transport is not supported .* use an https:\/\/ URL/);
    }
  });

  it('aborts when the caller cancels', async () => {
    const port = (silent.address() as { port: number }).port;
    const controller = new AbortController();
    const pending = fetchArtifact(
      { url: `http://127.0.0.1:${port}/repo.git`, cacheDir: join(work, 'cache'), storage: new ArtifactStorage(join(work, 'a')) },
      { signal: controller.signal },
    ).catch((e: unknown) => e);
    setTimeout(() => controller.abort(new Error('cancelled by test')), 100);
    expect(((await pending) as Error).message).toBe('cancelled by test');
  });
});
