import { describe, expect, it } from 'vitest';
import { describeObject, inventoryId, objectKey, objectRef } from '../resource/objects.js';

describe('object identity', () => {
  const deployment = objectRef({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'prod' } });
  const namespace = objectRef({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'prod' } });

  it('splits apiVersion into group and version', () => {
    expect(deployment).toEqual({ group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'prod', name: 'web' });
    expect(namespace).toEqual({ group: '', version: 'v1', kind: 'Namespace', name: 'prod' });
  });

  it('writes inventory ids in Flux form', () => {
    expect(inventoryId(deployment)).toBe('prod_web_apps_Deployment');
    expect(inventoryId(namespace)).toBe('_prod__Namespace');
  });

  it('names objects as Kind/namespace/name and keys them as namespace/name', () => {
    expect(describeObject(deployment)).toBe('Deployment/prod/web');
    expect(describeObject(namespace)).toBe('Namespace/prod');
    expect(objectKey(deployment)).toBe('prod/web');
    expect(objectKey(namespace)).toBe('prod');
  });
});
