import { ApiException, CoreV1Api, Watch } from '@kubernetes/client-node';
import { maxTimerDelayMs, sleep } from '@weft/reconcile-core';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, startApiServer, type InMemoryApiServer } from '../../index.js';

const servers: InMemoryApiServer[] = [];
async function server(options: Parameters<typeof startApiServer>[0] = {}): Promise<InMemoryApiServer> {
  const started = await startApiServer(options);
  servers.push(started);
  return started;
}
afterEach(async () => {
  for (const started of servers.splice(0)) await started.stop();
});

async function raw(target: InMemoryApiServer, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${target.server}${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

async function watchLines(target: InMemoryApiServer, path: string, until: (lines: any[]) => boolean): Promise<{ lines: any[]; ended: boolean }> {
  const controller = new AbortController();
  const response = await fetch(`${target.server}${path}`, { signal: controller.signal });
  const reader = response.body!.getReader();
  const lines: any[] = [];
  let buffer = '';
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) return { lines, ended: true };
    buffer += new TextDecoder().decode(value);
    const parts = buffer.split('\n');
    buffer = parts.pop()!;
    lines.push(...parts.filter(Boolean).map((line) => JSON.parse(line)));
    if (until(lines)) {
      controller.abort();
      return { lines, ended: false };
    }
  }
  controller.abort();
  throw new Error(`watch ${path} never satisfied the condition: ${JSON.stringify(lines)}`);
}

describe('startApiServer', () => {
  // Its start-up time is bench/testkit's business (target < 300 ms; measured under 1 ms).
  it('starts and serves client-node', async () => {
    const target = await server();
    const core = target.kubeConfig.makeApiClient(CoreV1Api);
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'hello' }, data: { a: '1' } } });
    expect((await core.readNamespacedConfigMap({ name: 'hello', namespace: 'default' })).data).toEqual({ a: '1' });
  });

  it('serves HTTPS with client certificates when asked', async () => {
    const target = await server({ tls: true });
    expect(target.server).toMatch(/^https:/);
    const core = target.kubeConfig.makeApiClient(CoreV1Api);
    const list = await core.listNamespace();
    expect(list.items.map((namespace) => namespace.metadata?.name)).toContain('default');
  }, 20_000);

  it('refuses to start with an aborted signal', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(startApiServer({ signal: controller.signal })).rejects.toThrow(/aborted/);
  });

  it('answers a watch from a resourceVersion older than the kept history with a 410 Expired event', async () => {
    const target = await server({ watchHistory: 5 });
    const first = await raw(target, 'POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'churn' }, data: { v: '0' } });
    for (let step = 1; step <= 20; step += 1) await raw(target, 'PUT', '/api/v1/namespaces/default/configmaps/churn', { metadata: { name: 'churn' }, data: { v: String(step) } });
    const { lines, ended } = await watchLines(target, `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${first.body.metadata.resourceVersion}`, (seen) => seen.length >= 1);
    expect(lines[0]).toMatchObject({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } });
    expect(lines[0].object.message).toMatch(/^too old resource version: \d+ \(\d+\)$/);
    expect(ended || lines.length === 1).toBe(true);
  });

  it('surfaces the 410 to client-node Watch as an ERROR event', async () => {
    const target = await server({ watchHistory: 2 });
    const first = await raw(target, 'POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'churn' } });
    for (let step = 1; step <= 10; step += 1) await raw(target, 'PUT', '/api/v1/namespaces/default/configmaps/churn', { metadata: { name: 'churn', labels: { step: String(step) } } });
    const seen = await new Promise<{ type: string; code: number }>((resolve) => {
      void new Watch(target.kubeConfig).watch('/api/v1/namespaces/default/configmaps', { resourceVersion: first.body.metadata.resourceVersion }, (type, object: any) => resolve({ type, code: object.code }), () => undefined);
    });
    expect(seen).toEqual({ type: 'ERROR', code: 410 });
  });

  it('ends a watch after its timeoutSeconds; openWatches counts the streams open', async () => {
    const target = await server();
    expect(target.openWatches).toBe(0);
    const started = Date.now();
    setTimeout(() => expect(target.openWatches).toBe(1), 300);
    const { ended } = await watchLines(target, '/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=0&timeoutSeconds=1', () => false).catch(() => ({ ended: false }));
    expect(ended).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    await eventually('the ended watch to be gone', () => target.openWatches === 0, { timeoutMs: 5_000, intervalMs: 10 });
  });

  it('sends periodic bookmarks to watches that allow them', async () => {
    const target = await server({ bookmarkIntervalMs: 50 });
    const { lines } = await watchLines(target, '/api/v1/namespaces/default/configmaps?watch=true&allowWatchBookmarks=true&resourceVersion=1', (seen) => seen.some((line) => line.type === 'BOOKMARK'));
    const bookmark = lines.find((line) => line.type === 'BOOKMARK');
    expect(bookmark.object).toMatchObject({ kind: 'ConfigMap', apiVersion: 'v1', metadata: { resourceVersion: expect.stringMatching(/^\d+$/) } });
  });

  it('keeps a watch open under a timeoutSeconds and bookmark interval past setTimeout\'s limit (2^31 ms), which would overflow to 1 ms', async () => {
    const target = await server({ bookmarkIntervalMs: maxTimerDelayMs + 1 });
    const timeoutSeconds = Math.ceil((maxTimerDelayMs + 1) / 1000);
    const watching = watchLines(target, `/api/v1/namespaces/default/configmaps?watch=true&allowWatchBookmarks=true&resourceVersion=1&timeoutSeconds=${timeoutSeconds}`, (seen) => seen.length >= 1);
    await sleep(300);
    await raw(target, 'POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'later' } });
    const { lines, ended } = await watching;
    expect(ended).toBe(false);
    expect(lines.map((line) => `${line.type} ${line.object.metadata.name ?? ''}`)).toEqual(['ADDED later']);
  });
});

