import { describe, expect, it } from 'vitest';
import {
  ApplyConflictError,
  decodeFieldsV1,
  encodeFieldsV1,
  FieldSet,
  formatFieldPath,
  MergeSchemaRegistry,
  serverSideApply,
  updateManagedFields,
  type JsonObject,
} from './index.js';

const now = '2026-01-01T00:00:00Z';

function deployment(spec: JsonObject, labels?: Record<string, string>): JsonObject {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'prod', ...(labels ? { labels } : {}) }, spec };
}

const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'nginx:1' }] } };

describe('FieldsV1', () => {
  it('round-trips sets with members that also have children', () => {
    const fields = { 'f:spec': { 'f:containers': { 'k:{"name":"app"}': { '.': {}, 'f:image': {}, 'f:name': {} } }, 'f:replicas': {} } };
    const set = decodeFieldsV1(fields);
    expect(set.has(['f:spec', 'f:containers', 'k:{"name":"app"}'])).toBe(true);
    expect(set.has(['f:spec', 'f:containers'])).toBe(false);
    expect(encodeFieldsV1(set)).toEqual(fields);
    expect(set.paths().map(formatFieldPath)).toEqual(['.spec.replicas', '.spec.containers[name="app"]', '.spec.containers[name="app"].image', '.spec.containers[name="app"].name']);
  });

  it('orders keys as the apiserver does (numbers numerically)', () => {
    const set = FieldSet.fromPaths([['k:{"port":443}'], ['k:{"port":80}'], ['f:b'], ['f:a']]);
    expect(Object.keys(encodeFieldsV1(set))).toEqual(['f:a', 'f:b', 'k:{"port":80}', 'k:{"port":443}']);
  });
});

describe('serverSideApply', () => {
  it('creates the object and records what the configuration sets, without identity fields', () => {
    const { object, managedFields } = serverSideApply(undefined, deployment({ replicas: 2, selector: { matchLabels: { app: 'web' } }, template }), { manager: 'weft', now });
    expect(object['spec']).toMatchObject({ replicas: 2 });
    expect(managedFields).toEqual([
      {
        manager: 'weft',
        operation: 'Apply',
        apiVersion: 'apps/v1',
        time: now,
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:spec': {
            'f:replicas': {},
            'f:selector': {},
            'f:template': {
              'f:metadata': { 'f:labels': { 'f:app': {} } },
              'f:spec': { 'f:containers': { 'k:{"name":"app"}': { '.': {}, 'f:image': {}, 'f:name': {} } } },
            },
          },
        },
      },
    ]);
  });

  it('reports conflicts as the apiserver words them, and force takes the fields', () => {
    const live = serverSideApply(undefined, deployment({ replicas: 2, minReadySeconds: 1 }), { manager: 'alpha', now }).object;
    let thrown: unknown;
    try {
      serverSideApply(live, deployment({ replicas: 3 }), { manager: 'beta', now });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ApplyConflictError);
    expect((thrown as ApplyConflictError).apiserverMessage).toBe('Apply failed with 1 conflict: conflict with "alpha": .spec.replicas');
    expect((thrown as ApplyConflictError).message).toBe('Deployment/prod/web: Apply failed with 1 conflict: conflict with "alpha": .spec.replicas');
    const forced = serverSideApply(live, deployment({ replicas: 3 }), { manager: 'beta', force: true, now });
    expect(forced.conflicts.map((c) => c.field)).toEqual(['.spec.replicas']);
    expect(forced.managedFields.map((entry) => [entry.manager, entry.fieldsV1])).toEqual([
      ['alpha', { 'f:spec': { 'f:minReadySeconds': {} } }],
      ['beta', { 'f:spec': { 'f:replicas': {} } }],
    ]);
  });

  it('lists several conflicts per manager, Update managers with their API version', () => {
    const created = updateManagedFields(undefined, deployment({ replicas: 2, minReadySeconds: 1 }, { a: '1' }), { manager: 'kubectl-create', now }).object;
    expect(() => serverSideApply(created, deployment({ replicas: 3, minReadySeconds: 2 }), { manager: 'weft', now })).toThrow(
      'Apply failed with 2 conflicts: conflicts with "kubectl-create" using apps/v1:\n- .spec.minReadySeconds\n- .spec.replicas',
    );
  });

  it('removes what a manager stops applying, unless another manager owns it', () => {
    const first = serverSideApply(undefined, deployment({ replicas: 2 }, { a: '1', b: '2' }), { manager: 'alpha', now }).object;
    const shared = serverSideApply(first, deployment({}, { b: '2' }), { manager: 'beta', now }).object;
    const pruned = serverSideApply(shared, deployment({}, {}), { manager: 'alpha', now }).object;
    expect((pruned['metadata'] as JsonObject)['labels']).toEqual({ b: '2' });
    expect(pruned['spec']).toBeUndefined();
  });

  it('treats kinds the registry does not know as unstructured: maps merge, lists are atomic', () => {
    const gadget = (spec: JsonObject): JsonObject => ({ apiVersion: 'example.com/v1', kind: 'Gadget', metadata: { name: 'g' }, spec });
    const live = serverSideApply(undefined, gadget({ list: [1, 2], map: { a: 1 } }), { manager: 'alpha', now }).object;
    const { object, managedFields } = serverSideApply(live, gadget({ map: { b: 2 } }), { manager: 'beta', now });
    expect(object['spec']).toEqual({ list: [1, 2], map: { a: 1, b: 2 } });
    // Unknown fields of an unstructured object are owned as entries of a map, each with its own member.
    expect(managedFields.find((entry) => entry.manager === 'alpha')?.fieldsV1).toEqual({ 'f:spec': { '.': {}, 'f:list': {}, 'f:map': { '.': {}, 'f:a': {} } } });
    expect(() => serverSideApply(object, gadget({ list: [3] }), { manager: 'beta', now })).toThrow('conflict with "alpha": .spec.list');
  });

  it('refuses configurations that carry managedFields', () => {
    const config = { ...deployment({}), metadata: { name: 'web', managedFields: [{ manager: 'x' }] } };
    expect(() => serverSideApply(undefined, config, { manager: 'weft' })).toThrow('metadata.managedFields must be nil');
  });

  it('reads list-map keys of custom resources from their CRD', () => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Namespaced',
        names: { kind: 'Widget', plural: 'widgets' },
        versions: [
          {
            name: 'v1',
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: {
                  spec: {
                    type: 'object',
                    properties: {
                      items: {
                        type: 'array',
                        'x-kubernetes-list-type': 'map',
                        'x-kubernetes-list-map-keys': ['name', 'zone'],
                        items: { type: 'object', properties: { name: { type: 'string' }, zone: { type: 'string' }, size: { type: 'integer' } } },
                      },
                    },
                  },
                },
              },
            },
          },
        ],
      },
    };
    const registry = MergeSchemaRegistry.builtin().withCrd(crd);
    expect(registry.isNamespaced({ group: 'example.com', version: 'v1', kind: 'Widget' })).toBe(true);
    const widget = (items: JsonObject[]): JsonObject => ({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { items } });
    const live = serverSideApply(undefined, widget([{ name: 'a', zone: 'z1', size: 1 }]), { manager: 'alpha', registry, now }).object;
    const { object, managedFields } = serverSideApply(live, widget([{ name: 'a', zone: 'z2', size: 2 }]), { manager: 'beta', registry, now });
    expect((object['spec'] as JsonObject)['items']).toEqual([
      { name: 'a', zone: 'z1', size: 1 },
      { name: 'a', zone: 'z2', size: 2 },
    ]);
    expect(managedFields[1]?.fieldsV1).toEqual({ 'f:spec': { 'f:items': { 'k:{"name":"a","zone":"z2"}': { '.': {}, 'f:name': {}, 'f:size': {}, 'f:zone': {} } } } });
  });
});

