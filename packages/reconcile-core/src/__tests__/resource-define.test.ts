import { describe, expect, expectTypeOf, it } from 'vitest';
import type { ObjectOf, ResourceKind } from '../resource/kinds.js';
import type { KubeObject } from '../resource/objects.js';
import { ResourceDefinitionError } from '../resource/crd-schema.js';
import { defineResource } from '../resource/define-resource.js';
import { ResourceValidationError } from '../resource/validator.js';

const WebAppKind = defineResource({
  group: 'apps.example.com',
  version: 'v1',
  kind: 'WebApp',
  shortNames: ['wa'],
  schema: {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        required: ['image'],
        properties: {
          image: { type: 'string', minLength: 1 },
          replicas: { type: 'integer', minimum: 0, exclusiveMaximum: 100 },
          mode: { type: 'string', enum: ['fast', 'safe'] },
          port: { 'x-kubernetes-int-or-string': true },
          env: { type: 'array', items: { type: 'object', required: ['name'], properties: { name: { type: 'string', pattern: '^[A-Z_]+$' }, value: { type: 'string' } } } },
          labels: { type: 'object', additionalProperties: { type: 'string' } },
          note: { type: ['string', 'null'] },
        },
      },
      status: {
        type: 'object',
        properties: {
          observedGeneration: { type: 'integer' },
          conditions: { type: 'array', items: { type: 'object', required: ['type', 'status'], properties: { type: { type: 'string' }, status: { type: 'string' }, message: { type: 'string' } } } },
        },
      },
    },
  },
} as const);

type WebApp = ObjectOf<typeof WebAppKind>;

const valid = (spec: Record<string, unknown>): unknown => ({ apiVersion: 'apps.example.com/v1', kind: 'WebApp', metadata: { name: 'web', namespace: 'prod' }, spec });

describe('defineResource', () => {
  it('is a ResourceKind carrying the schema-derived type', () => {
    expect(WebAppKind).toMatchObject({ apiVersion: 'apps.example.com/v1', kind: 'WebApp', plural: 'webapps', namespaced: true, group: 'apps.example.com', version: 'v1' });
    expect(Object.isFrozen(WebAppKind)).toBe(true);
    expectTypeOf(WebAppKind).toExtend<ResourceKind<KubeObject>>();
    expectTypeOf<NonNullable<WebApp['spec']>['image']>().toEqualTypeOf<string>();
    expectTypeOf<NonNullable<WebApp['spec']>['replicas']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<NonNullable<WebApp['spec']>['mode']>().toEqualTypeOf<'fast' | 'safe' | undefined>();
    expectTypeOf<WebApp['metadata']['name']>().toEqualTypeOf<string>();
    expectTypeOf<NonNullable<WebApp['spec']>['port']>().toEqualTypeOf<unknown>();
    expectTypeOf<NonNullable<WebApp['spec']>['note']>().toEqualTypeOf<string | null | undefined>();
  });

  it('builds an apiextensions v1 CRD with status subresource, OpenAPI v3.0 bounds and default printer columns', () => {
    const crd = WebAppKind.crd;
    expect(crd.metadata.name).toBe('webapps.apps.example.com');
    expect(crd.spec.scope).toBe('Namespaced');
    expect(crd.spec.names).toEqual({ kind: 'WebApp', listKind: 'WebAppList', plural: 'webapps', singular: 'webapp', shortNames: ['wa'] });
    const version = crd.spec.versions[0]!;
    expect(version).toMatchObject({ name: 'v1', served: true, storage: true, subresources: { status: {} } });
    expect(version.additionalPrinterColumns?.map((column) => column.name)).toEqual(['Ready', 'Status', 'Age']);
    const schema = version.schema?.openAPIV3Schema as { properties: Record<string, { properties?: Record<string, unknown> }> };
    expect(Object.keys(schema.properties)).toEqual(['apiVersion', 'kind', 'metadata', 'spec', 'status']);
    expect(schema.properties['spec']?.properties?.['replicas']).toEqual({ type: 'integer', minimum: 0, maximum: 100, exclusiveMaximum: true });
    expect(schema.properties['spec']?.properties?.['note']).toEqual({ type: 'string', nullable: true });
  });

  it('defaults plural, scope and subresources, and takes explicit printer columns', () => {
    const Policy = defineResource({
      group: 'example.com',
      version: 'v1beta1',
      kind: 'Policy',
      namespaced: false,
      printerColumns: [{ name: 'Rule', type: 'string', jsonPath: '.spec.rule' }],
      schema: { type: 'object', properties: { spec: { type: 'object', properties: { rule: { type: 'string' } } } } },
    } as const);
    expect(Policy.plural).toBe('policies');
    expect(Policy.crd.spec.scope).toBe('Cluster');
    expect(Policy.crd.spec.versions[0]!.subresources).toBeUndefined();
    expect(Policy.crd.spec.versions[0]!.additionalPrinterColumns).toEqual([{ name: 'Rule', type: 'string', jsonPath: '.spec.rule' }]);
  });

  it('refuses what a CRD cannot express, naming the path', () => {
    const define = (schema: object) => () => defineResource({ group: 'example.com', version: 'v1', kind: 'Widget', schema: schema as { type: 'object' } });
    expect(define({ type: 'object', properties: { spec: { type: 'object', additionalProperties: false } } })).toThrow(new ResourceDefinitionError('Widget', 'spec', 'CRD schemas cannot use additionalProperties: false (the apiserver prunes unknown fields instead)'));
    expect(define({ type: 'object', properties: { spec: { $ref: '#/definitions/x' } } })).toThrow(/schema at spec: CRD schemas cannot use \$ref/);
    expect(define({ type: 'object', properties: { spec: { type: 'object', properties: { size: {} } } } })).toThrow(/schema at spec\.size: every field needs a type/);
    expect(define({ type: 'object', properties: { spec: { type: 'array', items: { type: 'string' }, uniqueItems: true } } })).toThrow(/x-kubernetes-list-type: set/);
    expect(define({ type: 'object', properties: { metadata: { type: 'object' } } })).toThrow(/metadata is added by defineResource/);
    expect(() => defineResource({ group: 'nodot', version: 'v1', kind: 'Widget', schema: { type: 'object' } })).toThrow(/group "nodot" must be a DNS subdomain/);
  });
});

