import { describe, expect, it } from 'vitest';
import { fieldsOf, fromFieldsV1, toFieldsV1 } from '../field-set.js';
import { managedFieldsAfterUpdate, serverSideApply } from '../managed-fields.js';
import { StatusError } from '../status-error.js';
import type { StoredObject } from '../stored-object.js';

const identity = (manager: string) => ({ manager, apiVersion: 'v1' });
const cm = (data: Record<string, string>, extra: Partial<StoredObject['metadata']> = {}): StoredObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', ...extra }, data });

describe('field sets', () => {
  it('round-trips through fieldsV1 with keyed list items', () => {
    const object = { metadata: { name: 'x', labels: { a: '1' } }, spec: { containers: [{ name: 'app', image: 'i' }] } };
    const set = fieldsOf(object);
    expect(toFieldsV1(set)).toEqual({
      'f:metadata': { 'f:labels': { 'f:a': {} } },
      'f:spec': { 'f:containers': { 'k:{"name":"app"}': { '.': {}, 'f:image': {}, 'f:name': {} } } },
    });
    expect(fromFieldsV1(toFieldsV1(set))).toEqual(set);
  });
});

describe('serverSideApply', () => {
  it('conflicts on a field another manager set to another value, and not with force', () => {
    const live = serverSideApply(undefined, cm({ k: 'a' }), identity('alice'), false);
    expect(() => serverSideApply(live, cm({ k: 'b' }), identity('bob'), false)).toThrow(StatusError);
    const forced = serverSideApply(live, cm({ k: 'b' }), identity('bob'), true);
    expect(forced['data']).toEqual({ k: 'b' });
    expect(forced.metadata.managedFields!.map((entry) => entry.manager)).toEqual(['bob']);
  });

  it('removes what the manager no longer applies', () => {
    const live = serverSideApply(undefined, cm({ a: '1', b: '2' }), identity('alice'), false);
    expect(serverSideApply(live, cm({ a: '1' }), identity('alice'), false)['data']).toEqual({ a: '1' });
  });
});

describe('managedFieldsAfterUpdate', () => {
  it('gives the writer the fields it changed and takes them from the others', () => {
    const applied = serverSideApply(undefined, cm({ a: '1', b: '2' }), identity('alice'), false);
    const next = { ...applied, data: { a: '9', b: '2' } };
    const entries = managedFieldsAfterUpdate(applied, next, identity('editor'));
    const byManager = Object.fromEntries(entries.map((entry) => [entry.manager, entry.fieldsV1]));
    expect(byManager['editor']).toEqual({ 'f:data': { 'f:a': {} } });
    expect(byManager['alice']).toEqual({ 'f:data': { 'f:b': {} } });
  });
});
