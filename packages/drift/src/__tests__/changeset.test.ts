import { describe, expect, it } from 'vitest';
import { changeEntry, countChanges, findChange, mergeChangeSets, summarizeChangeSet } from '../changeset.js';

const web = { group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'prod', name: 'web' };
const settings = { group: '', version: 'v1', kind: 'ConfigMap', namespace: 'prod', name: 'settings' };
const ns = { group: '', version: 'v1', kind: 'Namespace', name: 'prod' };

describe('change sets', () => {
  it('name each object and summarise what changed', () => {
    const set = mergeChangeSets({ entries: [changeEntry(ns, 'unchanged'), changeEntry(web, 'configured')] }, { entries: [changeEntry(settings, 'skipped', 'apply policy Ignore')] });
    expect(summarizeChangeSet(set)).toBe('Deployment/prod/web configured\nConfigMap/prod/settings skipped (apply policy Ignore)');
    expect(countChanges(set)).toEqual({ unchanged: 1, configured: 1, skipped: 1 });
    expect(findChange(set, { ...web, version: 'v2' })?.action).toBe('configured');
    expect(findChange(set, { ...web, name: 'api' })).toBeUndefined();
  });
});
