import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { KubeClient } from '../client/kube-client.js';
import { CancelledError, ConnectionError, NotFoundError, ServerError, TimeoutError, TooManyRequestsError } from '../client/errors.js';
import { parseRetryAfter, retryDelay, defaultRetryPolicy } from '../client/retry.js';
import { ConfigMapKind } from '../resource/kinds.js';

type Handler = (request: IncomingMessage, response: ServerResponse, attempt: number) => void;

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** A local HTTP server standing in for the apiserver; records every request it saw. */
async function fakeApiServer(handler: Handler): Promise<{ client: (options?: ConstructorParameters<typeof KubeClient>[1]) => KubeClient; requests: { method: string; url: string; at: number; body: string }[] }> {
  const requests: { method: string; url: string; at: number; body: string }[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests.push({ method: request.method ?? '', url: request.url ?? '', at: Date.now(), body: Buffer.concat(chunks).toString() });
      handler(request, response, requests.length);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { client: (options) => new KubeClient(kubeConfigFor(`http://127.0.0.1:${port}`), options), requests };
}

function kubeConfigFor(server: string): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'fake', server, skipTLSVerify: true }],
    users: [{ name: 'fake', token: 'secret-token' }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'fake' }],
    currentContext: 'fake',
  });
  return kubeConfig;
}

function status(response: ServerResponse, code: number, reason: string, headers: Record<string, string> = {}): void {
  response.writeHead(code, { 'Content-Type': 'application/json', ...headers });
  response.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message: `${reason} says the fake` }));
}