describe('lists and garbage collection at scale', () => {
  it('answers 410 Expired for a continue token older than the kept history', async () => {
    const target = await server({ watchHistory: 3 });
    for (let index = 0; index < 3; index += 1) await raw(target, 'POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: `page-${index}` } });
    const first = await raw(target, 'GET', '/api/v1/namespaces/default/configmaps?limit=1');
    for (let step = 0; step < 10; step += 1) await raw(target, 'PUT', '/api/v1/namespaces/default/configmaps/page-0', { metadata: { name: 'page-0', labels: { step: String(step) } } });
    const next = await raw(target, 'GET', `/api/v1/namespaces/default/configmaps?limit=1&continue=${encodeURIComponent(first.body.metadata.continue)}`);
    expect(next.status).toBe(410);
    expect(next.body.reason).toBe('Expired');
  });

  it('collects 2,000 dependents of one owner in well under a few seconds', async () => {
    const target = await server();
    const owner = (await raw(target, 'POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'owner' } })).body;
    const reference = [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata.uid }];
    for (let index = 0; index < 2000; index += 1) {
      await raw(target, 'POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: `child-${index}`, ownerReferences: reference } });
    }
    const started = performance.now();
    await raw(target, 'DELETE', '/api/v1/namespaces/default/configmaps/owner');
    await eventually('the garbage collector to delete the 2,000 dependents', async () => {
      const left = (await raw(target, 'GET', '/api/v1/namespaces/default/configmaps')).body.items.length;
      if (left > 0) throw new Error(`${left} ConfigMaps left`);
      return true;
    }, { timeoutMs: 10_000, intervalMs: 20 });
    expect(performance.now() - started).toBeLessThan(5000);
  }, 60_000);
});

describe('fault injection', () => {
  it('fails matching requests with the given status for the given number of times', async () => {
    const target = await server();
    target.faults.failRequests({ verb: 'create', resource: 'configmaps', code: 500, times: 1 });
    const core = target.kubeConfig.makeApiClient(CoreV1Api);
    const error = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'flaky' } } }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiException);
    expect((error as ApiException<unknown>).code).toBe(500);
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'flaky' } } });
  });

  it('leaves other verbs and kinds alone and lifts a rule when asked', async () => {
    const target = await server();
    const lift = target.faults.failRequests({ verb: 'list', resource: 'ConfigMap', code: 503 });
    expect((await raw(target, 'GET', '/api/v1/namespaces/default/configmaps')).status).toBe(503);
    expect((await raw(target, 'GET', '/api/v1/namespaces/default/secrets')).status).toBe(200);
    expect((await raw(target, 'GET', '/api/v1/namespaces/default/configmaps')).body.reason).toBe('ServiceUnavailable');
    lift();
    expect((await raw(target, 'GET', '/api/v1/namespaces/default/configmaps')).status).toBe(200);
  });

  it('adds latency to matching requests', async () => {
    const target = await server();
    target.faults.addLatency({ verb: 'get', delayMs: 150 });
    const started = performance.now();
    await raw(target, 'GET', '/api/v1/namespaces/default');
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('cuts every open watch stream', async () => {
    const target = await server();
    const ended = new Promise<void>((resolve) => {
      void new Watch(target.kubeConfig).watch('/api/v1/namespaces/default/configmaps', {}, () => undefined, () => resolve());
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(target.faults.cutWatches()).toBe(1);
    await ended;
  });
});

describe('snapshot and restore', () => {
  it('puts objects back as they were and makes old watches re-list', async () => {
    const target = await server();
    await raw(target, 'POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'kept' }, data: { v: '1' } });
    const snapshot = target.snapshot();
    const before = (await raw(target, 'GET', '/api/v1/namespaces/default/configmaps/kept')).body.metadata.resourceVersion;
    await raw(target, 'PUT', '/api/v1/namespaces/default/configmaps/kept', { metadata: { name: 'kept' }, data: { v: '2' } });
    await raw(target, 'POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'later' } });
    target.restore(snapshot);
    expect((await raw(target, 'GET', '/api/v1/namespaces/default/configmaps/kept')).body.data).toEqual({ v: '1' });
    expect((await raw(target, 'GET', '/api/v1/namespaces/default/configmaps/later')).status).toBe(404);
    const { lines } = await watchLines(target, `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${before}`, (seen) => seen.length >= 1);
    expect(lines[0].object.code).toBe(410);
    const created = await raw(target, 'POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'after' } });
    expect(Number(created.body.metadata.resourceVersion)).toBeGreaterThan(Number(before));
  });

  it('serves the CRDs of the snapshot again, and only those', async () => {
    const target = await server();
    const crd = (group: string) => ({
      metadata: { name: `things.${group}` },
      spec: { group, scope: 'Namespaced', names: { plural: 'things', kind: 'Thing' }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }] },
    });
    await raw(target, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd('before.example.com'));
    const snapshot = target.snapshot();
    await raw(target, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd('after.example.com'));
    target.restore(snapshot);
    expect((await raw(target, 'GET', '/apis/before.example.com/v1/namespaces/default/things')).status).toBe(200);
    expect((await raw(target, 'GET', '/apis/after.example.com/v1/namespaces/default/things')).status).toBe(404);
  });
});
