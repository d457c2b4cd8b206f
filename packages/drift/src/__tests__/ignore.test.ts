import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@weft/reconcile-core';
import { compileIgnoreRules, InvalidIgnoreRuleError } from '../ignore.js';

function deployment(labels: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'prod', labels, annotations: { 'team/owner': 'a' } },
    spec: { replicas: 3, template: { spec: { containers: [{ name: 'web', image: 'nginx:1', resources: { limits: { cpu: '1' } } }, { name: 'sidecar', image: 'envoy' }] } } },
  };
}

describe('compileIgnoreRules', () => {
  it('removes JSON pointers, escapes included', () => {
    const object = deployment();
    compileIgnoreRules([{ paths: ['/spec/replicas', '/metadata/annotations/team~1owner'] }]).strip(object, undefined);
    expect((object['spec'] as Record<string, unknown>)['replicas']).toBeUndefined();
    expect(object.metadata.annotations).toEqual({});
  });

  it('applies a rule only to its target (kind, name regex, labels)', () => {
    const rules = compileIgnoreRules([{ paths: ['/spec/replicas'], target: { kind: 'Deployment', name: 'w.*', labelSelector: 'autoscaled=true,tier!=db' } }]);
    const labelled = deployment({ autoscaled: 'true' });
    const other = deployment({ autoscaled: 'false' });
    rules.strip(labelled, undefined);
    rules.strip(other, undefined);
    expect((labelled['spec'] as Record<string, unknown>)['replicas']).toBeUndefined();
    expect((other['spec'] as Record<string, unknown>)['replicas']).toBe(3);
    expect(rules.appliesTo(deployment({ autoscaled: 'true', tier: 'db' }))).toBe(false);
    expect(compileIgnoreRules([{ paths: ['/x'], target: { name: 'we' } }]).appliesTo(deployment())).toBe(false);
  });

  it('supports set-based selectors', () => {
    const rules = compileIgnoreRules([{ paths: ['/x'], target: { labelSelector: 'env in (prod, staging),!legacy' } }]);
    expect(rules.appliesTo(deployment({ env: 'prod' }))).toBe(true);
    expect(rules.appliesTo(deployment({ env: 'dev' }))).toBe(false);
    expect(rules.appliesTo(deployment({ env: 'prod', legacy: 'yes' }))).toBe(false);
  });

  it('removes the fields a named manager owns in the live object', () => {
    const live = deployment();
    live.metadata.managedFields = [
      { manager: 'weft', operation: 'Apply', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:template': {} } } },
      {
        manager: 'kube-controller-manager',
        operation: 'Update',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:spec': { 'f:replicas': {}, 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"web"}': { '.': {}, 'f:resources': { 'f:limits': { 'f:cpu': {} } } }, 'k:{"name":"sidecar"}': {} } } } } },
      },
    ];
    const object = deployment();
    compileIgnoreRules([{ managers: ['kube-controller-manager'] }]).strip(object, live);
    const spec = object['spec'] as { replicas?: number; template: { spec: { containers: { name: string; resources?: { limits?: object } }[] } } };
    expect(spec.replicas).toBeUndefined();
    expect(spec.template.spec.containers).toEqual([{ name: 'web', image: 'nginx:1', resources: { limits: {} } }]);
  });

  it('rejects a bad pointer or selector with the rule named', () => {
    expect(() => compileIgnoreRules([{ paths: ['spec/replicas'] }])).toThrow(/ignore rule 0: JSON pointer "spec\/replicas"/);
    expect(() => compileIgnoreRules([{}, { target: { labelSelector: 'a in b' } }])).toThrow(InvalidIgnoreRuleError);
  });
});
