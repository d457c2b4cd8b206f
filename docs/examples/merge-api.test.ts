// Every `@example` of @weft/merge's public API, run: each example's code is a verbatim part of
// this file and its imports are this file's imports (api-examples.test.ts checks both). The
// objects the examples name (`live`, `config`, `error`, ...) are set up around them; assertions
// between the examples say what they do.
import {
  ApplyConflictError,
  applyJsonMergePatch,
  applyJsonPatch,
  applyStrategicMergePatch,
  conflictMessage,
  decodeFieldsV1,
  decodeManagedFields,
  describeConflictManager,
  diffFields,
  encodeFieldsV1,
  encodeManagedFields,
  FieldSet,
  fieldsOf,
  formatFieldPath,
  isMergeError,
  JsonPatchError,
  MergeError,
  MergeSchemaRegistry,
  serverSideApply,
  StrategicMergePatchError,
  updateManagedFields,
  type JsonObject,
  type JsonPatchOperation,
} from '@weft/merge';
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const deploymentOf = (replicas: number, containers: JsonObject[] = [{ name: 'app', image: 'app:1' }, { name: 'sidecar', image: 'proxy:1' }]): JsonObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'prod' },
  spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers } } },
});
/** A Deployment whose replicas another manager owns. */
const ownedBySomeoneElse = (): JsonObject => serverSideApply(undefined, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'prod' }, spec: { replicas: 1 } }, { manager: 'kubectl' }).object;
/** The conflict `weft` meets applying other replicas to it. */
function conflictOf(): ApplyConflictError {
  try {
    serverSideApply(ownedBySomeoneElse(), { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'prod' }, spec: { replicas: 3 } }, { manager: 'weft' });
  } catch (error) {
    if (error instanceof ApplyConflictError) return error;
    throw error;
  }
  throw new Error('no conflict');
}

