import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually } from '@weft/testkit';
import { conformance, type Target } from './targets';

const merge = { 'Content-Type': 'application/merge-patch+json' };

function widgetCrd(group: string) {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `widgets.${group}` },
    spec: {
      group,
      scope: 'Namespaced',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget', shortNames: ['wdg'] },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' } },
          additionalPrinterColumns: [
            { name: 'Size', type: 'string', jsonPath: '.spec.size' },
            { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
          ],
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: {
                  type: 'object',
                  required: ['size'],
                  properties: {
                    size: { type: 'string', enum: ['small', 'large'] },
                    replicas: { type: 'integer', minimum: 0, maximum: 10, default: 1 },
                    color: { type: 'string', default: 'blue' },
                    labels: { type: 'object', additionalProperties: { type: 'string' } },
                    free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
                    nested: { type: 'object', properties: { depth: { type: 'integer', default: 3 } } },
                  },
                },
                status: {
                  type: 'object',
                  properties: {
                    phase: { type: 'string' },
                    replicas: { type: 'integer' },
                    conditions: { type: 'array', items: { type: 'object', properties: { type: { type: 'string' }, status: { type: 'string' } } } },
                  },
                },
              },
            },
          },
        },
      ],
    },
  };
}

async function waitEstablished(target: Target, name: string): Promise<void> {
  await eventually(`CRD ${name} Established`, async () => {
    const { body } = await target.request('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
    return (body.status?.conditions ?? []).some((condition: any) => condition.type === 'Established' && condition.status === 'True');
  });
}

conformance('custom resources', (target) => {
  const group = `c${randomBytes(3).toString('hex')}.conformance.weft.dev`;
  let ns: string;
  const widgets = () => `/apis/${group}/v1/namespaces/${ns}/widgets`;

  beforeAll(async () => {
    ns = await target().namespace('crd');
    const created = await target().request('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', widgetCrd(group));
    if (created.status !== 201) throw new Error(created.text);
    await waitEstablished(target(), `widgets.${group}`);
    await eventually('widgets served', async () => (await target().request('GET', widgets())).status === 200);
  });
  afterAll(async () => {
    await target().request('DELETE', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.${group}`);
  });

  it('reports the CRD Established with its accepted names', async () => {
    const { body } = await target().request('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.${group}`);
    expect(body.status.acceptedNames).toMatchObject({ plural: 'widgets', kind: 'Widget', singular: 'widget', listKind: 'WidgetList' });
    expect(body.status.storedVersions).toEqual(['v1']);
  });

  it('takes a server-side apply of the CRD that names its cleanup finalizer (no domain rule for CRDs)', async () => {
    // Built-in kinds refuse a finalizer without a `/`; the apiextensions server does not, and a
    // CRD read back and re-applied carries `customresourcecleanup.apiextensions.k8s.io`.
    const path = `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.${group}?fieldManager=conformance-reapply&force=true`;
    const crd = widgetCrd(group);
    const manifest = { ...crd, metadata: { ...crd.metadata, finalizers: ['customresourcecleanup.apiextensions.k8s.io'] } };
    const applied = await target().request('PATCH', path, manifest, { 'Content-Type': 'application/apply-patch+yaml' });
    expect(applied.status, applied.text).toBe(200);
    expect(applied.body.metadata.finalizers).toContain('customresourcecleanup.apiextensions.k8s.io');
  });

  it('serves the group in discovery', async () => {
    const { body } = await target().request('GET', `/apis/${group}/v1`);
    const entry = (body.resources as any[]).find((resource) => resource.name === 'widgets');
    expect(entry).toMatchObject({ kind: 'Widget', namespaced: true, shortNames: ['wdg'] });
    expect((body.resources as any[]).map((resource) => resource.name)).toEqual(expect.arrayContaining(['widgets/status', 'widgets/scale']));
  });

  it('creates a custom resource with generation 1 and its defaults', async () => {
    const { status, body } = await target().request('POST', widgets(), { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'defaulted' }, spec: { size: 'small', nested: {} } });
    expect(status, JSON.stringify(body)).toBe(201);
    expect(body.metadata.generation).toBe(1);
    expect(body.spec).toEqual({ size: 'small', replicas: 1, color: 'blue', nested: { depth: 3 } });
  });

  it('prunes fields the schema does not declare', async () => {
    const { body } = await target().request('POST', widgets(), { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'pruned' }, spec: { size: 'small', unknown: 'gone' }, extra: 'gone too' });
    expect(body.spec.unknown).toBeUndefined();
    expect(body.extra).toBeUndefined();
  });

  it('rejects fields the schema does not declare under fieldValidation=Strict', async () => {
    const { status, body } = await target().request('POST', `${widgets()}?fieldValidation=Strict`, { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'strict' }, spec: { size: 'small', unknown: 'x' } });
    expect(status).toBe(400);
    expect(body.message).toContain('strict decoding error: unknown field "spec.unknown"');
  });

  it('warns about pruned fields by default', async () => {
    const created = await target().request('POST', widgets(), { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'warned' }, spec: { size: 'small', unknown: 'x' } });
    expect(created.status).toBe(201);
    expect(created.warning).toContain('unknown field \\"spec.unknown\\"');
  });

  it('keeps unknown fields under x-kubernetes-preserve-unknown-fields', async () => {
    const { body } = await target().request('POST', widgets(), { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'preserved' }, spec: { size: 'small', free: { anything: { goes: [1, 2] } } } });
    expect(body.spec.free).toEqual({ anything: { goes: [1, 2] } });
  });

  it.each([
    ['a wrong type', { size: 'small', replicas: 'many' }, 'spec.replicas', 'FieldValueTypeInvalid'],
    ['a value outside the enum', { size: 'huge' }, 'spec.size', 'FieldValueNotSupported'],
    ['a missing required field', { color: 'red' }, 'spec.size', 'FieldValueRequired'],
    ['a value above the maximum', { size: 'small', replicas: 11 }, 'spec.replicas', 'FieldValueInvalid'],
    ['a value below the minimum', { size: 'small', replicas: -1 }, 'spec.replicas', 'FieldValueInvalid'],
    ['a non-string map value', { size: 'small', labels: { a: 1 } }, 'spec.labels.a', 'FieldValueTypeInvalid'],
  ])('answers 422 Invalid with a field cause for %s', async (_what, spec, field, reason) => {
    const { status, body } = await target().request('POST', widgets(), { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'invalid' }, spec });
    expect(status).toBe(422);
    expect(body.reason).toBe('Invalid');
    expect(body.details).toMatchObject({ name: 'invalid', group, kind: 'Widget' });
    expect(body.details.causes).toContainEqual(expect.objectContaining({ field, reason }));
    expect(body.message).toMatch(new RegExp(`^Widget.${group.replace(/\./g, '\\.')} "invalid" is invalid: `));
  });

  it('bumps generation on spec changes, not on metadata changes', async () => {
    await target().request('POST', widgets(), { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'generations' }, spec: { size: 'small' } });
    const labelled = await target().request('PATCH', `${widgets()}/generations`, { metadata: { labels: { a: 'b' } } }, merge);
    expect(labelled.body.metadata.generation).toBe(1);
    const changed = await target().request('PATCH', `${widgets()}/generations`, { spec: { size: 'large' } }, merge);
    expect(changed.body.metadata.generation).toBe(2);
  });

  it('ignores status in a write to the main resource', async () => {
    await target().request('POST', widgets(), { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'split' }, spec: { size: 'small' }, status: { phase: 'Ignored' } });
    const { body } = await target().request('PATCH', `${widgets()}/split`, { status: { phase: 'AlsoIgnored' } }, merge);
    expect(body.status).toBeUndefined();
  });

  it('writes status through /status without touching spec or generation', async () => {
    await target().request('POST', widgets(), { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'status-only' }, spec: { size: 'small' } });
    const { status, body } = await target().request('PATCH', `${widgets()}/status-only/status`, { spec: { size: 'large' }, status: { phase: 'Ready' } }, merge);
    expect(status).toBe(200);
    expect(body.status).toEqual({ phase: 'Ready' });
    expect(body.spec.size).toBe('small');
    expect(body.metadata.generation).toBe(1);
  });

  it('replaces status with PUT on /status', async () => {
    const created = await target().request('POST', widgets(), { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'status-put' }, spec: { size: 'small' } });
    const { status, body } = await target().request('PUT', `${widgets()}/status-put/status`, { ...created.body, status: { phase: 'Done' } });
    expect(status).toBe(200);
    expect(body.status.phase).toBe('Done');
  });

  it('validates status writes against the schema', async () => {
    await target().request('POST', widgets(), { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'status-invalid' }, spec: { size: 'small' } });
    const { status } = await target().request('PATCH', `${widgets()}/status-invalid/status`, { status: { replicas: 'x' } }, merge);
    expect(status).toBe(422);
  });

  it('fails a status merge patch with an undeclared field under fieldValidation=Strict as the patcher does (422 on patch)', async () => {
    await target().request('POST', widgets(), { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'status-strict' }, spec: { size: 'small' } });
    const { status, body } = await target().request('PATCH', `${widgets()}/status-strict/status?fieldValidation=Strict`, { status: { phase: 'Ready', bogus: 1 } }, merge);
    expect(status).toBe(422);
    expect(body.reason).toBe('Invalid');
    expect(body.message).toMatch(/^ "" is invalid: patch: Invalid value: ".*": strict decoding error: unknown field "status\.bogus"$/);
    expect(body.details.causes).toEqual([{ reason: 'FieldValueInvalid', message: expect.stringMatching(/^Invalid value: ".*status-strict.*": strict decoding error: unknown field "status\.bogus"$/), field: 'patch' }]);
    expect((await target().request('GET', `${widgets()}/status-strict`)).body.status).toBeUndefined();
  });

  it('applies status through /status: the manager owns status fields only, under an entry naming the subresource', async () => {
    await target().request('POST', widgets(), { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'status-apply' }, spec: { size: 'small' } });
    const configuration = { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'status-apply' }, spec: { size: 'large' }, status: { phase: 'Ready', conditions: [{ type: 'Ready', status: 'True' }] } };
    const { status, body } = await target().request('PATCH', `${widgets()}/status-apply/status?fieldManager=status-writer`, configuration, { 'Content-Type': 'application/apply-patch+yaml' });
    expect(status).toBe(200);
    expect(body.spec.size).toBe('small');
    expect(body.status).toEqual({ phase: 'Ready', conditions: [{ type: 'Ready', status: 'True' }] });
    const entry = (body.metadata.managedFields as any[]).find((candidate) => candidate.manager === 'status-writer');
    expect(entry).toMatchObject({ operation: 'Apply', subresource: 'status', fieldsV1: { 'f:status': { 'f:conditions': {}, 'f:phase': {} } } });
    expect(Object.keys(entry.fieldsV1)).toEqual(['f:status']);
    const dropped = await target().request('PATCH', `${widgets()}/status-apply/status?fieldManager=status-writer`, { ...configuration, status: { phase: 'Ready' } }, { 'Content-Type': 'application/apply-patch+yaml' });
    expect(dropped.body.status).toEqual({ phase: 'Ready' });
  });

  it('requires a resourceVersion on PUT of a custom resource', async () => {
    await target().request('POST', widgets(), { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'rv-required' }, spec: { size: 'small' } });
    const { status, body } = await target().request('PUT', `${widgets()}/rv-required`, { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'rv-required' }, spec: { size: 'large' } });
    expect(status).toBe(422);
    expect(body.details.causes[0].field).toBe('metadata.resourceVersion');
  });

  it('answers 415 for a strategic merge patch of a custom resource', async () => {
    await target().request('POST', widgets(), { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'no-smp' }, spec: { size: 'small' } });
    const { status, body } = await target().request('PATCH', `${widgets()}/no-smp`, { spec: { size: 'large' } }, { 'Content-Type': 'application/strategic-merge-patch+json' });
    expect(status).toBe(415);
    expect(body.reason).toBe('UnsupportedMediaType');
  });

  it('serves the scale subresource of a custom resource from its replica paths', async () => {
    await target().request('POST', widgets(), { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'scalable' }, spec: { size: 'small', replicas: 2 } });
    const scale = await target().request('GET', `${widgets()}/scalable/scale`);
    expect(scale.body).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 2 } });
    const patched = await target().request('PATCH', `${widgets()}/scalable/scale`, { spec: { replicas: 4 } }, merge);
    expect(patched.status).toBe(200);
    expect((await target().request('GET', `${widgets()}/scalable`)).body.spec.replicas).toBe(4);
  });

  it('server-side applies a custom resource', async () => {
    const config = { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'applied-widget' }, spec: { size: 'large' } };
    const { status, body } = await target().request('PATCH', `${widgets()}/applied-widget?fieldManager=alice`, config, { 'Content-Type': 'application/apply-patch+yaml' });
    expect(status).toBe(201);
    expect(body.spec.size).toBe('large');
  });

  it('lists custom resources with apiVersion and kind on every item', async () => {
    await target().request('POST', widgets(), { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'listed', labels: { list: 'me' } }, spec: { size: 'small' } });
    const { body } = await target().request('GET', `${widgets()}?labelSelector=list%3Dme`);
    expect(body.kind).toBe('WidgetList');
    expect(body.items).toEqual([expect.objectContaining({ apiVersion: `${group}/v1`, kind: 'Widget' })]);
  });

  it('prints the CRD additionalPrinterColumns in a Table', async () => {
    await target().request('POST', widgets(), { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'tabled', labels: { table: 'me' } }, spec: { size: 'large' } });
    const { body } = await target().request('GET', `${widgets()}?labelSelector=table%3Dme`, undefined, { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
    expect(body.kind).toBe('Table');
    expect((body.columnDefinitions as any[]).map((column) => column.name)).toEqual(['Name', 'Size', 'Ready']);
    expect(body.rows[0].cells.slice(0, 3)).toEqual(['tabled', 'large', null]);
  });

  it('fills a printer column whose JSONPath filters a list (kstatus Ready)', async () => {
    await target().request('POST', widgets(), { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'ready-column', labels: { table: 'ready' } }, spec: { size: 'small' } });
    const conditions = [
      { type: 'Reconciling', status: 'False' },
      { type: 'Ready', status: 'True' },
    ];
    const patched = await target().request('PATCH', `${widgets()}/ready-column/status`, { status: { conditions } }, merge);
    expect(patched.status).toBe(200);
    const { body } = await target().request('GET', `${widgets()}?labelSelector=table%3Dready`, undefined, { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
    expect(body.rows[0].cells.slice(0, 3)).toEqual(['ready-column', 'small', 'True']);
  });

  it('publishes the CRD schema in OpenAPI v3, so kubectl explain reads it', async () => {
    await eventually('kubectl explain shows the size field', async () => {
      const result = await target().kubectl(['explain', 'widgets.spec.size', `--api-version=${group}/v1`]);
      return result.code === 0 && /FIELD:\s+size <string>/.test(result.stdout) && /ENUM:\s+small\s+large/.test(result.stdout);
    });
  });

  it('answers 422 for a CRD whose name is not plural.group', async () => {
    const bad = widgetCrd(`bad.${group}`);
    bad.metadata.name = `gadgets.bad.${group}`;
    const { status, body } = await target().request('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', bad);
    expect(status).toBe(422);
    expect(body.details.causes).toContainEqual(expect.objectContaining({ field: 'metadata.name' }));
  });

  it('answers 422 for a CRD without a storage version', async () => {
    const bad = widgetCrd(`nostorage.${group}`);
    bad.spec.versions[0]!.storage = false;
    const { status, body } = await target().request('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', bad);
    expect(status).toBe(422);
    expect(body.details.causes).toContainEqual(expect.objectContaining({ field: 'spec.versions' }));
  });

  it('deletes a CRD with its custom resources and stops serving them', async () => {
    const other = `d${randomBytes(3).toString('hex')}.conformance.weft.dev`;
    await target().request('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', widgetCrd(other));
    await waitEstablished(target(), `widgets.${other}`);
    const path = `/apis/${other}/v1/namespaces/${ns}/widgets`;
    await eventually('a widget created', async () => (await target().request('POST', path, { apiVersion: `${other}/v1`, kind: 'Widget', metadata: { name: 'doomed' }, spec: { size: 'small' } })).status === 201);
    const deleted = await target().request('DELETE', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.${other}`);
    expect(deleted.status).toBe(200);
    await eventually('CRD gone', async () => (await target().request('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.${other}`)).status === 404);
    await eventually('widgets no longer served', async () => (await target().request('GET', path)).status === 404);
  });
});
