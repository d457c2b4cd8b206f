import { beforeAll, expect, it } from 'vitest';
import { eventually } from '@weft/testkit';
import { conformance } from './targets';

const merge = { 'Content-Type': 'application/merge-patch+json' };

conformance('deletion: finalizers, garbage collection, namespaces', (target) => {
  let ns: string;
  const configmaps = () => `/api/v1/namespaces/${ns}/configmaps`;
  const exists = async (path: string) => (await target().request('GET', path)).status === 200;
  const owned = (owner: any, block = false) => ({ apiVersion: 'v1', kind: 'ConfigMap', name: owner.metadata.name, uid: owner.metadata.uid, ...(block ? { blockOwnerDeletion: true } : {}) });

  beforeAll(async () => {
    ns = await target().namespace('deletion');
  });

  it('keeps an object with a finalizer, marked with deletionTimestamp, until the finalizer is removed', async () => {
    await target().request('POST', configmaps(), { metadata: { name: 'held', finalizers: ['example.com/hold'] } });
    const deleted = await target().request('DELETE', `${configmaps()}/held`);
    expect(deleted.status).toBe(200);
    expect(deleted.body.metadata.deletionTimestamp).toMatch(/Z$/);
    expect(deleted.body.metadata.deletionGracePeriodSeconds).toBe(0);
    expect(deleted.body.metadata.finalizers).toEqual(['example.com/hold']);
    expect(await exists(`${configmaps()}/held`)).toBe(true);
    await target().request('PATCH', `${configmaps()}/held`, { metadata: { finalizers: null } }, merge);
    expect(await exists(`${configmaps()}/held`)).toBe(false);
  });

  it('answers a second delete of a held object with the object, deletionTimestamp unchanged', async () => {
    await target().request('POST', configmaps(), { metadata: { name: 'held-twice', finalizers: ['example.com/hold'] } });
    const first = await target().request('DELETE', `${configmaps()}/held-twice`);
    const second = await target().request('DELETE', `${configmaps()}/held-twice`);
    expect(second.status).toBe(200);
    expect(second.body.metadata.deletionTimestamp).toBe(first.body.metadata.deletionTimestamp);
    await target().request('PATCH', `${configmaps()}/held-twice`, { metadata: { finalizers: null } }, merge);
  });

  it('refuses new finalizers on an object being deleted with 422', async () => {
    await target().request('POST', configmaps(), { metadata: { name: 'no-new', finalizers: ['example.com/a'] } });
    await target().request('DELETE', `${configmaps()}/no-new`);
    const { status } = await target().request('PATCH', `${configmaps()}/no-new`, { metadata: { finalizers: ['example.com/a', 'example.com/b'] } }, merge);
    expect(status).toBe(422);
    await target().request('PATCH', `${configmaps()}/no-new`, { metadata: { finalizers: null } }, merge);
  });

  it('still allows updates to other fields of an object being deleted', async () => {
    await target().request('POST', configmaps(), { metadata: { name: 'editable', finalizers: ['example.com/a'] } });
    await target().request('DELETE', `${configmaps()}/editable`);
    const { status, body } = await target().request('PATCH', `${configmaps()}/editable`, { data: { still: 'here' } }, merge);
    expect(status).toBe(200);
    expect(body.data).toEqual({ still: 'here' });
    await target().request('PATCH', `${configmaps()}/editable`, { metadata: { finalizers: null } }, merge);
  });

  it('shows a held deletion to watchers as MODIFIED, then DELETED when released', async () => {
    await target().request('POST', configmaps(), { metadata: { name: 'watched-hold', labels: { hold: 'watch' }, finalizers: ['example.com/hold'] } });
    const watch = await target().watch(`${configmaps()}?watch=true&labelSelector=hold%3Dwatch`);
    await watch.until((events) => events.length >= 1);
    await target().request('DELETE', `${configmaps()}/watched-hold`);
    await target().request('PATCH', `${configmaps()}/watched-hold`, { metadata: { finalizers: null } }, merge);
    await watch.until((events) => events.some((event) => event.type === 'DELETED'));
    watch.stop();
    expect(watch.events.map((event) => event.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
    expect(watch.events[1]!.object.metadata.deletionTimestamp).toBeDefined();
  });

  it('fails a delete whose uid precondition does not match with 409', async () => {
    await target().request('POST', configmaps(), { metadata: { name: 'pre-uid' } });
    const { status, body } = await target().request('DELETE', `${configmaps()}/pre-uid`, { preconditions: { uid: '00000000-0000-0000-0000-000000000000' } });
    expect(status).toBe(409);
    expect(body.message).toMatch(/^Operation cannot be fulfilled on ConfigMap "pre-uid": the UID in the precondition \(00000000-0000-0000-0000-000000000000\) does not match the UID in record \([0-9a-f-]{36}\)\. The object might have been deleted and then recreated$/);
    expect(body.details).toEqual({ name: 'pre-uid', kind: 'ConfigMap' });
    expect(await exists(`${configmaps()}/pre-uid`)).toBe(true);
  });

  it('fails a delete whose resourceVersion precondition is stale with 409', async () => {
    const created = await target().request('POST', configmaps(), { metadata: { name: 'pre-rv' } });
    await target().request('PATCH', `${configmaps()}/pre-rv`, { data: { a: 'b' } }, merge);
    const { status } = await target().request('DELETE', `${configmaps()}/pre-rv`, { preconditions: { resourceVersion: created.body.metadata.resourceVersion } });
    expect(status).toBe(409);
  });

  it('deletes when the preconditions match', async () => {
    const created = await target().request('POST', configmaps(), { metadata: { name: 'pre-ok' } });
    const { status } = await target().request('DELETE', `${configmaps()}/pre-ok`, { preconditions: { uid: created.body.metadata.uid, resourceVersion: created.body.metadata.resourceVersion } });
    expect(status).toBe(200);
    expect(await exists(`${configmaps()}/pre-ok`)).toBe(false);
  });

  it('marks a foreground deletion with the foregroundDeletion finalizer, then deletes', async () => {
    await target().request('POST', configmaps(), { metadata: { name: 'fg-alone' } });
    const { status, body } = await target().request('DELETE', `${configmaps()}/fg-alone`, { propagationPolicy: 'Foreground' });
    expect(status).toBe(200);
    expect(body.metadata.finalizers).toEqual(['foregroundDeletion']);
    expect(body.metadata.deletionTimestamp).toBeDefined();
    await eventually('foreground-deleted owner gone', async () => !(await exists(`${configmaps()}/fg-alone`)));
  });

  it('deletes dependents before the owner in a foreground deletion', async () => {
    const owner = (await target().request('POST', configmaps(), { metadata: { name: 'fg-owner' } })).body;
    await target().request('POST', configmaps(), { metadata: { name: 'fg-child', ownerReferences: [owned(owner, true)] } });
    await target().request('DELETE', `${configmaps()}/fg-owner`, { propagationPolicy: 'Foreground' });
    await eventually('dependent gone', async () => !(await exists(`${configmaps()}/fg-child`)));
    await eventually('owner gone', async () => !(await exists(`${configmaps()}/fg-owner`)));
  });

  it('takes the propagation policy from the query too', async () => {
    await target().request('POST', configmaps(), { metadata: { name: 'fg-query' } });
    const { body } = await target().request('DELETE', `${configmaps()}/fg-query?propagationPolicy=Foreground`);
    expect(body.metadata.finalizers).toEqual(['foregroundDeletion']);
    await eventually('owner gone', async () => !(await exists(`${configmaps()}/fg-query`)));
  });

  it('deletes the owner at once and its dependents afterwards in a background deletion', async () => {
    const owner = (await target().request('POST', configmaps(), { metadata: { name: 'bg-owner' } })).body;
    await target().request('POST', configmaps(), { metadata: { name: 'bg-child', ownerReferences: [owned(owner)] } });
    const { status, body } = await target().request('DELETE', `${configmaps()}/bg-owner`, { propagationPolicy: 'Background' });
    expect(status).toBe(200);
    expect(body.kind).toBe('Status');
    await eventually('dependent collected', async () => !(await exists(`${configmaps()}/bg-child`)));
  });

  it('collects dependents by default (background) across kinds', async () => {
    const owner = (await target().request('POST', configmaps(), { metadata: { name: 'default-owner' } })).body;
    await target().request('POST', `/api/v1/namespaces/${ns}/secrets`, { metadata: { name: 'default-child', ownerReferences: [owned(owner)] } });
    await target().request('DELETE', `${configmaps()}/default-owner`);
    await eventually('secret collected', async () => !(await exists(`/api/v1/namespaces/${ns}/secrets/default-child`)));
  });

  it('orphans dependents: the owner goes, the dependents stay without the reference', async () => {
    const owner = (await target().request('POST', configmaps(), { metadata: { name: 'orphan-owner' } })).body;
    await target().request('POST', configmaps(), { metadata: { name: 'orphan-child', ownerReferences: [owned(owner)] } });
    const { body } = await target().request('DELETE', `${configmaps()}/orphan-owner`, { propagationPolicy: 'Orphan' });
    expect(body.metadata.finalizers).toEqual(['orphan']);
    await eventually('owner gone', async () => !(await exists(`${configmaps()}/orphan-owner`)));
    await eventually('reference removed', async () => (await target().request('GET', `${configmaps()}/orphan-child`)).body.metadata.ownerReferences === undefined);
    expect(await exists(`${configmaps()}/orphan-child`)).toBe(true);
  });

  it('keeps a dependent that still has another owner', async () => {
    const first = (await target().request('POST', configmaps(), { metadata: { name: 'owner-a' } })).body;
    const second = (await target().request('POST', configmaps(), { metadata: { name: 'owner-b' } })).body;
    await target().request('POST', configmaps(), { metadata: { name: 'two-owners', ownerReferences: [owned(first), owned(second)] } });
    await target().request('DELETE', `${configmaps()}/owner-a`);
    await eventually('dangling reference removed', async () => {
      const { body } = await target().request('GET', `${configmaps()}/two-owners`);
      return body.metadata?.ownerReferences?.length === 1;
    });
    const { body } = await target().request('GET', `${configmaps()}/two-owners`);
    expect(body.metadata.ownerReferences[0].name).toBe('owner-b');
  });

  it('collects a dependent whose owner never existed', async () => {
    const ghost = { metadata: { name: 'ghost', uid: '11111111-2222-3333-4444-555555555555' } };
    await target().request('POST', configmaps(), { metadata: { name: 'ghost-child', ownerReferences: [owned(ghost)] } });
    await eventually('ghost child collected', async () => !(await exists(`${configmaps()}/ghost-child`)));
  });

  it('terminates a namespace: phase Terminating, then its objects and itself are gone', async () => {
    const doomed = await target().namespace('doomed');
    await target().request('POST', `/api/v1/namespaces/${doomed}/configmaps`, { metadata: { name: 'inside' } });
    const { status, body } = await target().request('DELETE', `/api/v1/namespaces/${doomed}`);
    expect(status).toBe(200);
    expect(body.metadata.deletionTimestamp).toBeDefined();
    expect(body.status.phase).toBe('Terminating');
    await eventually('namespace gone', async () => (await target().request('GET', `/api/v1/namespaces/${doomed}`)).status === 404);
    expect((await target().request('GET', `/api/v1/namespaces/${doomed}/configmaps/inside`)).status).toBe(404);
  });

  it('refuses new objects in a terminating namespace with 403 Forbidden', async () => {
    const closing = await target().namespace('closing');
    await target().request('POST', `/api/v1/namespaces/${closing}/configmaps`, { metadata: { name: 'anchor', finalizers: ['example.com/hold'] } });
    await target().request('DELETE', `/api/v1/namespaces/${closing}`);
    const { status, body } = await target().request('POST', `/api/v1/namespaces/${closing}/configmaps`, { metadata: { name: 'late' } });
    expect(status).toBe(403);
    expect(body.reason).toBe('Forbidden');
    expect(body.message).toContain(`unable to create new content in namespace ${closing} because it is being terminated`);
    await eventually('anchor marked', async () => (await target().request('GET', `/api/v1/namespaces/${closing}/configmaps/anchor`)).body.metadata?.deletionTimestamp !== undefined);
    await target().request('PATCH', `/api/v1/namespaces/${closing}/configmaps/anchor`, { metadata: { finalizers: null } }, merge);
    await eventually('namespace gone', async () => (await target().request('GET', `/api/v1/namespaces/${closing}`)).status === 404);
  });

  it('changes a namespace spec.finalizers only through /finalize', async () => {
    const name = await target().namespace('finalize');
    const current = (await target().request('GET', `/api/v1/namespaces/${name}`)).body;
    const ignored = await target().request('PUT', `/api/v1/namespaces/${name}`, { ...current, spec: { finalizers: [] } });
    expect(ignored.status).toBe(200);
    expect(ignored.body.spec.finalizers).toEqual(['kubernetes']);
    const finalized = await target().request('PUT', `/api/v1/namespaces/${name}/finalize`, { ...current, spec: { finalizers: [] } });
    expect(finalized.status).toBe(200);
    expect(finalized.body.spec.finalizers).toBeUndefined();
  });

  it('deletes a collection, keeping objects with finalizers until released', async () => {
    await target().request('POST', configmaps(), { metadata: { name: 'col-free', labels: { col: 'x' } } });
    await target().request('POST', configmaps(), { metadata: { name: 'col-held', labels: { col: 'x' }, finalizers: ['example.com/hold'] } });
    const { status } = await target().request('DELETE', `${configmaps()}?labelSelector=col%3Dx`);
    expect(status).toBe(200);
    expect(await exists(`${configmaps()}/col-free`)).toBe(false);
    expect((await target().request('GET', `${configmaps()}/col-held`)).body.metadata.deletionTimestamp).toBeDefined();
    await target().request('PATCH', `${configmaps()}/col-held`, { metadata: { finalizers: null } }, merge);
  });
});
