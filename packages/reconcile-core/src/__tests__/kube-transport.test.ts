import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { filter, firstValueFrom } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { ForbiddenError, GoneError, NotFoundError } from '../client/errors.js';
import { KubeClient } from '../client/kube-client.js';
import { kubeTransport } from '../client/kube-transport.js';
import { ConfigMapKind, SecretKind } from '../resource/kinds.js';
import { watch } from '../pipeline/watch.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** Serves a ConfigMap, an empty ConfigMap list, a watch that sends one event and ends, and 403 for secrets; counts TCP connections. */
async function apiServer(): Promise<{ kubeConfig: KubeConfig; connections: () => number }> {
  let connections = 0;
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://x');
    const json = (code: number, body: unknown) => {
      response.writeHead(code, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (url.pathname.startsWith('/api/v1/namespaces/prod/secrets')) return json(403, { kind: 'Status', status: 'Failure', reason: 'Forbidden', code: 403, message: 'secrets is forbidden: User "u" cannot list resource "secrets"' });
    if (url.pathname === '/api/v1/namespaces/prod/configmaps/web') return json(200, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web', namespace: 'prod' } });
    if (url.pathname === '/api/v1/namespaces/prod/configmaps' && url.searchParams.get('watch')) {
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end(`${JSON.stringify({ type: 'ERROR', object: { kind: 'Status', status: 'Failure', reason: 'Expired', code: 410, message: 'too old resource version' } })}\n`);
      return;
    }
    if (url.pathname === '/api/v1/namespaces/prod/configmaps') return json(200, { kind: 'ConfigMapList', metadata: { resourceVersion: '3' }, items: [] });
    json(404, { kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404, message: 'not found' });
  });
  server.on('connection', () => (connections += 1));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'c', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return { kubeConfig, connections: () => connections };
}

describe('kubeTransport: watch() on the client\'s HTTP stack', () => {
  it('shares the client\'s keep-alive connection: a get, then a list through watch(), one TCP connection', async () => {
    const fake = await apiServer();
    const client = new KubeClient(fake.kubeConfig);
    try {
      await client.get(ConfigMapKind, 'web', { namespace: 'prod' });
      await firstValueFrom(watch(ConfigMapKind, { transport: client, namespace: 'prod' }).pipe(filter((event) => event.type === 'InitDone')));
      expect(fake.connections()).toBe(1);
    } finally {
      client.close();
    }
  });

  it('fails with the client\'s typed errors, naming the kind: 403 on a list, 410 in a watch stream, 404 on a request', async () => {
    const fake = await apiServer();
    const client = new KubeClient(fake.kubeConfig);
    const transport = kubeTransport(client);
    const signal = new AbortController().signal;
    try {
      const forbidden = await transport.list({ path: '/api/v1/namespaces/prod/secrets', query: {}, accept: 'application/json', signal }).catch((error: unknown) => error);
      expect(forbidden).toBeInstanceOf(ForbiddenError);
      expect((forbidden as Error).message).toBe('secrets/prod list failed: secrets is forbidden: User "u" cannot list resource "secrets"');

      const events = transport.watch({ path: '/api/v1/namespaces/prod/configmaps', query: { watch: '1' }, accept: 'application/json', signal, target: { group: '', version: 'v1', kind: 'ConfigMap', namespace: 'prod' } });
      const gone = await (async () => {
        for await (const event of events) return event;
      })().catch((error: unknown) => error);
      expect(gone).toBeInstanceOf(GoneError);
      expect((gone as Error).message).toBe('ConfigMap/prod watch failed: too old resource version');

      await expect(transport.request('GET', '/api/v1/namespaces/prod/configmaps/nope')).rejects.toThrow(NotFoundError);
      await expect(transport.request('GET', '/api/v1/namespaces/prod/configmaps/nope')).rejects.toThrow('configmaps/prod/nope get failed: not found');
    } finally {
      transport.close();
      client.close();
    }
  });

  it('the watch of a forbidden kind emits ForbiddenError values and keeps trying', async () => {
    const fake = await apiServer();
    const client = new KubeClient(fake.kubeConfig);
    try {
      const event = await firstValueFrom(watch(SecretKind, { transport: client, namespace: 'prod' }).pipe(filter((each) => each.type === 'Error')));
      expect(event.type === 'Error' && event.error).toBeInstanceOf(ForbiddenError);
    } finally {
      client.close();
    }
  });
});
