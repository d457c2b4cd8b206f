import { beforeAll, expect, it } from 'vitest';
import { conformance } from './targets';

const merge = { 'Content-Type': 'application/merge-patch+json' };
const strategic = { 'Content-Type': 'application/strategic-merge-patch+json' };
const apply = { 'Content-Type': 'application/apply-patch+yaml' };

function deployment(name: string, replicas?: number) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      ...(replicas === undefined ? {} : { replicas }),
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', image: 'example.com/app:1', ports: [{ containerPort: 80 }] }] } },
    },
  };
}

conformance('scale and status subresources; list keys', (target) => {
  let ns: string;
  const deployments = () => `/apis/apps/v1/namespaces/${ns}/deployments`;
  beforeAll(async () => {
    ns = await target().namespace('subresources');
  });

  it('reads a Deployment scale as autoscaling/v1 Scale with the selector as a string', async () => {
    await target().request('POST', deployments(), deployment('scale-read', 0));
    const { status, body } = await target().request('GET', `${deployments()}/scale-read/scale`);
    expect(status).toBe(200);
    // Zero replicas: Scale.spec.replicas is omitempty.
    expect(body).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', metadata: { name: 'scale-read', namespace: ns }, spec: {}, status: { replicas: 0, selector: 'app=scale-read' } });
    expect(body.spec.replicas).toBeUndefined();
  });

  it('writes replicas through PUT on scale and bumps generation', async () => {
    await target().request('POST', deployments(), deployment('scale-put', 0));
    // Unconditional: the real cluster's deployment controller writes status meanwhile.
    const scale = { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'scale-put', namespace: ns }, spec: { replicas: 1 } };
    const { status, body } = await target().request('PUT', `${deployments()}/scale-put/scale`, scale);
    expect(status).toBe(200);
    expect(body.spec.replicas).toBe(1);
    const patched = await target().request('PATCH', `${deployments()}/scale-put/scale`, { spec: { replicas: 2 } }, merge);
    expect(patched.body.spec.replicas).toBe(2);
    const object = (await target().request('GET', `${deployments()}/scale-put`)).body;
    expect(object.spec.replicas).toBe(2);
    expect(object.metadata.generation).toBe(3);
  });

  it('rejects a scale write with a stale resourceVersion with 409', async () => {
    await target().request('POST', deployments(), deployment('scale-stale', 0));
    const scale = (await target().request('GET', `${deployments()}/scale-stale/scale`)).body;
    await target().request('PATCH', `${deployments()}/scale-stale`, { metadata: { labels: { bump: 'yes' } } }, merge);
    const { status } = await target().request('PUT', `${deployments()}/scale-stale/scale`, { ...scale, spec: { replicas: 1 } });
    expect(status).toBe(409);
  });

  it('rejects negative replicas on scale with 422', async () => {
    await target().request('POST', deployments(), deployment('scale-negative', 0));
    const { status, body } = await target().request('PATCH', `${deployments()}/scale-negative/scale`, { spec: { replicas: -1 } }, merge);
    expect(status).toBe(422);
    expect(body.reason).toBe('Invalid');
  });

  it('answers 404 for a subresource the kind does not have', async () => {
    await target().request('POST', `/api/v1/namespaces/${ns}/configmaps`, { metadata: { name: 'plain' } });
    expect((await target().request('GET', `/api/v1/namespaces/${ns}/configmaps/plain/scale`)).status).toBe(404);
    expect((await target().request('GET', `/api/v1/namespaces/${ns}/configmaps/plain/status`)).status).toBe(404);
  });

  it('answers 404 for the scale of a missing Deployment', async () => {
    expect((await target().request('GET', `${deployments()}/no-such/scale`)).status).toBe(404);
  });

  it('reads a Deployment through /status as the whole object', async () => {
    await target().request('POST', deployments(), deployment('status-read', 0));
    const { status, body } = await target().request('GET', `${deployments()}/status-read/status`);
    expect(status).toBe(200);
    expect(body.kind).toBe('Deployment');
    expect(body.spec.replicas).toBe(0);
  });

  it('ignores spec in a Deployment status write', async () => {
    await target().request('POST', deployments(), deployment('status-write', 0));
    const { status, body } = await target().request('PATCH', `${deployments()}/status-write/status`, { spec: { replicas: 5 }, status: { observedGeneration: 1 } }, merge);
    expect(status).toBe(200);
    expect(body.spec.replicas).toBe(0);
    expect(body.metadata.generation).toBe(1);
  });

  it('strategic-merges container ports by containerPort', async () => {
    await target().request('POST', deployments(), deployment('ports', 0));
    const { body } = await target().request('PATCH', `${deployments()}/ports`, { spec: { template: { spec: { containers: [{ name: 'main', ports: [{ containerPort: 8080, name: 'alt' }] }] } } } }, strategic);
    expect((body.spec.template.spec.containers[0].ports as any[]).map((port) => port.containerPort).sort()).toEqual([80, 8080]);
  });

  it('replaces args, a list without a merge key, in a strategic merge patch', async () => {
    const created = deployment('args', 0);
    (created.spec.template.spec.containers[0] as any).args = ['--a', '--b'];
    await target().request('POST', deployments(), created);
    const { body } = await target().request('PATCH', `${deployments()}/args`, { spec: { template: { spec: { containers: [{ name: 'main', args: ['--c'] }] } } } }, strategic);
    expect(body.spec.template.spec.containers[0].args).toEqual(['--c']);
  });

  it('keys container ports by containerPort and protocol in server-side apply', async () => {
    const applied = await target().request('PATCH', `${deployments()}/ssa-ports?fieldManager=alice`, deployment('ssa-ports', 0), apply);
    expect(applied.status).toBe(201);
    const entry = (applied.body.metadata.managedFields as any[]).find((candidate) => candidate.manager === 'alice');
    const container = entry.fieldsV1['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"main"}'];
    expect(Object.keys(container['f:ports'])).toContain('k:{"containerPort":80,"protocol":"TCP"}');
  });

  it('lets server-side apply own replicas, and a scale write take them over', async () => {
    await target().request('PATCH', `${deployments()}/ssa-scale?fieldManager=alice`, deployment('ssa-scale', 1), apply);
    await target().request('PATCH', `${deployments()}/ssa-scale/scale?fieldManager=scaler`, { spec: { replicas: 3 } }, merge);
    const { status, body } = await target().request('PATCH', `${deployments()}/ssa-scale?fieldManager=alice`, deployment('ssa-scale', 1), apply);
    expect(status).toBe(409);
    expect(body.message).toBe('Apply failed with 1 conflict: conflict with "scaler" with subresource "scale" using apps/v1: .spec.replicas');
  });
});
