import { describe, expect, it } from 'vitest';
import { NotFoundError, ServerError } from '../client/errors.js';
import { RestMapper, UnknownKindError, type ApiResource } from '../client/rest-mapper.js';
import type { Transport } from '../client/transport.js';

/** A discovery endpoint in memory: per group/version resource lists, counting requests. */
function fakeDiscovery(served: Record<string, ApiResource[]>) {
  const requests: string[] = [];
  let failNext = false;
  const transport = {
    async send(request: { path: string; target: { group: string; version: string; kind: string } }) {
      requests.push(request.path);
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (failNext) {
        failNext = false;
        throw new ServerError({ verb: 'discover', target: request.target, code: 503 });
      }
      const apiVersion = request.path.replace(/^\/apis?\//, '');
      const resources = served[apiVersion];
      if (!resources) throw new NotFoundError({ verb: 'discover', target: request.target, code: 404 });
      return { code: 200, headers: {}, body: { resources } };
    },
  } as unknown as Transport;
  return { transport, requests, served, failOnce: () => (failNext = true) };
}

const deployments: ApiResource = { name: 'deployments', namespaced: true, kind: 'Deployment', verbs: ['get'] };
const deploymentStatus: ApiResource = { name: 'deployments/status', namespaced: true, kind: 'Deployment', verbs: ['get'] };
const namespaces: ApiResource = { name: 'namespaces', namespaced: false, kind: 'Namespace', verbs: ['get'] };

describe('RestMapper', () => {
  it('maps kinds through one discovery request per group/version, shared by concurrent lookups', async () => {
    const fake = fakeDiscovery({ 'apps/v1': [deploymentStatus, deployments], v1: [namespaces] });
    const mapper = new RestMapper(fake.transport);
    const [a, b] = await Promise.all([mapper.resolve({ apiVersion: 'apps/v1', kind: 'Deployment' }), mapper.resolve({ apiVersion: 'apps/v1', kind: 'Deployment' })]);
    expect(a).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', plural: 'deployments', namespaced: true });
    expect(b).toEqual(a);
    expect(await mapper.resolve({ apiVersion: 'v1', kind: 'Namespace' })).toMatchObject({ plural: 'namespaces', namespaced: false });
    expect(fake.requests).toEqual(['/apis/apps/v1', '/api/v1']);
  });

  it('looks again once after a miss, so a kind installed later is found', async () => {
    let now = 0;
    const fake = fakeDiscovery({ 'example.com/v1': [] });
    const mapper = new RestMapper(fake.transport, { now: () => now, refreshAfterMiss: 1000 });
    await expect(mapper.resolve({ apiVersion: 'example.com/v1', kind: 'Widget' })).rejects.toBeInstanceOf(UnknownKindError);
    fake.served['example.com/v1'] = [{ name: 'widgets', namespaced: true, kind: 'Widget', verbs: [] }];
    // Within refreshAfterMiss the cached list answers (no request storm on repeated misses).
    await expect(mapper.resolve({ apiVersion: 'example.com/v1', kind: 'Widget' })).rejects.toThrow('Widget (example.com/v1): example.com/v1 has no kind Widget');
    now = 1500;
    expect(await mapper.resolve({ apiVersion: 'example.com/v1', kind: 'Widget' })).toMatchObject({ plural: 'widgets' });
    expect(fake.requests).toHaveLength(2);
  });

  it('reports an unserved group/version as UnknownKindError, retryable, and does not cache failures', async () => {
    const fake = fakeDiscovery({});
    const mapper = new RestMapper(fake.transport);
    const error = await mapper.resolve({ apiVersion: 'nope.example.com/v1', kind: 'Thing' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnknownKindError);
    expect((error as UnknownKindError).retryable).toBe(true);

    fake.served['apps/v1'] = [deployments];
    fake.failOnce();
    await expect(mapper.resolve({ apiVersion: 'apps/v1', kind: 'Deployment' })).rejects.toBeInstanceOf(ServerError);
    expect(await mapper.resolve({ apiVersion: 'apps/v1', kind: 'Deployment' })).toMatchObject({ plural: 'deployments' });
  });

  it('forgets on invalidate', async () => {
    const fake = fakeDiscovery({ 'apps/v1': [deployments] });
    const mapper = new RestMapper(fake.transport);
    await mapper.resolve({ apiVersion: 'apps/v1', kind: 'Deployment' });
    mapper.invalidate('apps/v1');
    await mapper.resolve({ apiVersion: 'apps/v1', kind: 'Deployment' });
    expect(fake.requests).toHaveLength(2);
    expect(await mapper.apiResources('apps/v1')).toEqual([deployments]);
  });
});
