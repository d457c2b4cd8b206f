import { describe, expect, it } from 'vitest';
import { LabelSelectorError, parseLabelSelector } from '../resource/label-selector.js';

describe('parseLabelSelector', () => {
  it('parses every operator of the string form, as labels.Parse does', () => {
    expect(parseLabelSelector('app=web, tier!=db,env in (prod, staging),stage notin (x),!legacy,release,replicas>2,cpu<4,a==b').requirements).toEqual([
      { key: 'app', operator: 'In', values: ['web'] },
      { key: 'tier', operator: 'NotIn', values: ['db'] },
      { key: 'env', operator: 'In', values: ['prod', 'staging'] },
      { key: 'stage', operator: 'NotIn', values: ['x'] },
      { key: 'legacy', operator: 'DoesNotExist' },
      { key: 'release', operator: 'Exists' },
      { key: 'replicas', operator: 'Gt', value: 2 },
      { key: 'cpu', operator: 'Lt', value: 4 },
      { key: 'a', operator: 'In', values: ['b'] },
    ]);
    expect(parseLabelSelector('').requirements).toEqual([]);
    expect(parseLabelSelector('example.com/team=').requirements).toEqual([{ key: 'example.com/team', operator: 'In', values: [''] }]);
  });

  it('matches as Kubernetes does: NotIn and DoesNotExist match objects without the label; the empty selector matches all', () => {
    const selector = parseLabelSelector('app=web,tier!=db,!legacy,replicas>2');
    expect(selector.matches({ app: 'web', replicas: '3' })).toBe(true);
    expect(selector.matches({ app: 'web', replicas: '3', tier: 'db' })).toBe(false);
    expect(selector.matches({ app: 'web', replicas: '3', legacy: '' })).toBe(false);
    expect(selector.matches({ app: 'web', replicas: 'three' })).toBe(false);
    expect(selector.matches(undefined)).toBe(false);
    expect(parseLabelSelector('').matches(undefined)).toBe(true);
  });

  it('takes a metav1.LabelSelector object', () => {
    const selector = parseLabelSelector({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'env', operator: 'In', values: ['prod'] }, { key: 'legacy', operator: 'DoesNotExist' }] });
    expect(selector.matches({ app: 'web', env: 'prod' })).toBe(true);
    expect(selector.matches({ app: 'web', env: 'dev' })).toBe(false);
    expect(() => parseLabelSelector({ matchExpressions: [{ key: 'env', operator: 'In', values: [] }] })).toThrow("unable to parse requirement: for 'in', 'notin' operators, values set can't be empty");
  });

  it('refuses what the apiserver refuses, with its message', () => {
    const cases: [string, string][] = [
      ['app in web', "unable to parse requirement: found 'web', expected: '('"],
      ['-bad=x', 'unable to parse requirement: invalid label key "-bad"'],
      ['app=has space', "unable to parse requirement: found 'space', expected: ','"],
      ['app=-x', 'unable to parse requirement: invalid label value: "-x"'],
      ['n>x', "unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer"],
      ['app in (a,b', "unable to parse requirement: found '', expected: ')'"],
    ];
    for (const [selector, message] of cases) {
      const error = (() => {
        try {
          parseLabelSelector(selector);
        } catch (caught) {
          return caught;
        }
      })();
      expect(error, selector).toBeInstanceOf(LabelSelectorError);
      expect((error as LabelSelectorError).message, selector).toBe(message);
      expect((error as LabelSelectorError).selector).toBe(selector);
    }
  });
});