describe('diffFields and fieldsOf', () => {
  it('reports changed fields per keyed item and what an object sets', async () => {
    const { diffFields, fieldsOf } = await import('./index.js');
    const before = deployment({ replicas: 2, template: { spec: { containers: [{ name: 'app', image: 'a' }] } } });
    const after = deployment({ replicas: 3, template: { spec: { containers: [{ name: 'app', image: 'a' }, { name: 'side', image: 'b' }] } } });
    const diff = diffFields(before, after);
    expect(diff.modified.paths().map(formatFieldPath)).toEqual(['.spec.replicas']);
    expect(diff.added.paths().map(formatFieldPath)).toEqual([
      '.spec.template.spec.containers[name="side"]',
      '.spec.template.spec.containers[name="side"].image',
      '.spec.template.spec.containers[name="side"].name',
    ]);
    expect(diff.removed.isEmpty()).toBe(true);
    expect(fieldsOf(after).has(['f:spec', 'f:template', 'f:spec', 'f:containers', 'k:{"name":"side"}', 'f:image'])).toBe(true);
  });
});

describe('the status subresource', () => {
  const created = serverSideApply(undefined, deployment({ replicas: 2, selector: { matchLabels: { app: 'web' } }, template }), { manager: 'weft', now }).object;
  const statusOf = (conditions: JsonObject[], spec?: JsonObject): JsonObject => ({ ...deployment(spec ?? { replicas: 9 }), status: { observedGeneration: 1, conditions } });

  it('applies and owns status only, keeping the rest of the live object, under an entry with the subresource', () => {
    const { object, managedFields } = serverSideApply(created, statusOf([{ type: 'Available', status: 'True' }]), { manager: 'controller', subresource: 'status', now });
    expect(object['spec']).toEqual(created['spec']);
    expect(object['status']).toEqual({ observedGeneration: 1, conditions: [{ type: 'Available', status: 'True' }] });
    const entry = managedFields.find((candidate) => candidate.manager === 'controller');
    expect(entry).toMatchObject({ operation: 'Apply', apiVersion: 'apps/v1', subresource: 'status' });
    expect(Object.keys(entry?.fieldsV1 ?? {})).toEqual(['f:status']);
    expect(managedFields.find((candidate) => candidate.manager === 'weft')?.fieldsV1).toEqual(
      created['metadata'] && ((created['metadata'] as JsonObject)['managedFields'] as JsonObject[])[0]?.['fieldsV1'],
    );
  });

  it('removes the status fields the manager stopped applying, and needs the live object', () => {
    const first = serverSideApply(created, statusOf([{ type: 'Available', status: 'True' }, { type: 'Progressing', status: 'True' }]), { manager: 'controller', subresource: 'status', now }).object;
    const { object } = serverSideApply(first, statusOf([{ type: 'Available', status: 'False' }]), { manager: 'controller', subresource: 'status', now });
    expect((object['status'] as JsonObject)['conditions']).toEqual([{ type: 'Available', status: 'False' }]);
    expect(() => serverSideApply(undefined, statusOf([]), { manager: 'controller', subresource: 'status' })).toThrow(/needs the live object/);
  });

  it('gives an Update through status the status fields it changed, under its own entry', () => {
    const next = { ...created, status: { observedGeneration: 1 } };
    const { managedFields } = updateManagedFields(created, next, { manager: 'kubelet', subresource: 'status', now });
    expect(managedFields.find((entry) => entry.manager === 'kubelet')).toMatchObject({ operation: 'Update', subresource: 'status', fieldsV1: { 'f:status': { 'f:observedGeneration': {} } } });
  });
});