function configMap(response: ServerResponse): void {
  response.writeHead(200, { 'Content-Type': 'application/json' });
  response.end(JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web', namespace: 'prod' }, data: { a: '1' } }));
}

describe('KubeClient retries', () => {
  it('retries 429 after the Retry-After the server asked for, then succeeds', async () => {
    const fake = await fakeApiServer((_, response, attempt) => (attempt === 1 ? status(response, 429, 'TooManyRequests', { 'Retry-After': '1' }) : configMap(response)));
    const client = fake.client();
    const read = await client.get(ConfigMapKind, 'web', { namespace: 'prod' });
    expect(read.data).toEqual({ a: '1' });
    expect(fake.requests).toHaveLength(2);
    expect(fake.requests[1]!.at - fake.requests[0]!.at).toBeGreaterThanOrEqual(950);
    client.close();
  });

  it('sends the token and the path the kind and namespace name', async () => {
    let authorization: string | undefined;
    const fake = await fakeApiServer((request, response) => {
      authorization = request.headers.authorization;
      configMap(response);
    });
    const client = fake.client();
    await client.get(ConfigMapKind, 'web', { namespace: 'prod' });
    expect(authorization).toBe('Bearer secret-token');
    expect(fake.requests[0]!.url).toBe('/api/v1/namespaces/prod/configmaps/web');
    client.close();
  });

  it('asks rotating credentials (a token file) for the token of each request', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-token-'));
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, 'file-token-1');
    const seen: (string | undefined)[] = [];
    const fake = await fakeApiServer((request, response) => {
      seen.push(request.headers.authorization);
      configMap(response);
    });
    const server = fake.client().kubeConfig.getCurrentCluster()!.server;
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [{ name: 'fake', server, skipTLSVerify: true }],
      users: [{ name: 'fake', authProvider: { name: 'tokenFile', config: { tokenFile } } }],
      contexts: [{ name: 'fake', cluster: 'fake', user: 'fake' }],
      currentContext: 'fake',
    });
    const client = new KubeClient(kubeConfig);
    await client.get(ConfigMapKind, 'web', { namespace: 'prod' });
    await client.get(ConfigMapKind, 'web', { namespace: 'prod' });
    expect(seen).toEqual(['Bearer file-token-1', 'Bearer file-token-1']);
    client.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('retries a 503 on a read with exponential backoff when no Retry-After is given', async () => {
    const fake = await fakeApiServer((_, response, attempt) => (attempt <= 2 ? status(response, 503, 'ServiceUnavailable') : configMap(response)));
    const client = fake.client({ retry: { baseDelay: 50 } });
    await client.get(ConfigMapKind, 'web', { namespace: 'prod' });
    expect(fake.requests).toHaveLength(3);
    const [first, second, third] = fake.requests.map((request) => request.at);
    expect(second! - first!).toBeGreaterThanOrEqual(35);
    expect(third! - second!).toBeGreaterThanOrEqual(75); // doubled, minus at most 20 % jitter
    client.close();
  });

  it('does not repeat a create after a 500 without Retry-After (it may have been applied)', async () => {
    const fake = await fakeApiServer((_, response) => status(response, 500, 'InternalError'));
    const client = fake.client({ retry: { baseDelay: 10 } });
    const error = await client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web', namespace: 'prod' } }, { kind: ConfigMapKind }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ServerError);
    expect((error as ServerError).retryable).toBe(true);
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]!.method).toBe('POST');
    expect(fake.requests[0]!.url).toBe('/api/v1/namespaces/prod/configmaps?fieldManager=weft');
    client.close();
  });

  it('repeats a create after a 503 that carries Retry-After', async () => {
    const fake = await fakeApiServer((_, response, attempt) => (attempt === 1 ? status(response, 503, 'ServiceUnavailable', { 'Retry-After': '0' }) : configMap(response)));
    const client = fake.client();
    await client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web', namespace: 'prod' } }, { kind: ConfigMapKind });
    expect(fake.requests.map((request) => request.method)).toEqual(['POST', 'POST']);
    client.close();
  });

  it('repeats any verb sent on a kept-alive connection the server had closed', async () => {
    const fake = await fakeApiServer((request, response, attempt) => {
      if (attempt === 2) return request.socket.destroy(); // the second request arrives on the reused socket
      configMap(response);
    });
    const client = fake.client();
    await client.get(ConfigMapKind, 'web', { namespace: 'prod' });
    await client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web', namespace: 'prod' } }, { kind: ConfigMapKind });
    expect(fake.requests.map((request) => request.method)).toEqual(['GET', 'POST', 'POST']);
    client.close();
  });

  it('gives up after maxRetries with the typed error, keeping the Status', async () => {
    const fake = await fakeApiServer((_, response) => status(response, 429, 'TooManyRequests', { 'Retry-After': '0' }));
    const client = fake.client({ retry: { maxRetries: 3 } });
    const error = await client.get(ConfigMapKind, 'web', { namespace: 'prod' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TooManyRequestsError);
    expect((error as TooManyRequestsError).status?.message).toBe('TooManyRequests says the fake');
    expect((error as TooManyRequestsError).retryAfterSeconds).toBe(0);
    expect(fake.requests).toHaveLength(4);
    client.close();
  });

  it('never retries a 404', async () => {
    const fake = await fakeApiServer((_, response) => status(response, 404, 'NotFound'));
    const client = fake.client();
    await expect(client.get(ConfigMapKind, 'web', { namespace: 'prod' })).rejects.toBeInstanceOf(NotFoundError);
    expect(fake.requests).toHaveLength(1);
    client.close();
  });

  it('ends a Retry-After wait at once when the caller cancels', async () => {
    const fake = await fakeApiServer((_, response) => status(response, 429, 'TooManyRequests', { 'Retry-After': '20' }));
    const client = fake.client();
    const controller = new AbortController();
    const started = Date.now();
    const pending = client.get(ConfigMapKind, 'web', { namespace: 'prod', signal: controller.signal }).catch((caught: unknown) => caught);
    setTimeout(() => controller.abort(new Error('shutting down')), 100);
    const error = await pending;
    expect(error).toBeInstanceOf(CancelledError);
    expect((error as CancelledError).cause).toEqual(new Error('shutting down'));
    expect(Date.now() - started).toBeLessThan(2000);
    client.close();
  });

  it('reports a deadline passed during a Retry-After wait as a client TimeoutError', async () => {
    const fake = await fakeApiServer((_, response) => status(response, 503, 'ServiceUnavailable', { 'Retry-After': '20' }));
    const client = fake.client();
    const error = await client.get(ConfigMapKind, 'web', { namespace: 'prod', timeout: '200ms' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).source).toBe('client');
    client.close();
  });

  it('times out a server that never answers', async () => {
    const fake = await fakeApiServer(() => undefined);
    const client = fake.client();
    const error = await client.get(ConfigMapKind, 'web', { namespace: 'prod', timeout: 150 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).message).toBe('ConfigMap/prod/web get failed: timed out waiting for the apiserver');
    expect(fake.requests).toHaveLength(1);
    client.close();
  });

  it('a deadline of 1000 hours does not end a call early (setTimeout would fire it after 1 ms)', async () => {
    const fake = await fakeApiServer((_, response) => setTimeout(() => configMap(response), 50));
    const client = fake.client({ requestTimeout: '1000h' });
    expect((await client.get(ConfigMapKind, 'web', { namespace: 'prod' })).data).toEqual({ a: '1' });
    expect((await client.get(ConfigMapKind, 'web', { namespace: 'prod', timeout: '1000h' })).data).toEqual({ a: '1' });
    client.close();
  });

  it('reports an unreachable apiserver as a retryable ConnectionError after retrying', async () => {
    const fake = await fakeApiServer(() => undefined);
    const port = new URL(fake.client().kubeConfig.getCurrentCluster()!.server).port;
    await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
    const client = new KubeClient(kubeConfigFor(`http://127.0.0.1:${port}`), { retry: { maxRetries: 2, baseDelay: 10 } });
    const error = await client.get(ConfigMapKind, 'web', { namespace: 'prod' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as ConnectionError).retryable).toBe(true);
    expect((error as ConnectionError).message).toContain('ECONNREFUSED');
    client.close();
  });

  it('passes Warning headers to onWarning', async () => {
    const fake = await fakeApiServer((_, response) => {
      response.setHeader('Warning', '299 - "unknown field \\"spec.foo\\""');
      configMap(response);
    });
    const warnings: string[] = [];
    const client = fake.client({ onWarning: (warning) => warnings.push(warning) });
    await client.get(ConfigMapKind, 'web', { namespace: 'prod' });
    expect(warnings).toEqual(['unknown field "spec.foo"']);
    client.close();
  });
});

