import { beforeAll, expect, it } from 'vitest';
import { conformance } from './targets';

const fixtures: [name: string, labels: Record<string, string>][] = [
  ['alpha', { set: 'sel', tier: 'front', env: 'prod', weight: '3' }],
  ['beta', { set: 'sel', tier: 'back', env: 'prod', weight: '7' }],
  ['gamma', { set: 'sel', tier: 'front', env: 'dev' }],
  ['delta', { set: 'sel', env: 'test', legacy: 'true' }],
];

const labelCases: [selector: string, expected: string[]][] = [
  ['set=sel,tier=front', ['alpha', 'gamma']],
  ['set=sel,tier==back', ['beta']],
  ['set=sel,tier!=front', ['beta', 'delta']],
  ['set=sel,env in (prod,test)', ['alpha', 'beta', 'delta']],
  ['set=sel,env notin (prod)', ['delta', 'gamma']],
  ['set=sel,legacy', ['delta']],
  ['set=sel,!legacy', ['alpha', 'beta', 'gamma']],
  ['set=sel,tier', ['alpha', 'beta', 'gamma']],
  ['set=sel,!tier', ['delta']],
  ['set=sel,weight>5', ['beta']],
  ['set=sel,weight<5', ['alpha']],
  ['set=sel,tier in (front),env=dev', ['gamma']],
  ['set=sel,tier notin (front,back)', ['delta']],
  ['set=sel, env = prod ', ['alpha', 'beta']],
  ['set=none', []],
];

conformance('label and field selectors, limit and continue', (target) => {
  let ns: string;
  const configmaps = () => `/api/v1/namespaces/${ns}/configmaps`;
  const names = (body: any) => (body.items as any[]).map((item) => item.metadata.name).sort();

  beforeAll(async () => {
    ns = await target().namespace('selectors');
    for (const [name, labels] of fixtures) await target().request('POST', configmaps(), { metadata: { name, labels } });
    for (let index = 0; index < 5; index += 1) await target().request('POST', configmaps(), { metadata: { name: `page-${index}`, labels: { set: 'page' } } });
  });

  it.each(labelCases)('lists with labelSelector %j', async (selector, expected) => {
    const { status, body } = await target().request('GET', `${configmaps()}?labelSelector=${encodeURIComponent(selector)}`);
    expect(status).toBe(200);
    expect(names(body)).toEqual(expected);
  });

  it.each(['tier in front', 'tier=(x', '=value', 'a,,b'])('answers 400 BadRequest for the malformed selector %j', async (selector) => {
    const { status, body } = await target().request('GET', `${configmaps()}?labelSelector=${encodeURIComponent(selector)}`);
    expect(status).toBe(400);
    expect(body.reason).toBe('BadRequest');
  });

  it('lists with fieldSelector metadata.name', async () => {
    const { body } = await target().request('GET', `${configmaps()}?fieldSelector=metadata.name%3Dbeta`);
    expect(names(body)).toEqual(['beta']);
  });

  it('lists with fieldSelector metadata.name!= combined with a label selector', async () => {
    const { body } = await target().request('GET', `${configmaps()}?labelSelector=set%3Dsel&fieldSelector=metadata.name!%3Dbeta`);
    expect(names(body)).toEqual(['alpha', 'delta', 'gamma']);
  });

  it('lists across namespaces with fieldSelector metadata.namespace', async () => {
    const { body } = await target().request('GET', `/api/v1/configmaps?labelSelector=set%3Dsel&fieldSelector=metadata.namespace%3D${ns}`);
    expect(names(body)).toEqual(['alpha', 'beta', 'delta', 'gamma']);
  });

  it('answers 400 for a field the kind does not index', async () => {
    const { status, body } = await target().request('GET', `${configmaps()}?fieldSelector=data.key%3Dx`);
    expect(status).toBe(400);
    expect(body.message).toBe('"data.key" is not a known field selector: only "metadata.name", "metadata.namespace"');
  });

  it('selects Secrets by type', async () => {
    await target().request('POST', `/api/v1/namespaces/${ns}/secrets`, { metadata: { name: 'tls-one', labels: { set: 'secret' } }, type: 'example.com/custom', data: {} });
    await target().request('POST', `/api/v1/namespaces/${ns}/secrets`, { metadata: { name: 'opaque-one', labels: { set: 'secret' } }, data: {} });
    const { body } = await target().request('GET', `/api/v1/namespaces/${ns}/secrets?labelSelector=set%3Dsecret&fieldSelector=type%3Dexample.com%2Fcustom`);
    expect(names(body)).toEqual(['tls-one']);
  });

  it('returns items sorted by name', async () => {
    const { body } = await target().request('GET', `${configmaps()}?labelSelector=set%3Dsel`);
    expect((body.items as any[]).map((item) => item.metadata.name)).toEqual(['alpha', 'beta', 'delta', 'gamma']);
  });

  it('gives the list a resourceVersion and its kind', async () => {
    const { body } = await target().request('GET', `${configmaps()}?labelSelector=set%3Dsel`);
    expect(body.kind).toBe('ConfigMapList');
    expect(body.apiVersion).toBe('v1');
    expect(body.metadata.resourceVersion).toMatch(/^\d+$/);
  });

  it('pages with limit and continue until the list is done', async () => {
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const query = `labelSelector=set%3Dpage&limit=2${token ? `&continue=${encodeURIComponent(token)}` : ''}`;
      const { body } = await target().request('GET', `${configmaps()}?${query}`);
      seen.push(...(body.items as any[]).map((item) => item.metadata.name));
      token = body.metadata.continue || undefined;
      pages += 1;
    } while (token);
    expect(pages).toBe(3);
    expect(seen).toEqual(['page-0', 'page-1', 'page-2', 'page-3', 'page-4']);
  });

  it('tells how many items remain on a page without selectors', async () => {
    const all = await target().request('GET', configmaps());
    const { body } = await target().request('GET', `${configmaps()}?limit=1`);
    expect(body.items).toHaveLength(1);
    expect(body.metadata.remainingItemCount).toBe(all.body.items.length - 1);
  });

  it('sets no continue token on the last page', async () => {
    const { body } = await target().request('GET', `${configmaps()}?labelSelector=set%3Dpage&limit=10`);
    expect(body.items).toHaveLength(5);
    expect(body.metadata.continue).toBeUndefined();
  });

  it('answers 400 for a garbled continue token', async () => {
    const { status } = await target().request('GET', `${configmaps()}?limit=1&continue=not-a-token`);
    expect(status).toBe(400);
  });

  it('deletes a collection by label selector and leaves the rest', async () => {
    for (const name of ['dc-1', 'dc-2']) await target().request('POST', configmaps(), { metadata: { name, labels: { set: 'doomed' } } });
    const { status } = await target().request('DELETE', `${configmaps()}?labelSelector=set%3Ddoomed`);
    expect(status).toBe(200);
    expect(names((await target().request('GET', `${configmaps()}?labelSelector=set%3Ddoomed`)).body)).toEqual([]);
    expect(names((await target().request('GET', `${configmaps()}?labelSelector=set%3Dsel`)).body)).toHaveLength(4);
  });
});
