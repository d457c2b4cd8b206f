import { describe, expect, it } from 'vitest';
import { builtinResources } from '../resources.js';
import { compileFieldSelector, compileLabelSelector } from '../selectors.js';
import { StatusError } from '../status-error.js';

const object = (labels: Record<string, string>, extra: Record<string, unknown> = {}) => ({ metadata: { name: 'web', namespace: 'prod', labels }, ...extra });
const pods = builtinResources.find((resource) => resource.plural === 'pods')!;

describe('compileLabelSelector', () => {
  it.each([
    ['app=web', { app: 'web' }, true],
    ['app=web', { app: 'db' }, false],
    ['app!=web', {}, true],
    ['app in (web,db)', { app: 'db' }, true],
    ['app notin (web)', { app: 'web' }, false],
    ['app', { app: '' }, true],
    ['!app', { app: 'x' }, false],
    ['n>3', { n: '4' }, true],
    ['n<3', { n: 'x' }, false],
    ['example.com/role=api,tier', { 'example.com/role': 'api', tier: 'a' }, true],
    ['app=', { app: '' }, true],
    ['', { any: 'thing' }, true],
  ])('%j against %j is %s', (selector, labels, expected) => {
    expect(compileLabelSelector(selector)(object(labels))).toBe(expected);
  });

  it.each(['app in web', 'a b', 'app=(x', '=x', 'a,,b'])('rejects %j with a 400 StatusError', (selector) => {
    expect(() => compileLabelSelector(selector)).toThrow(StatusError);
  });
});

describe('compileFieldSelector', () => {
  it('matches metadata.name, metadata.namespace and kind-specific fields', () => {
    const pod = object({}, { spec: { nodeName: 'node-1' }, status: { phase: 'Running' } });
    expect(compileFieldSelector('metadata.name=web,metadata.namespace=prod', pods)(pod)).toBe(true);
    expect(compileFieldSelector('spec.nodeName=node-1,status.phase!=Pending', pods)(pod)).toBe(true);
    expect(compileFieldSelector('status.phase==Pending', pods)(pod)).toBe(false);
  });

  it('names the supported fields when given an unknown one', () => {
    expect(() => compileFieldSelector('spec.foo=x', pods)).toThrow(/"spec.foo" is not a known field selector: only "metadata.name", "metadata.namespace"/);
  });
});
