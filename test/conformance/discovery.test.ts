import { expect, it } from 'vitest';
import { conformance } from './targets';

const builtins: [group: string, version: string, plural: string, kind: string, namespaced: boolean][] = [
  ['', 'v1', 'configmaps', 'ConfigMap', true],
  ['', 'v1', 'secrets', 'Secret', true],
  ['', 'v1', 'services', 'Service', true],
  ['', 'v1', 'serviceaccounts', 'ServiceAccount', true],
  ['', 'v1', 'pods', 'Pod', true],
  ['', 'v1', 'namespaces', 'Namespace', false],
  ['', 'v1', 'nodes', 'Node', false],
  ['', 'v1', 'events', 'Event', true],
  ['', 'v1', 'persistentvolumes', 'PersistentVolume', false],
  ['', 'v1', 'persistentvolumeclaims', 'PersistentVolumeClaim', true],
  ['apps', 'v1', 'deployments', 'Deployment', true],
  ['apps', 'v1', 'statefulsets', 'StatefulSet', true],
  ['apps', 'v1', 'daemonsets', 'DaemonSet', true],
  ['apps', 'v1', 'replicasets', 'ReplicaSet', true],
  ['batch', 'v1', 'jobs', 'Job', true],
  ['batch', 'v1', 'cronjobs', 'CronJob', true],
  ['coordination.k8s.io', 'v1', 'leases', 'Lease', true],
  ['events.k8s.io', 'v1', 'events', 'Event', true],
  ['networking.k8s.io', 'v1', 'ingresses', 'Ingress', true],
  ['networking.k8s.io', 'v1', 'ingressclasses', 'IngressClass', false],
  ['networking.k8s.io', 'v1', 'networkpolicies', 'NetworkPolicy', true],
  ['rbac.authorization.k8s.io', 'v1', 'roles', 'Role', true],
  ['rbac.authorization.k8s.io', 'v1', 'rolebindings', 'RoleBinding', true],
  ['rbac.authorization.k8s.io', 'v1', 'clusterroles', 'ClusterRole', false],
  ['rbac.authorization.k8s.io', 'v1', 'clusterrolebindings', 'ClusterRoleBinding', false],
  ['apiextensions.k8s.io', 'v1', 'customresourcedefinitions', 'CustomResourceDefinition', false],
];

