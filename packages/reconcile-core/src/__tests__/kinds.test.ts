import { describe, expect, it } from 'vitest';
import { ConfigMapKind, DeploymentKind, NamespaceKind, resourcePath } from '../resource/kinds.js';

describe('resourcePath', () => {
  it('builds core, grouped, namespaced and cluster-scoped paths', () => {
    expect(resourcePath(ConfigMapKind, { namespace: 'a' })).toBe('/api/v1/namespaces/a/configmaps');
    expect(resourcePath(ConfigMapKind, {})).toBe('/api/v1/configmaps');
    expect(resourcePath(DeploymentKind, { namespace: 'prod', name: 'web' })).toBe('/apis/apps/v1/namespaces/prod/deployments/web');
    expect(resourcePath(NamespaceKind, { name: 'prod', namespace: 'ignored' })).toBe('/api/v1/namespaces/prod');
  });
});
