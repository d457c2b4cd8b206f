import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@weft/reconcile-core';
import { comparableCopy, fieldChanges, maskSecrets, unifiedDiff } from '../object-diff.js';

const secret = (data: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'prod', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"password":"c2VjcmV0"}}' } }, data });

describe('fieldChanges', () => {
  it('lists adds, removes and replacements as JSON pointers', () => {
    expect(fieldChanges({ a: 1, b: { c: [1, 2] }, 'd/e': 1 }, { a: 2, b: { c: [1, 3] }, f: true })).toEqual([
      { path: '/a', op: 'replace', live: 1, desired: 2 },
      { path: '/b/c/1', op: 'replace', live: 2, desired: 3 },
      { path: '/d~1e', op: 'remove', live: 1 },
      { path: '/f', op: 'add', desired: true },
    ]);
  });
  it('is empty for equal values whatever the key order', () => {
    expect(fieldChanges({ a: 1, b: 2 }, { b: 2, a: 1 })).toEqual([]);
  });
});

describe('comparableCopy', () => {
  it('drops status and server-written metadata, not labels', () => {
    const copy = comparableCopy({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', resourceVersion: '5', uid: 'u', generation: 2, managedFields: [], labels: { a: 'b' } }, status: {} });
    expect(copy).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', labels: { a: 'b' } } });
  });
});

describe('maskSecrets', () => {
  it('never prints Secret values, but shows which keys changed', () => {
    const [live, desired] = maskSecrets(secret({ password: 'c2VjcmV0', user: 'YWRtaW4=' }), secret({ password: 'bmV3', user: 'YWRtaW4=' }));
    expect(live!['data']).toEqual({ password: '***** (live)', user: '*****' });
    expect(desired!['data']).toEqual({ password: '***** (desired)', user: '*****' });
    const text = unifiedDiff('Secret/prod/db', live, desired);
    expect(text).not.toMatch(/c2VjcmV0|bmV3|YWRtaW4/);
    expect(text).toContain('-  password: "***** (live)"');
    expect(text).toContain('+  password: "***** (desired)"');
  });
  it('leaves other kinds alone', () => {
    const configMap: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { a: 'b' } };
    expect(maskSecrets(configMap, configMap)[0]).toBe(configMap);
  });
});