conformance('discovery and OpenAPI', (target) => {
  it('answers /version with major 1 and a v1.x gitVersion', async () => {
    const { status, body } = await target().request('GET', '/version');
    expect(status).toBe(200);
    expect(body.major).toBe('1');
    expect(body.gitVersion).toMatch(/^v1\.\d+\.\d+/);
  });

  it('answers /api with the v1 core group version', async () => {
    const { body } = await target().request('GET', '/api');
    expect(body.kind).toBe('APIVersions');
    expect(body.versions).toEqual(['v1']);
  });

  it('lists the built-in groups under /apis with their preferred versions', async () => {
    const { body } = await target().request('GET', '/apis');
    expect(body.kind).toBe('APIGroupList');
    const groups = new Map((body.groups as any[]).map((group) => [group.name, group.preferredVersion.groupVersion]));
    for (const group of ['apps', 'batch', 'coordination.k8s.io', 'events.k8s.io', 'networking.k8s.io', 'rbac.authorization.k8s.io', 'apiextensions.k8s.io']) {
      expect(groups.get(group)).toBe(`${group}/v1`);
    }
  });

  it('answers /apis/apps with an APIGroup', async () => {
    const { status, body } = await target().request('GET', '/apis/apps');
    expect(status).toBe(200);
    expect(body).toMatchObject({ kind: 'APIGroup', name: 'apps', preferredVersion: { groupVersion: 'apps/v1', version: 'v1' } });
  });

  it('answers 404 for a group it does not serve', async () => {
    const { status } = await target().request('GET', '/apis/no.such.group.example.com/v1');
    expect(status).toBe(404);
  });

  it.each(builtins)('serves %s/%s %s as kind %s (namespaced: %s) with its verbs', async (group, version, plural, kind, namespaced) => {
    const path = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
    const { body } = await target().request('GET', path);
    expect(body.kind).toBe('APIResourceList');
    const entry = (body.resources as any[]).find((resource) => resource.name === plural);
    expect(entry).toMatchObject({ kind, namespaced });
    const all = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
    // Namespaces are deleted one at a time: no deletecollection.
    expect([...entry.verbs].sort()).toEqual(plural === 'namespaces' ? all.filter((verb) => verb !== 'deletecollection') : all);
  });

  it.each([
    ['/apis/apps/v1', 'deployments/status'],
    ['/apis/apps/v1', 'deployments/scale'],
    ['/apis/apps/v1', 'statefulsets/scale'],
    ['/apis/batch/v1', 'jobs/status'],
    ['/api/v1', 'namespaces/status'],
    ['/apis/apiextensions.k8s.io/v1', 'customresourcedefinitions/status'],
  ])('lists the subresource %s %s', async (path, name) => {
    const { body } = await target().request('GET', path);
    expect((body.resources as any[]).map((resource) => resource.name)).toContain(name);
  });

  it('lists deployments/scale as an autoscaling/v1 Scale', async () => {
    const { body } = await target().request('GET', '/apis/apps/v1');
    expect((body.resources as any[]).find((resource) => resource.name === 'deployments/scale')).toMatchObject({ group: 'autoscaling', version: 'v1', kind: 'Scale' });
  });

  it('gives short names (cm, deploy, ns)', async () => {
    const core = (await target().request('GET', '/api/v1')).body.resources as any[];
    const apps = (await target().request('GET', '/apis/apps/v1')).body.resources as any[];
    expect(core.find((resource) => resource.name === 'configmaps').shortNames).toContain('cm');
    expect(core.find((resource) => resource.name === 'namespaces').shortNames).toContain('ns');
    expect(apps.find((resource) => resource.name === 'deployments').shortNames).toContain('deploy');
  });

  it('indexes OpenAPI v3 by group version with hashed URLs', async () => {
    const { status, body } = await target().request('GET', '/openapi/v3');
    expect(status).toBe(200);
    expect(body.paths['api/v1'].serverRelativeURL).toMatch(/^\/openapi\/v3\/api\/v1\?hash=/);
    expect(body.paths['apis/apps/v1'].serverRelativeURL).toMatch(/^\/openapi\/v3\/apis\/apps\/v1\?hash=/);
  });

  it('serves an OpenAPI v3 document whose schemas name their group-version-kind', async () => {
    const index = (await target().request('GET', '/openapi/v3')).body;
    const { body } = await target().request('GET', index.paths['apis/apps/v1'].serverRelativeURL);
    expect(body.openapi).toMatch(/^3\./);
    const kinds = Object.values(body.components.schemas as Record<string, any>).flatMap((schema) => schema['x-kubernetes-group-version-kind'] ?? []);
    expect(kinds).toContainEqual({ group: 'apps', version: 'v1', kind: 'Deployment' });
  });

  it('serves aggregated discovery for /apis with scopes, subresources and freshness', async () => {
    const { status, body } = await target().request('GET', '/apis', undefined, { Accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json' });
    expect(status).toBe(200);
    expect(body).toMatchObject({ kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2' });
    const apps = (body.items as any[]).find((item) => item.metadata.name === 'apps');
    const v1 = apps.versions.find((version: any) => version.version === 'v1');
    expect(v1.freshness).toBe('Current');
    const deployments = (v1.resources as any[]).find((resource) => resource.resource === 'deployments');
    expect(deployments).toMatchObject({ responseKind: { group: '', version: '', kind: 'Deployment' }, scope: 'Namespaced', singularResource: 'deployment', shortNames: ['deploy'] });
    expect((deployments.subresources as any[]).map((subresource) => subresource.subresource).sort()).toEqual(['scale', 'status']);
  });

  it('serves aggregated discovery for /api with the core group', async () => {
    const { body } = await target().request('GET', '/api', undefined, { Accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' });
    expect(body.kind).toBe('APIGroupDiscoveryList');
    const core = body.items[0].versions[0];
    expect(core.version).toBe('v1');
    expect((core.resources as any[]).find((resource) => resource.resource === 'namespaces')).toMatchObject({ scope: 'Cluster', responseKind: { kind: 'Namespace' } });
  });

  it('answers /healthz and /readyz with ok', async () => {
    expect((await target().request('GET', '/healthz')).text).toBe('ok');
    expect((await target().request('GET', '/readyz')).status).toBe(200);
  });

  it('has the default, kube-system and kube-public namespaces', async () => {
    for (const name of ['default', 'kube-system', 'kube-public']) {
      const { status, body } = await target().request('GET', `/api/v1/namespaces/${name}`);
      expect(status).toBe(200);
      expect(body.status.phase).toBe('Active');
    }
  });
});
