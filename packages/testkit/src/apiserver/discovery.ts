import { apiVersionOf, type ResourceDefinition } from './resources.js';

/** The Kubernetes version the in-memory server reports (that of the real control plane it is held to). */
export const servedKubernetesVersion = { major: '1', minor: '37', gitVersion: 'v1.37.2' } as const;

const verbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** Orders versions as Kubernetes does: GA before beta before alpha, higher numbers first, others last. */
export function compareKubeVersions(a: string, b: string): number {
  const parse = (version: string) => {
    const match = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(version);
    if (!match) return [3, 0, 0, version] as const;
    const stability = match[2] === undefined ? 0 : match[2] === 'beta' ? 1 : 2;
    return [stability, -Number(match[1]), -Number(match[3] ?? 0), version] as const;
  };
  const [x, y] = [parse(a), parse(b)];
  for (let index = 0; index < 3; index += 1) if (x[index] !== y[index]) return (x[index] as number) - (y[index] as number);
  return x[3].localeCompare(y[3]);
}

/** `GET /version`. */
export function versionInfo(): Record<string, string> {
  return {
    ...servedKubernetesVersion,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2026-01-01T00:00:00Z',
    goVersion: `node${process.versions.node}`,
    compiler: 'weft-testkit',
    platform: `${process.platform}/${process.arch}`,
  };
}

/** `GET /api`. */
export function coreVersions(serverAddress: string): Record<string, unknown> {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

function groupsOf(resources: readonly ResourceDefinition[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const resource of resources) {
    if (resource.group === '') continue;
    const versions = groups.get(resource.group) ?? [];
    if (!versions.includes(resource.version)) versions.push(resource.version);
    groups.set(resource.group, versions);
  }
  for (const versions of groups.values()) versions.sort(compareKubeVersions);
  return groups;
}

function group(name: string, versions: string[]): Record<string, unknown> {
  const entries = versions.map((version) => ({ groupVersion: `${name}/${version}`, version }));
  return { name, versions: entries, preferredVersion: entries[0] };
}

/** `GET /apis`. */
export function groupList(resources: readonly ResourceDefinition[]): Record<string, unknown> {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: [...groupsOf(resources)].map(([name, versions]) => group(name, versions)) };
}

/** `GET /apis/<group>`, or undefined when the group is not served. */
export function apiGroup(resources: readonly ResourceDefinition[], name: string): Record<string, unknown> | undefined {
  const versions = groupsOf(resources).get(name);
  return versions ? { kind: 'APIGroup', apiVersion: 'v1', ...group(name, versions) } : undefined;
}

/** `GET /api/v1` or `/apis/<group>/<version>`, or undefined when not served. */
export function resourceList(resources: readonly ResourceDefinition[], groupName: string, version: string): Record<string, unknown> | undefined {
  const served = resources.filter((resource) => resource.group === groupName && resource.version === version);
  if (served.length === 0) return undefined;
  const entries: Record<string, unknown>[] = [];
  for (const resource of served) {
    entries.push({
      name: resource.plural,
      singularName: resource.singular,
      namespaced: resource.namespaced,
      kind: resource.kind,
      // Namespaces are deleted one by one: the apiserver offers no deletecollection for them.
      verbs: resource.group === '' && resource.plural === 'namespaces' ? verbs.filter((verb) => verb !== 'deletecollection') : verbs,
      ...(resource.shortNames.length > 0 ? { shortNames: resource.shortNames } : {}),
      ...(resource.categories.length > 0 ? { categories: resource.categories } : {}),
    });
    if (resource.statusSubresource) entries.push({ name: `${resource.plural}/status`, singularName: '', namespaced: resource.namespaced, kind: resource.kind, verbs: ['get', 'patch', 'update'] });
    if (resource.scale) entries.push({ name: `${resource.plural}/scale`, singularName: '', namespaced: resource.namespaced, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] });
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf({ group: groupName, version }), resources: entries };
}

/** The Content-Type of aggregated discovery documents. */
export const aggregatedDiscoveryType = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

/** Whether a request's Accept header asks for aggregated discovery (`apidiscovery.k8s.io/v2`). */
export function wantsAggregatedDiscovery(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((part) => part.includes('g=apidiscovery.k8s.io') && part.includes('v=v2') && part.includes('as=APIGroupDiscoveryList'));
}

/**
 * `GET /api` or `/apis` as aggregated discovery: every group, version and resource (with its
 * subresources) in one document, as kubectl and client-go ask for first.
 */
export function aggregatedDiscovery(resources: readonly ResourceDefinition[], core: boolean): Record<string, unknown> {
  const kindRef = (kind: string) => ({ group: '', version: '', kind });
  const byGroup = new Map<string, Map<string, ResourceDefinition[]>>();
  for (const resource of resources) {
    if ((resource.group === '') !== core) continue;
    const versions = byGroup.get(resource.group) ?? new Map<string, ResourceDefinition[]>();
    versions.set(resource.version, [...(versions.get(resource.version) ?? []), resource]);
    byGroup.set(resource.group, versions);
  }
  const items = [...byGroup].map(([name, versions]) => ({
    metadata: core ? {} : { name },
    versions: [...versions.keys()].sort(compareKubeVersions).map((version) => ({
      version,
      resources: versions
        .get(version)!
        .sort((a, b) => a.plural.localeCompare(b.plural))
        .map((resource) => {
          const subresources = [
            ...(resource.scale ? [{ subresource: 'scale', responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, verbs: ['get', 'patch', 'update'] }] : []),
            ...(resource.statusSubresource ? [{ subresource: 'status', responseKind: kindRef(resource.kind), verbs: ['get', 'patch', 'update'] }] : []),
          ];
          return {
            resource: resource.plural,
            responseKind: kindRef(resource.kind),
            scope: resource.namespaced ? 'Namespaced' : 'Cluster',
            singularResource: resource.singular,
            verbs: resource.group === '' && resource.plural === 'namespaces' ? verbs.filter((verb) => verb !== 'deletecollection') : verbs,
            ...(resource.shortNames.length > 0 ? { shortNames: resource.shortNames } : {}),
            ...(resource.categories.length > 0 ? { categories: resource.categories } : {}),
            ...(subresources.length > 0 ? { subresources } : {}),
          };
        }),
      freshness: 'Current',
    })),
  }));
  return { kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {}, items };
}
