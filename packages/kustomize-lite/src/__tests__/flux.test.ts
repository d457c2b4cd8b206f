import { describe, expect, it } from 'vitest';
import { build, memoryFs, substituteVariables, SubstitutionError, withGeneratedKustomization } from '../index.js';
import type { JsonMap } from '../json.js';

const configMap = (name: string, data: Record<string, string>, annotations?: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, ...(annotations === undefined ? {} : { annotations }) },
  data,
});

describe('Flux extras', () => {
  it('generates a kustomization from every manifest below a path, as Flux does', async () => {
    const fs = await withGeneratedKustomization(
      memoryFs({
        '/repo/apps/a.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n',
        '/repo/apps/nested/b.yml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n',
        '/repo/apps/README.md': '# not a manifest',
        '/repo/apps/sub/kustomization.yaml': 'resources: [c.yaml]\nnamePrefix: sub-\n',
        '/repo/apps/sub/c.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n',
      }),
      '/repo/apps',
    );
    const objects = await build('/repo/apps', { fs, reorder: 'none' });
    expect(objects.map((object) => (object['metadata'] as { name: string }).name)).toEqual(['a', 'b', 'sub-c']);
  });

  it('leaves a path that has a kustomization alone', async () => {
    const fs = memoryFs({ '/app/kustomization.yaml': 'resources: []\n', '/app/x.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n' });
    expect(await withGeneratedKustomization(fs, '/app')).toBe(fs);
  });

  it('substitutes variables, inline values winning over ConfigMaps and Secrets, and skips disabled objects', async () => {
    const objects = [
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web-${CLUSTER}' }, spec: { replicas: '${REPLICAS:=1}' } },
      configMap('raw', { value: '${CLUSTER}' }, { 'kustomize.toolkit.fluxcd.io/substitute': 'disabled' }),
    ];
    const result = await substituteVariables(objects, {
      substitute: { CLUSTER: 'prod' },
      substituteFrom: [
        { kind: 'ConfigMap', name: 'vars' },
        { kind: 'Secret', name: 'secret-vars' },
        { kind: 'ConfigMap', name: 'absent', optional: true },
      ],
      getObject: async (reference) => {
        if (reference.name === 'vars') return configMap('vars', { CLUSTER: 'staging', REPLICAS: '2' });
        if (reference.name === 'secret-vars') return { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'secret-vars' }, data: { REPLICAS: Buffer.from('3\n').toString('base64') } };
        return undefined;
      },
    });
    expect(result[0]).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web-prod' }, spec: { replicas: 3 } });
    expect(result[1]).toEqual(objects[1]);
    expect(objects[0]?.metadata.name).toBe('web-${CLUSTER}');
  });

  it('keeps ConfigMap data, Secret stringData, labels and annotations strings when a value substitutes to a number or boolean', async () => {
    const objects: JsonMap[] = [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', labels: { replicas: '${N}' }, annotations: { on: '${ON}' } }, data: { replicas: '${N}', ratio: '${R}' } },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { enabled: '${ON}' } },
    ];
    const result = await substituteVariables(objects, { substitute: { N: '3', ON: 'true', R: '1.50' } });
    expect(result[0]).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', labels: { replicas: '3' }, annotations: { on: 'true' } }, data: { replicas: '3', ratio: '1.50' } });
    expect(result[1]).toEqual({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { enabled: 'true' } });
  });

  it('fails in strict mode on an unset variable, naming the object', async () => {
    const error = await substituteVariables([configMap('c', { a: '${MISSING}' })], { substitute: { OTHER: 'x' }, strict: true }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SubstitutionError);
    expect((error as Error).message).toContain('ConfigMap/c');
  });

  it('does nothing without variables, and refuses invalid variable names', async () => {
    const objects = [configMap('c', { a: '${MISSING}' })];
    expect(await substituteVariables(objects, { strict: true })).toEqual(objects);
    await expect(substituteVariables(objects, { substitute: { 'bad-name': 'x' } })).rejects.toBeInstanceOf(SubstitutionError);
  });

  it('refuses a missing non-optional substituteFrom object', async () => {
    await expect(substituteVariables([], { substituteFrom: [{ kind: 'ConfigMap', name: 'gone' }], getObject: async () => undefined })).rejects.toThrow(
      "configmap 'gone' not found",
    );
  });
});
