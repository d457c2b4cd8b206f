import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyJsonMergePatch, applyJsonPatch, applyStrategicMergePatch, JsonPatchError, type JsonObject } from './index.js';

const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'n' }, data: { a: '1' } };

describe('JSON patch and JSON merge patch', () => {
  it('applies JSON patch operations without touching the input', () => {
    const result = applyJsonPatch(cm, [
      { op: 'add', path: '/data/b', value: '2' },
      { op: 'remove', path: '/data/a' },
    ]);
    expect(result['data']).toEqual({ b: '2' });
    expect(cm.data).toEqual({ a: '1' });
  });

  it('shares nothing with the operations: a value it added can be changed without changing the patch', () => {
    const value = { nested: ['x'] };
    const result = applyJsonPatch(cm, [{ op: 'add', path: '/data/obj', value }]);
    ((result['data'] as JsonObject)['obj'] as { nested: string[] }).nested.push('y');
    expect(value).toEqual({ nested: ['x'] });
  });

  it('refuses a failing test operation, naming the object and the operation', () => {
    expect(() => applyJsonPatch(cm, [{ op: 'test', path: '/data/a', value: 'x' }])).toThrow(JsonPatchError);
    expect(() => applyJsonPatch(cm, [{ op: 'remove', path: '/data/missing' }])).toThrow(/ConfigMap\/n\/c: JSON patch operation 0/);
  });

  it('applies JSON merge patches: null deletes, lists are replaced', () => {
    expect(applyJsonMergePatch({ a: { b: 1, c: 2 }, l: [1, 2] }, { a: { b: null }, l: [3] })).toEqual({ a: { c: 2 }, l: [3] });
  });
});

// Plain JSON: no keys starting with '$', so no strategic-merge directives.
const key = fc.constantFrom('a', 'b', 'c', 'd');
const json: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, fc.constantFrom(1, 'x', true), fc.array(fc.constantFrom(1, 2, 'y'), { maxLength: 3 }), tie('object')),
  object: fc.dictionary(key, fc.oneof(tie('value'), fc.constant(null)), { maxKeys: 4 }),
})).value;
const object = fc.dictionary(key, json, { maxKeys: 4 }) as fc.Arbitrary<JsonObject>;
const patch = fc.dictionary(key, fc.oneof(json, fc.constant(null)), { maxKeys: 4 }) as fc.Arbitrary<JsonObject>;

describe('strategic merge patch of kinds without metadata', () => {
  it('is JSON merge patch (json-merge-patch as the reference) when the patch has no directives', () => {
    fc.assert(
      fc.property(object, patch, (original, change) => {
        const unknownKind = { apiVersion: 'example.com/v1', kind: 'Unknown' };
        const strategic = applyStrategicMergePatch({ ...original, ...unknownKind }, change);
        expect(strategic).toEqual(applyJsonMergePatch({ ...original, ...unknownKind }, change));
      }),
      { numRuns: 300 },
    );
  });
});
