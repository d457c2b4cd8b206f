import { KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';
import { beforeAll, expect, it } from 'vitest';
import { conformance } from './targets';

const merge = { 'Content-Type': 'application/merge-patch+json' };
const json = { 'Content-Type': 'application/json-patch+json' };
const strategic = { 'Content-Type': 'application/strategic-merge-patch+json' };
const apply = { 'Content-Type': 'application/apply-patch+yaml' };

function deployment(name: string, containers: { name: string; image: string; env?: { name: string; value: string }[] }[]) {
  return {
    metadata: { name, labels: { app: name } },
    spec: { replicas: 0, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers } } },
  };
}

conformance('patch and server-side apply', (target) => {
  let ns: string;
  const configmaps = () => `/api/v1/namespaces/${ns}/configmaps`;
  const deployments = () => `/apis/apps/v1/namespaces/${ns}/deployments`;
  const applyPath = (name: string, manager: string, extra = '') => `${configmaps()}/${name}?fieldManager=${manager}${extra}`;
  const configMap = (name: string, data: Record<string, string>, labels?: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...(labels ? { labels } : {}) }, data });
  const entry = (object: any, manager: string, operation = 'Apply') => (object.metadata.managedFields as any[]).find((candidate) => candidate.manager === manager && candidate.operation === operation);

  beforeAll(async () => {
    ns = await target().namespace('patch');
  });

  it('merge-patches data and removes keys set to null', async () => {
    await target().request('POST', configmaps(), { metadata: { name: 'mp' }, data: { a: '1', b: '2' } });
    const { status, body } = await target().request('PATCH', `${configmaps()}/mp`, { data: { a: '10', b: null, c: '3' } }, merge);
    expect(status).toBe(200);
    expect(body.data).toEqual({ a: '10', c: '3' });
  });

  it('merge-patches labels into the existing ones', async () => {
    await target().request('POST', configmaps(), { metadata: { name: 'mp-labels', labels: { keep: 'me' } } });
    const { body } = await target().request('PATCH', `${configmaps()}/mp-labels`, { metadata: { labels: { added: 'yes' } } }, merge);
    expect(body.metadata.labels).toEqual({ keep: 'me', added: 'yes' });
  });

  it('answers 404 for a patch of a missing object', async () => {
    expect((await target().request('PATCH', `${configmaps()}/absent`, { data: {} }, merge)).status).toBe(404);
  });

  it('rejects a merge patch carrying a stale resourceVersion with 409', async () => {
    const created = await target().request('POST', configmaps(), { metadata: { name: 'mp-stale' } });
    await target().request('PATCH', `${configmaps()}/mp-stale`, { data: { x: '1' } }, merge);
    const { status } = await target().request('PATCH', `${configmaps()}/mp-stale`, { metadata: { resourceVersion: created.body.metadata.resourceVersion }, data: { x: '2' } }, merge);
    expect(status).toBe(409);
  });

  it('applies a JSON patch of add, replace and remove', async () => {
    await target().request('POST', configmaps(), { metadata: { name: 'jp' }, data: { a: '1', b: '2' } });
    const { status, body } = await target().request('PATCH', `${configmaps()}/jp`, [
      { op: 'add', path: '/data/c', value: '3' },
      { op: 'replace', path: '/data/a', value: '10' },
      { op: 'remove', path: '/data/b' },
    ], json);
    expect(status).toBe(200);
    expect(body.data).toEqual({ a: '10', c: '3' });
  });

  it('answers 422 when a JSON patch test operation fails, changing nothing', async () => {
    await target().request('POST', configmaps(), { metadata: { name: 'jp-test' }, data: { a: '1' } });
    const { status } = await target().request('PATCH', `${configmaps()}/jp-test`, [
      { op: 'test', path: '/data/a', value: 'other' },
      { op: 'replace', path: '/data/a', value: '2' },
    ], json);
    expect(status).toBe(422);
    expect((await target().request('GET', `${configmaps()}/jp-test`)).body.data).toEqual({ a: '1' });
  });

  it('strategic-merges containers by name', async () => {
    await target().request('POST', deployments(), deployment('smp', [{ name: 'app', image: 'example.com/app:1' }, { name: 'side', image: 'example.com/side:1' }]));
    const { status, body } = await target().request('PATCH', `${deployments()}/smp`, { spec: { template: { spec: { containers: [{ name: 'app', image: 'example.com/app:2' }] } } } }, strategic);
    expect(status).toBe(200);
    expect((body.spec.template.spec.containers as any[]).map((container) => `${container.name}=${container.image}`)).toEqual(['app=example.com/app:2', 'side=example.com/side:1']);
  });

  it('strategic-merges env entries by name', async () => {
    await target().request('POST', deployments(), deployment('smp-env', [{ name: 'app', image: 'example.com/app:1', env: [{ name: 'A', value: '1' }] }]));
    const { body } = await target().request('PATCH', `${deployments()}/smp-env`, { spec: { template: { spec: { containers: [{ name: 'app', env: [{ name: 'B', value: '2' }] }] } } } }, strategic);
    expect((body.spec.template.spec.containers[0].env as any[]).map((env) => env.name).sort()).toEqual(['A', 'B']);
  });

  it('deletes a container with $patch: delete', async () => {
    await target().request('POST', deployments(), deployment('smp-delete', [{ name: 'app', image: 'example.com/app:1' }, { name: 'side', image: 'example.com/side:1' }]));
    const { body } = await target().request('PATCH', `${deployments()}/smp-delete`, { spec: { template: { spec: { containers: [{ name: 'side', $patch: 'delete' }] } } } }, strategic);
    expect((body.spec.template.spec.containers as any[]).map((container) => container.name)).toEqual(['app']);
  });

  it('answers 415 for a strategic merge patch of a custom resource kind', async () => {
    // CustomResourceDefinitions are built in; their instances are not: use the CRD collection's 415 path via a CR in the CRD suite.
    const { status } = await target().request('PATCH', `${configmaps()}/mp`, { data: {} }, { 'Content-Type': 'application/x-unknown-patch' });
    expect(status).toBe(415);
  });

  it('creates an object with server-side apply and records the manager as Apply', async () => {
    const { status, body } = await target().request('PATCH', applyPath('applied', 'alice'), configMap('applied', { owned: 'yes' }), apply);
    expect(status).toBe(201);
    expect(body.data).toEqual({ owned: 'yes' });
    expect(entry(body, 'alice')).toMatchObject({ operation: 'Apply', apiVersion: 'v1', fieldsType: 'FieldsV1' });
    expect(entry(body, 'alice').fieldsV1['f:data']['f:owned']).toEqual({});
  });

  it('takes a YAML apply body', async () => {
    const yaml = ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: yaml-applied', 'data:', '  from: yaml', ''].join('\n');
    const { status, body } = await target().request('PATCH', applyPath('yaml-applied', 'yaml-user'), yaml, apply);
    expect(status).toBe(201);
    expect(body.data).toEqual({ from: 'yaml' });
  });

  it('answers 200 for an apply that updates an existing object', async () => {
    await target().request('PATCH', applyPath('reapplied', 'alice'), configMap('reapplied', { v: '1' }), apply);
    const { status, body } = await target().request('PATCH', applyPath('reapplied', 'alice'), configMap('reapplied', { v: '2' }), apply);
    expect(status).toBe(200);
    expect(body.data).toEqual({ v: '2' });
  });

  it('keeps the resourceVersion when the same configuration is applied again', async () => {
    const first = await target().request('PATCH', applyPath('idempotent', 'alice'), configMap('idempotent', { v: '1' }), apply);
    const second = await target().request('PATCH', applyPath('idempotent', 'alice'), configMap('idempotent', { v: '1' }), apply);
    expect(second.body.metadata.resourceVersion).toBe(first.body.metadata.resourceVersion);
  });

  it('answers 409 Conflict when another manager applies a different value', async () => {
    await target().request('PATCH', applyPath('contested', 'alice'), configMap('contested', { key: 'alice' }), apply);
    const { status, body } = await target().request('PATCH', applyPath('contested', 'bob'), configMap('contested', { key: 'bob' }), apply);
    expect(status).toBe(409);
    expect(body.reason).toBe('Conflict');
    expect(body.message).toContain('conflict with "alice"');
    expect(body.details.causes).toEqual([expect.objectContaining({ reason: 'FieldManagerConflict', field: '.data.key' })]);
  });

  it('takes over a field with force and removes it from the previous owner', async () => {
    await target().request('PATCH', applyPath('forced', 'alice'), configMap('forced', { key: 'alice', other: 'x' }), apply);
    const { status, body } = await target().request('PATCH', applyPath('forced', 'bob', '&force=true'), configMap('forced', { key: 'bob' }), apply);
    expect(status).toBe(200);
    expect(body.data).toEqual({ key: 'bob', other: 'x' });
    expect(entry(body, 'bob').fieldsV1['f:data']).toHaveProperty('f:key');
    expect(entry(body, 'alice').fieldsV1['f:data']).not.toHaveProperty('f:key');
  });

  it('shares a field between managers applying the same value', async () => {
    await target().request('PATCH', applyPath('shared', 'alice'), configMap('shared', { key: 'same' }), apply);
    const { status, body } = await target().request('PATCH', applyPath('shared', 'bob'), configMap('shared', { key: 'same' }), apply);
    expect(status).toBe(200);
    expect(entry(body, 'alice').fieldsV1['f:data']).toHaveProperty('f:key');
    expect(entry(body, 'bob').fieldsV1['f:data']).toHaveProperty('f:key');
  });

  it('removes a field its only manager stops applying', async () => {
    await target().request('PATCH', applyPath('shrinking', 'alice'), configMap('shrinking', { keep: '1', drop: '2' }), apply);
    const { body } = await target().request('PATCH', applyPath('shrinking', 'alice'), configMap('shrinking', { keep: '1' }), apply);
    expect(body.data).toEqual({ keep: '1' });
  });

  it('keeps a field another manager still applies when one stops', async () => {
    await target().request('PATCH', applyPath('co-owned', 'alice'), configMap('co-owned', { both: 'v' }), apply);
    await target().request('PATCH', applyPath('co-owned', 'bob'), configMap('co-owned', { both: 'v' }), apply);
    const { body } = await target().request('PATCH', applyPath('co-owned', 'alice'), configMap('co-owned', { mine: 'a' }), apply);
    expect(body.data).toEqual({ both: 'v', mine: 'a' });
  });

  it('removes a label its manager stops applying', async () => {
    await target().request('PATCH', applyPath('labels', 'alice'), configMap('labels', {}, { a: '1', b: '2' }), apply);
    const { body } = await target().request('PATCH', applyPath('labels', 'alice'), configMap('labels', {}, { a: '1' }), apply);
    expect(body.metadata.labels).toEqual({ a: '1' });
  });

  it('conflicts with a manager that changed the field through an update', async () => {
    await target().request('PATCH', applyPath('updated', 'alice'), configMap('updated', { key: 'alice' }), apply);
    await target().request('PATCH', `${configmaps()}/updated?fieldManager=editor`, { data: { key: 'edited' } }, merge);
    const { status, body } = await target().request('PATCH', applyPath('updated', 'alice'), configMap('updated', { key: 'alice' }), apply);
    expect(status).toBe(409);
    expect(body.message).toContain('conflict with "editor"');
  });

  it('records an update manager with operation Update for the fields it changed', async () => {
    await target().request('PATCH', applyPath('edited', 'alice'), configMap('edited', { key: 'alice' }), apply);
    const { body } = await target().request('PATCH', `${configmaps()}/edited?fieldManager=editor`, { data: { extra: 'e' } }, merge);
    expect(entry(body, 'editor', 'Update').fieldsV1['f:data']).toEqual({ 'f:extra': {} });
  });

  it('does not store a dry-run apply', async () => {
    const { status } = await target().request('PATCH', applyPath('dry-apply', 'alice', '&dryRun=All'), configMap('dry-apply', { a: '1' }), apply);
    expect(status).toBe(201);
    expect((await target().request('GET', `${configmaps()}/dry-apply`)).status).toBe(404);
  });

  it('requires a fieldManager for apply', async () => {
    const { status } = await target().request('PATCH', `${configmaps()}/no-manager`, configMap('no-manager', {}), apply);
    expect(status).toBe(422);
  });

  it('rejects an apply whose kind does not match the URL', async () => {
    const { status } = await target().request('PATCH', applyPath('wrong-kind', 'alice'), { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'wrong-kind' } }, apply);
    expect(status).toBe(400);
  });

  it('applies a Deployment, merging containers by name across managers', async () => {
    const path = `${deployments()}/ssa-deploy?fieldManager=alice`;
    const base = { apiVersion: 'apps/v1', kind: 'Deployment', ...deployment('ssa-deploy', [{ name: 'app', image: 'example.com/app:1' }]) };
    expect((await target().request('PATCH', path, base, apply)).status).toBe(201);
    const sidecar = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'ssa-deploy' }, spec: { template: { spec: { containers: [{ name: 'side', image: 'example.com/side:1' }] } } } };
    const { status, body } = await target().request('PATCH', `${deployments()}/ssa-deploy?fieldManager=bob`, sidecar, apply);
    expect(status).toBe(200);
    expect((body.spec.template.spec.containers as any[]).map((container) => container.name).sort()).toEqual(['app', 'side']);
  });

  it('works through client-node KubernetesObjectApi.patch with ServerSideApply', async () => {
    const objects = KubernetesObjectApi.makeApiClient(target().kubeConfig());
    const applied = await objects.patch(
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'client-applied', namespace: ns }, data: { via: 'client-node' } },
      undefined, undefined, 'weft-test', true, PatchStrategy.ServerSideApply,
    );
    expect((applied as any).data).toEqual({ via: 'client-node' });
    expect(((applied as any).metadata.managedFields as any[]).map((candidate) => candidate.manager)).toContain('weft-test');
  });
});
