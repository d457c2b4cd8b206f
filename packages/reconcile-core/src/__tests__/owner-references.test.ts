import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../resource/objects.js';
import { AlreadyOwnedError, controllerOwnerRef, isControlledBy, isOwnedBy, OwnerReferenceError, setControllerReference } from '../lifecycle/owner-references.js';

const app: KubeObject = { apiVersion: 'example.com/v1', kind: 'WebApp', metadata: { name: 'web', namespace: 'prod', uid: 'u-1' } };
const child = (extra: Partial<KubeObject['metadata']> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-config', namespace: 'prod', ...extra } });

describe('owner references', () => {
  it('controllerOwnerRef names the owner with controller and blockOwnerDeletion, and needs a uid', () => {
    expect(controllerOwnerRef(app)).toEqual({ apiVersion: 'example.com/v1', kind: 'WebApp', name: 'web', uid: 'u-1', controller: true, blockOwnerDeletion: true });
    expect(() => controllerOwnerRef({ ...app, metadata: { name: 'web', namespace: 'prod' } })).toThrow(new OwnerReferenceError('WebApp/prod/web', 'has no metadata.uid (read it from the apiserver before owning objects with it)'));
  });

  it('setControllerReference returns a copy with the controller reference, keeping other owners and the input unchanged', () => {
    const other = { apiVersion: 'v1', kind: 'Secret', name: 'keep', uid: 'u-9' };
    const input = Object.freeze(child({ ownerReferences: [other] }));
    const owned = setControllerReference(app, input);
    expect(owned.metadata.ownerReferences).toEqual([other, controllerOwnerRef(app)]);
    expect(input.metadata.ownerReferences).toEqual([other]);
    expect(isControlledBy(owned, app)).toBe(true);
    // Again, or after the owner moved to another version of its API: replaced, not duplicated.
    const again = setControllerReference({ ...app, apiVersion: 'example.com/v2' }, owned);
    expect(again.metadata.ownerReferences).toEqual([other, { ...controllerOwnerRef(app), apiVersion: 'example.com/v2' }]);
  });

  it('refuses to take an object from another controller, or to cross namespaces', () => {
    const taken = child({ ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'other', uid: 'u-2', controller: true }] });
    expect(() => setControllerReference(app, taken)).toThrow(AlreadyOwnedError);
    expect(() => setControllerReference(app, taken)).toThrow('ConfigMap/prod/web-config: already controlled by Deployment/other (uid u-2)');
    expect(() => setControllerReference(app, child({ namespace: 'dev' }))).toThrow(/cross-namespace owner references are disallowed/);
    const namespace: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } };
    expect(() => setControllerReference(app, namespace)).toThrow(/a cluster-scoped object cannot have a namespaced owner/);
    // A cluster-scoped owner may own namespaced objects.
    const clusterOwner: KubeObject = { apiVersion: 'example.com/v1', kind: 'Tenant', metadata: { name: 'acme', uid: 'u-3' } };
    expect(isControlledBy(setControllerReference(clusterOwner, child()), clusterOwner)).toBe(true);
  });

  it('isControlledBy and isOwnedBy compare uids', () => {
    const owned = child({ ownerReferences: [{ apiVersion: 'example.com/v1', kind: 'WebApp', name: 'web', uid: 'u-1' }] });
    expect(isOwnedBy(owned, app)).toBe(true);
    expect(isControlledBy(owned, app)).toBe(false);
    const recreated = { ...app, metadata: { ...app.metadata, uid: 'u-new' } };
    expect(isOwnedBy(owned, recreated)).toBe(false);
    expect(isControlledBy(setControllerReference(app, child()), recreated)).toBe(false);
  });
});
