import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { firstValueFrom, filter } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { KubeClient } from '../client/kube-client.js';
import { ConfigMapKind } from '../resource/kinds.js';
import { watch } from '../pipeline/watch.js';

// @kubernetes/client-node is a peer dependency (^1.3.0 || ^2.0.0): these run on Node 20 with 1.3,
// and on Node 24 with 2.x (tools/node24.sh sets WEFT_CLIENT_NODE=2).

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** An apiserver stand-in that answers one ConfigMap (or an empty list) and records each request's headers. */
async function recordingServer(): Promise<{ url: string; seen: { url: string; headers: IncomingHttpHeaders }[] }> {
  const seen: { url: string; headers: IncomingHttpHeaders }[] = [];
  const server = createServer((request, response) => {
    seen.push({ url: request.url ?? '', headers: request.headers });
    response.writeHead(200, { 'Content-Type': 'application/json' });
    const list = (request.url ?? '').endsWith('/configmaps') || (request.url ?? '').includes('/configmaps?');
    response.end(JSON.stringify(list ? { kind: 'ConfigMapList', apiVersion: 'v1', metadata: { resourceVersion: '5' }, items: [] } : { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web', namespace: 'prod' } }));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

function kubeConfigWith(server: string, user: Record<string, unknown>): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'c', server, skipTLSVerify: true }],
    users: [{ name: 'u', ...user }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kubeConfig;
}

describe('the peer @kubernetes/client-node', () => {
  it('is the line this run names: 2.x with WEFT_CLIENT_NODE=2, else 1.x', () => {
    // createDispatcherOptions arrived with client-node 2 (undici); 1.x has no such method.
    const isTwo = typeof (KubeConfig.prototype as { createDispatcherOptions?: unknown }).createDispatcherOptions === 'function';
    expect(isTwo).toBe(process.env['WEFT_CLIENT_NODE'] === '2');
  });

  it.each([
    ['a bearer token', { token: 'sekret' }, 'Bearer sekret'],
    ['basic auth', { username: 'ada', password: 'pw' }, `Basic ${Buffer.from('ada:pw').toString('base64')}`],
  ])('authenticates the client and the watch from a KubeConfig with %s', async (_name, user, authorization) => {
    const server = await recordingServer();
    const kubeConfig = kubeConfigWith(server.url, { ...user, impersonateUser: 'impersonated' });
    const client = new KubeClient(kubeConfig);
    try {
      await client.get(ConfigMapKind, 'web', { namespace: 'prod' });
      await firstValueFrom(watch(ConfigMapKind, { transport: kubeConfig }).pipe(filter((event) => event.type === 'InitDone')));
    } finally {
      client.close();
    }
    expect(server.seen.length).toBeGreaterThanOrEqual(2);
    for (const request of server.seen) {
      expect(request.headers['authorization'], request.url).toBe(authorization);
      expect(request.headers['impersonate-user'], request.url).toBe('impersonated');
    }
  });
});