describe('retryDelay', () => {
  const server = (code: number, retryAfterSeconds?: number) => new ServerError({ verb: 'get', target: { group: '', version: 'v1', kind: 'ConfigMap' }, code, retryAfterSeconds });
  it('doubles from the base delay, capped by maxDelay, with at most 20 % jitter', () => {
    const policy = { maxRetries: 10, baseDelay: 100, maxDelay: 1000 };
    expect([0, 1, 2, 3, 4].map((attempt) => retryDelay(server(503), attempt, { method: 'GET' }, policy, () => 1))).toEqual([100, 200, 400, 800, 1000]);
    expect(retryDelay(server(502), 2, { method: 'GET' }, policy, () => 0)).toBe(320);
  });
  it('honours Retry-After up to maxDelay, and stops after maxRetries', () => {
    expect(retryDelay(server(503, 7), 0, { method: 'POST' }, defaultRetryPolicy)).toBe(7000);
    expect(retryDelay(server(503, 600), 0, { method: 'GET' }, defaultRetryPolicy)).toBe(30_000);
    expect(retryDelay(server(503, 1), 5, { method: 'GET' }, defaultRetryPolicy)).toBeUndefined();
  });
  it('repeats JSON patches and creates only when the server said it did nothing', () => {
    expect(retryDelay(server(503), 0, { method: 'PATCH', contentType: 'application/json-patch+json' }, defaultRetryPolicy)).toBeUndefined();
    expect(retryDelay(server(503), 0, { method: 'PATCH', contentType: 'application/apply-patch+yaml' }, defaultRetryPolicy)).toBeGreaterThan(0);
    expect(retryDelay(server(503), 0, { method: 'POST' }, defaultRetryPolicy)).toBeUndefined();
    expect(retryDelay(server(503, 1), 0, { method: 'POST' }, defaultRetryPolicy)).toBe(1000);
  });
  it('does not repeat a 500 without Retry-After, even for a read (the apiserver means it)', () => {
    expect(retryDelay(server(500), 0, { method: 'GET' }, defaultRetryPolicy)).toBeUndefined();
    expect(retryDelay(server(500), 0, { method: 'PATCH', contentType: 'application/apply-patch+yaml' }, defaultRetryPolicy)).toBeUndefined();
    expect(retryDelay(server(500, 2), 0, { method: 'GET' }, defaultRetryPolicy)).toBe(2000);
  });
});

describe('parseRetryAfter', () => {
  it('reads delay-seconds and HTTP dates', () => {
    expect(parseRetryAfter('3')).toBe(3);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6);
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});

describe('KubeClient responses', () => {
  // A kept-alive socket can hold its last response until the next request; a listener of ours left
  // on it kept the body it had read (a 10,000-object list: 8.7 MB of text) alive beside the cache.
  it('keep no listener of the body reader on a response once its body is read', async () => {
    const responses: IncomingMessage[] = [];
    const onResponse = (message: unknown) => responses.push((message as { response: IncomingMessage }).response);
    subscribe('http.client.response.finish', onResponse);
    try {
      const fake = await fakeApiServer((_, response) => configMap(response));
      const client = fake.client();
      await client.get(ConfigMapKind, 'web', { namespace: 'prod' });
      client.close();
      expect(responses).toHaveLength(1);
      // Node's http client keeps its own 'end' listener; every listener of the reader shares one closure scope with `resolve`.
      expect(['data', 'aborted'].map((event) => responses[0]!.listenerCount(event))).toEqual([0, 0]);
    } finally {
      unsubscribe('http.client.response.finish', onResponse);
    }
  });
});
