import { createHash } from 'node:crypto';
import type { ResourceDefinition } from './resources.js';
import type { ResourceRegistry } from './registry.js';

function groupVersionPath(resource: Pick<ResourceDefinition, 'group' | 'version'>): string {
  return resource.group === '' ? `api/${resource.version}` : `apis/${resource.group}/${resource.version}`;
}

function schemaName(resource: ResourceDefinition): string {
  const group = resource.group === '' ? 'core' : resource.group.split('.').reverse().join('.');
  return `${group}.${resource.version}.${resource.kind}`;
}

/** `GET /openapi/v3`: one entry per served group version, each with a content hash as the real one. */
export function openApiIndex(registry: ResourceRegistry): Record<string, unknown> {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  const seen = new Set<string>();
  for (const resource of registry.all()) {
    const path = groupVersionPath(resource);
    if (seen.has(path)) continue;
    seen.add(path);
    const hash = createHash('sha512').update(JSON.stringify(openApiDocument(registry, path) ?? {})).digest('hex').slice(0, 128).toUpperCase();
    paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${hash}` };
  }
  return { paths };
}

const parameter = (name: string, description: string) => ({ name, in: 'query', description, schema: { type: 'string', uniqueItems: true } });

/**
 * `GET /openapi/v3/<group version path>`: the paths and schemas of the kinds served there. Custom
 * resources carry their CRD schema (so `kubectl explain` reads it); built-in kinds carry a
 * permissive schema.
 */
export function openApiDocument(registry: ResourceRegistry, path: string): Record<string, unknown> | undefined {
  const served = registry.all().filter((resource) => groupVersionPath(resource) === path);
  if (served.length === 0) return undefined;
  const schemas: Record<string, unknown> = {};
  const paths: Record<string, unknown> = {};
  for (const resource of served) {
    const gvk = [{ group: resource.group, version: resource.version, kind: resource.kind }];
    const name = schemaName(resource);
    const crdSchema = registry.crdSchema(resource);
    schemas[name] = crdSchema
      ? { ...crdSchema, 'x-kubernetes-group-version-kind': gvk }
      : {
          type: 'object',
          'x-kubernetes-group-version-kind': gvk,
          'x-kubernetes-preserve-unknown-fields': true,
          properties: { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        };
    const ref = { $ref: `#/components/schemas/${name}` };
    const content = { content: { 'application/json': { schema: ref } } };
    const scope = resource.namespaced ? '/namespaces/{namespace}' : '';
    const base = `/${path}${scope}/${resource.plural}`;
    const common = [parameter('dryRun', 'dry run'), parameter('fieldManager', 'field manager'), parameter('fieldValidation', 'field validation')];
    const operation = (action: string) => ({ 'x-kubernetes-action': action, 'x-kubernetes-group-version-kind': gvk[0], parameters: common, responses: { '200': content } });
    paths[base] = { get: operation('list'), post: { ...operation('post'), requestBody: content } };
    paths[`${base}/{name}`] = {
      get: operation('get'),
      put: { ...operation('put'), requestBody: content },
      patch: { ...operation('patch'), parameters: [...common, parameter('force', 'force apply')], requestBody: { content: { 'application/apply-patch+yaml': { schema: { type: 'object' } }, 'application/merge-patch+json': { schema: { type: 'object' } } } } },
      delete: operation('delete'),
    };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.37.2' }, paths, components: { schemas } };
}