describe('the validator', () => {
  it('accepts a valid object and returns it typed', () => {
    const result = WebAppKind.validate(valid({ image: 'nginx', replicas: 3, mode: 'safe', port: 'http', env: [{ name: 'A_B', value: '1' }], labels: { a: 'b' }, note: null }));
    expect(result.valid).toBe(true);
    if (result.valid) expectTypeOf(result.object).toEqualTypeOf<WebApp>();
  });

  it('reports each bad field in the apiserver path form', () => {
    const result = WebAppKind.validate(valid({ replicas: 100, mode: 'slow', port: 1.5, env: [{ name: 'ok' }, { value: 'x' }], labels: { a: 1 } }));
    expect(result.valid).toBe(false);
    if (result.valid) return;
    expect(result.errors.map((error) => `${error.field} ${error.reason}`).sort()).toEqual(
      [
        'spec.image FieldValueRequired',
        'spec.replicas FieldValueInvalid',
        'spec.mode FieldValueNotSupported',
        'spec.port FieldValueInvalid',
        'spec.env[0].name FieldValueInvalid',
        'spec.env[1].name FieldValueRequired',
        'spec.labels.a FieldValueTypeInvalid',
      ].sort(),
    );
  });

  it('checks apiVersion, kind and the object name', () => {
    const result = WebAppKind.validate({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Bad_Name' }, spec: { image: 'x' } });
    expect(result.valid ? [] : result.errors.map((error) => error.field)).toEqual(['apiVersion', 'kind', 'metadata.name']);
  });

  it('throws a ResourceValidationError naming the object from assertValid', () => {
    expect(() => WebAppKind.assertValid(valid({}))).toThrow(new ResourceValidationError('WebApp/prod/web', [{ field: 'spec.image', reason: 'FieldValueRequired', message: 'Required value' }]));
    expect(WebAppKind.assertValid(valid({ image: 'nginx' })).metadata.name).toBe('web');
  });
});
