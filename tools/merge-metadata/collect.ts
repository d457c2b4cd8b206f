// Reads what the metadata file is made of from a running kube-apiserver: every group-version
// document of /openapi/v3, the discovery documents (for namespaced-ness) and /version.
import { compileOpenApiDocuments, type SchemaFile } from './compile.ts';

/** GETs a path from the apiserver and parses the JSON. */
export type RawGet = (path: string) => Promise<any>;

/** `skipGroups`: API groups served by CRDs, which are not built in. */
export async function collectBuiltinSchema(get: RawGet, skipGroups: readonly string[] = []): Promise<SchemaFile> {
  const index = await get('/openapi/v3');
  const documents: unknown[] = [];
  for (const [path, entry] of Object.entries<any>(index.paths)) {
    if (!path.startsWith('api/') && !path.startsWith('apis/')) continue;
    if (skipGroups.some((group) => path.startsWith(`apis/${group}/`) || path === `apis/${group}`)) continue;
    if (path.split('/').length < 3 && path !== 'api/v1') continue; // group roots list versions only
    documents.push(await get(entry.serverRelativeURL));
  }
  const namespaced = new Map<string, boolean>();
  const recordResources = (group: string, version: string, list: any): void => {
    for (const resource of list.resources ?? []) {
      if (String(resource.name).includes('/')) continue; // subresources
      namespaced.set(`${group}/${version}/${resource.kind}`, Boolean(resource.namespaced));
    }
  };
  recordResources('', 'v1', await get('/api/v1'));
  const groups = await get('/apis');
  for (const group of groups.groups) {
    if (skipGroups.includes(group.name)) continue;
    for (const version of group.versions) {
      recordResources(group.name, version.version, await get(`/apis/${group.name}/${version.version}`));
    }
  }
  const versionInfo = await get('/version');
  return compileOpenApiDocuments(documents, namespaced, versionInfo.gitVersion);
}
