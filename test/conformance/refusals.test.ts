import { beforeAll, expect, it } from 'vitest';
import { conformance, type RawResponse } from './targets';

const jsonPatch = { 'Content-Type': 'application/json-patch+json' };

/** The parts of a refusal both servers must agree on: code, reason, and which fields the causes name. */
function refusal(response: RawResponse): { status: number; reason: unknown; fields: unknown } {
  const causes = (response.body?.details?.causes ?? []) as { field?: string }[];
  return { status: response.status, reason: response.body?.reason, fields: [...new Set(causes.map((cause) => cause.field))].sort() };
}

conformance('refusals: what kube-apiserver refuses', (target) => {
  let ns: string;
  const configmaps = () => `/api/v1/namespaces/${ns}/configmaps`;
  beforeAll(async () => {
    ns = await target().namespace('refusals');
  });

  it.each([
    ['a kind that is not the resource of the URL', { apiVersion: 'v1', kind: 'Secret' }],
    ['an apiVersion that is not the URL\'s', { apiVersion: 'apps/v1', kind: 'ConfigMap' }],
    ['an unknown version of the group', { apiVersion: 'v2', kind: 'ConfigMap' }],
  ])('refuses a create with %s (400)', async (_what, typeMeta) => {
    const created = await target().request('POST', configmaps(), { ...typeMeta, metadata: { name: 'mismatch' } });
    expect(refusal(created)).toEqual({ status: 400, reason: 'BadRequest', fields: [] });
    expect((await target().request('GET', `${configmaps()}/mismatch`)).status).toBe(404);
  });

  it('refuses an update whose kind is not the resource of the URL (400)', async () => {
    await target().request('POST', configmaps(), { metadata: { name: 'kept-kind' } });
    const read = await target().request('GET', `${configmaps()}/kept-kind`);
    const updated = await target().request('PUT', `${configmaps()}/kept-kind`, { ...read.body, kind: 'Secret' });
    expect(refusal(updated)).toEqual({ status: 400, reason: 'BadRequest', fields: [] });
  });

  it.each([
    ['a label key with a space', { labels: { 'bad key': 'v' } }, ['metadata.labels']],
    ['a label key with two slashes', { labels: { 'a/b/c': 'v' } }, ['metadata.labels']],
    ['a label key whose name part is 64 characters', { labels: { ['k'.repeat(64)]: 'v' } }, ['metadata.labels']],
    ['a label key with an uppercase prefix', { labels: { 'Example.com/key': 'v' } }, ['metadata.labels']],
    ['a label value with a space', { labels: { key: 'bad value' } }, ['metadata.labels']],
    ['a label value of 64 characters', { labels: { key: 'v'.repeat(64) } }, ['metadata.labels']],
    ['a label value ending in a dash', { labels: { key: 'value-' } }, ['metadata.labels']],
    ['an annotation key with a space', { annotations: { 'bad key': 'any value at all' } }, ['metadata.annotations']],
    ['an annotation key with an empty name', { annotations: { 'example.com/': 'v' } }, ['metadata.annotations']],
    ['a finalizer with a space', { finalizers: ['bad finalizer'] }, ['metadata.finalizers', 'metadata.finalizers[0]']],
    ['a finalizer without a domain on a built-in kind', { finalizers: ['cleanup'] }, ['metadata.finalizers[0]']],
    ['a finalizer with two slashes', { finalizers: ['example.com/a/b'] }, ['metadata.finalizers']],
  ])('refuses %s (422)', async (_what, metadata, fields) => {
    const name = `invalid-${Math.random().toString(36).slice(2, 8)}`;
    const created = await target().request('POST', configmaps(), { metadata: { name, ...metadata } });
    expect(refusal(created)).toEqual({ status: 422, reason: 'Invalid', fields });
    expect((await target().request('GET', `${configmaps()}/${name}`)).status).toBe(404);
  });

  it.each([
    ['labels', { labels: { 'example.com/key': 'Value_1.x', k: '' } }],
    ['annotations', { annotations: { 'example.com/any': 'any value: with spaces / and slashes', 'Upper.Case': 'ok' } }],
    ['finalizers', { finalizers: ['example.com/cleanup', 'kubernetes.io/pv-protection'] }],
  ])('accepts valid %s', async (_what, metadata) => {
    const name = `valid-${Math.random().toString(36).slice(2, 8)}`;
    const created = await target().request('POST', configmaps(), { metadata: { name, ...metadata } });
    expect(created.status, created.text).toBe(201);
    if ('finalizers' in metadata) await target().request('PATCH', `${configmaps()}/${name}`, [{ op: 'remove', path: '/metadata/finalizers' }], jsonPatch);
  });

  it('refuses an invalid label added by an update (422)', async () => {
    await target().request('POST', configmaps(), { metadata: { name: 'label-update' } });
    const patched = await target().request('PATCH', `${configmaps()}/label-update`, [{ op: 'add', path: '/metadata/labels', value: { 'bad key': 'v' } }], jsonPatch);
    expect(refusal(patched)).toEqual({ status: 422, reason: 'Invalid', fields: ['metadata.labels'] });
  });

  it('refuses a body over 3 MiB (413) and keeps nothing of it', async () => {
    const created = await target().request('POST', configmaps(), { metadata: { name: 'huge' }, data: { blob: 'x'.repeat(3 * 1024 * 1024 + 100) } });
    expect(refusal(created)).toEqual({ status: 413, reason: 'RequestEntityTooLarge', fields: [] });
    expect((await target().request('GET', `${configmaps()}/huge`)).status).toBe(404);
  });

  it('refuses a JSON patch that removes /metadata/name', async () => {
    await target().request('POST', configmaps(), { metadata: { name: 'named' }, data: { a: '1' } });
    const patched = await target().request('PATCH', `${configmaps()}/named`, [{ op: 'remove', path: '/metadata/name' }, { op: 'replace', path: '/data/a', value: '2' }], jsonPatch);
    expect(refusal(patched)).toEqual({ status: 400, reason: 'BadRequest', fields: [] });
    expect((await target().request('GET', `${configmaps()}/named`)).body.data).toEqual({ a: '1' });
  });

  it('refuses a JSON patch that replaces /kind', async () => {
    await target().request('POST', configmaps(), { metadata: { name: 'kinded' }, data: { a: '1' } });
    const patched = await target().request('PATCH', `${configmaps()}/kinded`, [{ op: 'replace', path: '/kind', value: 'Secret' }, { op: 'replace', path: '/data/a', value: '2' }], jsonPatch);
    expect(refusal(patched)).toEqual({ status: 422, reason: 'Invalid', fields: ['patch'] });
    expect((await target().request('GET', `${configmaps()}/kinded`)).body.data).toEqual({ a: '1' });
  });

  it('keeps a watch from a future resourceVersion silent until the store passes it, then streams what is newer', async () => {
    const list = await target().request('GET', configmaps());
    const future = Number(list.body.metadata.resourceVersion) + 3;
    const watch = await target().watch(`${configmaps()}?watch=true&allowWatchBookmarks=true&labelSelector=group%3Dfuture&resourceVersion=${future}`);
    const created: { name: string; resourceVersion: number }[] = [];
    for (let index = 0; index < 6; index += 1) {
      const answer = await target().request('POST', configmaps(), { metadata: { name: `future-${index}`, labels: { group: 'future' } } });
      created.push({ name: answer.body.metadata.name, resourceVersion: Number(answer.body.metadata.resourceVersion) });
    }
    const expected = created.filter((object) => object.resourceVersion > future).map((object) => `ADDED:${object.name}`);
    expect(expected.length).toBeGreaterThan(0);
    await watch.until((events) => events.filter((event) => event.type === 'ADDED').length >= expected.length);
    watch.stop();
    expect(watch.events.filter((event) => event.type !== 'BOOKMARK').map((event) => `${event.type}:${event.object.metadata.name}`)).toEqual(expected);
    for (const event of watch.events) expect(Number(event.object.metadata.resourceVersion)).toBeGreaterThan(future);
  });
});