describe('the @examples of @weft/merge, run', () => {
  let logged: string[];
  beforeEach(() => {
    logged = [];
    const record = (...args: unknown[]) => void logged.push(args.map(String).join(' '));
    vi.spyOn(console, 'log').mockImplementation(record);
    vi.spyOn(console, 'error').mockImplementation(record);
  });
  afterEach(() => vi.restoreAllMocks());

  it('diffFields and fieldsOf', () => {
    const live = deploymentOf(1);
    const desired = deploymentOf(3);
    const { modified } = diffFields(live, desired);
    modified.paths().map(formatFieldPath); // ['.spec.replicas']
    expect(modified.paths().map(formatFieldPath)).toEqual(['.spec.replicas']);

    const config = desired;
    fieldsOf(config).has(['f:spec', 'f:replicas']);
    expect(fieldsOf(config).has(['f:spec', 'f:replicas'])).toBe(true);
  });

  it('MergeError, StrategicMergePatchError and isMergeError', () => {
    const live = deploymentOf(1);
    const patch = { spec: { template: { spec: { containers: [{ image: 'x' }] } } } };
    try { applyStrategicMergePatch(live, patch); } catch (error) { if (error instanceof MergeError) console.error(error.message); }
    expect(logged).toHaveLength(1);

    const obj = deploymentOf(1);
    expect(() => applyStrategicMergePatch(obj, { spec: { template: { spec: { containers: [{ image: 'x' }] } } } }))
      .toThrow(StrategicMergePatchError);

    const error: unknown = new StrategicMergePatchError('a list item lacks its merge key "name"');
    if (isMergeError(error)) console.error(error.message);
    expect(logged[1]).toContain('merge key');
  });

  it('FieldSet, formatFieldPath, decodeFieldsV1 and encodeFieldsV1', () => {
    const set = FieldSet.fromPaths([['f:spec', 'f:replicas']]);
    set.has(['f:spec', 'f:replicas']); // true
    set.has(['f:spec']); // false: only a parent
    expect(set.has(['f:spec', 'f:replicas'])).toBe(true);
    expect(set.has(['f:spec'])).toBe(false);

    formatFieldPath(['f:spec', 'f:ports', 'k:{"port":80,"protocol":"TCP"}']); // '.spec.ports[port=80,protocol="TCP"]'
    expect(formatFieldPath(['f:spec', 'f:ports', 'k:{"port":80,"protocol":"TCP"}'])).toBe('.spec.ports[port=80,protocol="TCP"]');
    decodeFieldsV1({ 'f:spec': { 'f:replicas': {} } }).has(['f:spec', 'f:replicas']); // true
    expect(decodeFieldsV1({ 'f:spec': { 'f:replicas': {} } }).has(['f:spec', 'f:replicas'])).toBe(true);
    encodeFieldsV1(FieldSet.fromPaths([['f:spec', 'f:replicas']])); // { 'f:spec': { 'f:replicas': {} } }
    expect(encodeFieldsV1(FieldSet.fromPaths([['f:spec', 'f:replicas']]))).toEqual({ 'f:spec': { 'f:replicas': {} } });
  });

  it('applyJsonPatch, JsonPatchError and applyJsonMergePatch', () => {
    const obj = deploymentOf(1);
    try { applyJsonPatch(obj, [{ op: 'test', path: '/spec/replicas', value: 3 }]); } catch (error) { if (error instanceof JsonPatchError) console.log(error.operationIndex); }
    expect(logged).toEqual(['0']);

    const deployment = deploymentOf(1);
    applyJsonPatch(deployment, [{ op: 'replace', path: '/spec/replicas', value: 3 }]);
    expect(applyJsonPatch(deployment, [{ op: 'replace', path: '/spec/replicas', value: 3 }])).toMatchObject({ spec: { replicas: 3 } });

    const configMap: JsonObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { obsolete: 'y', kept: 'z' } };
    applyJsonMergePatch(configMap, { data: { obsolete: null, added: 'x' } });
    expect(applyJsonMergePatch(configMap, { data: { obsolete: null, added: 'x' } })).toEqual({ ...configMap, data: { kept: 'z', added: 'x' } });
  });

  it('JsonPatchOperation', () => {
    const scale: JsonPatchOperation[] = [{ op: 'test', path: '/spec/replicas', value: 1 }, { op: 'replace', path: '/spec/replicas', value: 3 }];
    expect(applyJsonPatch(deploymentOf(1), scale)).toMatchObject({ spec: { replicas: 3 } });
    // The test operation guards the replace: from 2 replicas nothing is applied.
    expect(() => applyJsonPatch(deploymentOf(2), scale)).toThrow(JsonPatchError);
  });

  it('decodeManagedFields and encodeManagedFields', () => {
    const liveDeployment = ownedBySomeoneElse();
    for (const owner of decodeManagedFields(liveDeployment)) console.log(owner.manager, owner.fields.paths().length);
    expect(logged).toEqual(['kubectl 1']);

    const object = structuredClone(liveDeployment) as JsonObject & { metadata: JsonObject };
    const ownership = decodeManagedFields(liveDeployment);
    object.metadata.managedFields = encodeManagedFields(ownership);
    expect(object).toEqual(liveDeployment);
  });

  it('MergeSchemaRegistry', () => {
    const myCrd: JsonObject = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
      spec: { group: 'example.com', scope: 'Namespaced', names: { kind: 'Widget', plural: 'widgets' }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }] },
    };
    {
      const registry = MergeSchemaRegistry.builtin().withCrd(myCrd);
      registry.isNamespaced({ group: 'apps', version: 'v1', kind: 'Deployment' }); // true
      expect(registry.isNamespaced({ group: 'apps', version: 'v1', kind: 'Deployment' })).toBe(true);
      expect(registry.isNamespaced({ group: 'example.com', version: 'v1', kind: 'Widget' })).toBe(true);
    }
    MergeSchemaRegistry.builtin().lookup({ group: 'apps', version: 'v1', kind: 'Deployment' });
    expect(MergeSchemaRegistry.builtin().lookup({ group: 'apps', version: 'v1', kind: 'Deployment' })).toBeDefined();
    {
      const document: JsonObject = { definitions: { 'com.example.v1.Widget': { type: 'object', 'x-kubernetes-group-version-kind': [{ group: 'example.com', version: 'v1', kind: 'Widget' }] } } };
      const registry = MergeSchemaRegistry.empty().withOpenApi(document);
      expect(registry.lookup({ group: 'example.com', version: 'v1', kind: 'Widget' })).toBeDefined();
    }
    {
      const crd = myCrd;
      const registry = MergeSchemaRegistry.builtin().withCrd(crd);
      expect(registry.lookup({ group: 'example.com', version: 'v1', kind: 'Widget' })).toBeDefined();
    }
    const deployment = MergeSchemaRegistry.builtin().lookup({ group: 'apps', version: 'v1', kind: 'Deployment' });
    expect(deployment).toBeDefined();
    MergeSchemaRegistry.builtin().isNamespaced({ group: '', version: 'v1', kind: 'Namespace' }); // false
    expect(MergeSchemaRegistry.builtin().isNamespaced({ group: '', version: 'v1', kind: 'Namespace' })).toBe(false);
    MergeSchemaRegistry.builtin().resetsStatus({ group: 'apps', version: 'v1', kind: 'Deployment' }); // true
    expect(MergeSchemaRegistry.builtin().resetsStatus({ group: 'apps', version: 'v1', kind: 'Deployment' })).toBe(true);
    MergeSchemaRegistry.builtin().lookupType('io.k8s.api.core.v1.PodSpec');
    expect(MergeSchemaRegistry.builtin().lookupType('io.k8s.api.core.v1.PodSpec')).toBeDefined();
  });

  it('withOpenApi from a file (type-checked, not called: it reads schema.json from the working directory)', () => {
    const fromFile = () => {
      const registry = MergeSchemaRegistry.builtin().withOpenApi(JSON.parse(readFileSync('schema.json', 'utf8')));
      return registry;
    };
    expect(typeof fromFile).toBe('function');
  });

  it('serverSideApply, ApplyConflictError, describeConflictManager and conflictMessage', () => {
    const live = ownedBySomeoneElse();
    const config: JsonObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'prod' }, spec: { replicas: 3 } };
    try { serverSideApply(live, config, { manager: 'weft' }); }
    catch (error) { if (error instanceof ApplyConflictError) console.log(error.conflicts.map((c) => c.field)); }
    expect(logged).toEqual(['.spec.replicas']);

    const error = conflictOf();
    const causes = error.conflicts.map((conflict) => ({ message: `conflict with ${describeConflictManager(conflict)}`, field: conflict.field }));
    expect(causes).toEqual([{ message: 'conflict with "kubectl"', field: '.spec.replicas' }]);
    conflictMessage(error.conflicts);
    expect(conflictMessage(error.conflicts)).toBe('Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas');
  });

  it('serverSideApply with force', () => {
    const live = ownedBySomeoneElse();
    const { object } = serverSideApply(live, {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'prod' },
      spec: { replicas: 3 },
    }, { manager: 'weft', force: true });
    expect(object).toMatchObject({ spec: { replicas: 3 } });
    expect(decodeManagedFields(object).map((owner) => owner.manager)).toEqual(['weft']);
  });

  it('applyStrategicMergePatch', () => {
    const deployment = deploymentOf(1);
    const patched = applyStrategicMergePatch(deployment, {
      spec: { template: { spec: { containers: [{ name: 'app', image: 'app:2' }] } } },
    });
    // other containers are kept; the one named "app" gets the new image
    expect(patched).toMatchObject({ spec: { template: { spec: { containers: [{ name: 'app', image: 'app:2' }, { name: 'sidecar', image: 'proxy:1' }] } } } });
  });

  it('updateManagedFields', () => {
    const live = ownedBySomeoneElse();
    const edited = applyJsonMergePatch(live, { metadata: { labels: { team: 'shop' } } });
    const { object } = updateManagedFields(live, edited, { manager: 'kubectl-edit' });
    expect(decodeManagedFields(object).map((owner) => owner.manager)).toEqual(['kubectl', 'kubectl-edit']);
  });
});
