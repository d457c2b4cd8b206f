import { describe, expect, it } from 'vitest';
import { inventoryEntryRef, inventoryOf, staleObjects } from '../inventory.js';
import { InvalidSetError } from '../errors.js';

const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'prod' } };
const namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'prod' } };
const crd = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.com' } };
const widget = { apiVersion: 'example.com/v1beta1', kind: 'Widget', metadata: { name: 'w', namespace: 'prod' } };

describe('inventoryOf', () => {
  it('writes Flux entries sorted by id, with the version', () => {
    expect(inventoryOf([deployment, namespace])).toEqual({
      entries: [
        { id: '_prod__Namespace', v: 'v1' },
        { id: 'prod_web_apps_Deployment', v: 'v1' },
      ],
    });
  });
});

describe('inventoryEntryRef', () => {
  it('reads the ref back, core group and cluster scope included', () => {
    expect(inventoryEntryRef({ id: '_prod__Namespace', v: 'v1' })).toEqual({ group: '', version: 'v1', kind: 'Namespace', name: 'prod' });
    expect(inventoryEntryRef({ id: 'prod_web_apps_Deployment', v: 'v1' })).toEqual({ group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'prod', name: 'web' });
  });
  it('rejects ids that are not four parts', () => {
    expect(() => inventoryEntryRef({ id: 'prod_web_Deployment', v: 'v1' })).toThrow(InvalidSetError);
  });
});

describe('staleObjects', () => {
  it('returns what left git, custom resources before CRDs and namespaces last', () => {
    const previous = inventoryOf([deployment, namespace, crd, widget]);
    const stale = staleObjects(previous, inventoryOf([deployment]));
    expect(stale.map((ref) => ref.kind)).toEqual(['Widget', 'CustomResourceDefinition', 'Namespace']);
  });
  it('treats a version change as the same object', () => {
    const previous = inventoryOf([deployment]);
    expect(staleObjects(previous, inventoryOf([{ ...deployment, apiVersion: 'apps/v2' }]))).toEqual([]);
  });
  it('prunes nothing without a previous inventory', () => {
    expect(staleObjects(undefined, inventoryOf([deployment]))).toEqual([]);
  });
});
