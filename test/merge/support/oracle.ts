// The real kube-apiserver as the oracle: sends the same operations the engine runs, as raw JSON
// requests (client-node's typed serializer would turn timestamps into Dates and back).
import { request } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import type { JsonObject } from '@weft/merge';

/** What the apiserver answered: the object, or the failure (HTTP code and Status message). */
export type OracleResult = { ok: true; object: JsonObject } | { ok: false; code: number; reason: string; message: string };

interface Resource {
  readonly plural: string;
  readonly namespaced: boolean;
}

export class ApiServerOracle {
  private readonly resources = new Map<string, Resource>();

  constructor(private readonly kubeConfig: KubeConfig) {}

  /** Registers the REST resource of a kind (`group/version/Kind`) not built in below. */
  registerResource(apiVersion: string, kind: string, plural: string, namespaced: boolean): void {
    this.resources.set(`${apiVersion}/${kind}`, { plural, namespaced });
  }

  async read(object: JsonObject): Promise<JsonObject | undefined> {
    const result = await this.send('GET', this.path(object, true));
    if (!result.ok) {
      if (result.code === 404) return undefined;
      throw new Error(`read failed: ${result.code} ${result.message}`);
    }
    return result.object;
  }

  /** GET of any path (OpenAPI, discovery), parsed. */
  async getRaw(path: string): Promise<JsonObject> {
    const result = await this.send('GET', path);
    if (!result.ok) throw new Error(`GET ${path} failed: ${result.code} ${result.message}`);
    return result.object;
  }

  apply(config: JsonObject, manager: string, force: boolean): Promise<OracleResult> {
    const query = `?fieldManager=${encodeURIComponent(manager)}${force ? '&force=true' : ''}`;
    return this.send('PATCH', this.path(config, true) + query, config, 'application/apply-patch+yaml');
  }

  /** PATCH with application/strategic-merge-patch+json; `target` names the object. */
  strategicMergePatch(target: JsonObject, patch: JsonObject, manager: string): Promise<OracleResult> {
    return this.send('PATCH', `${this.path(target, true)}?fieldManager=${encodeURIComponent(manager)}`, patch, 'application/strategic-merge-patch+json');
  }

  create(object: JsonObject, manager: string): Promise<OracleResult> {
    return this.send('POST', `${this.path(object, false)}?fieldManager=${encodeURIComponent(manager)}`, object);
  }

  replace(object: JsonObject, manager: string, dryRun = false): Promise<OracleResult> {
    return this.send('PUT', `${this.path(object, true)}?fieldManager=${encodeURIComponent(manager)}${dryRun ? '&dryRun=All' : ''}`, object);
  }

  async delete(object: JsonObject): Promise<void> {
    await this.send('DELETE', this.path(object, true));
  }

  private path(object: JsonObject, named: boolean): string {
    const apiVersion = object['apiVersion'] as string;
    const kind = object['kind'] as string;
    const metadata = (object['metadata'] ?? {}) as { name?: string; namespace?: string };
    const resource = this.resources.get(`${apiVersion}/${kind}`) ?? builtinResources[kind];
    if (resource === undefined) throw new Error(`unknown resource for ${apiVersion} ${kind}`);
    const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const namespace = resource.namespaced ? `/namespaces/${metadata.namespace ?? 'default'}` : '';
    return `${base}${namespace}/${resource.plural}${named ? `/${metadata.name}` : ''}`;
  }

  private async send(method: string, path: string, body?: JsonObject, contentType = 'application/json'): Promise<OracleResult> {
    const server = this.kubeConfig.getCurrentCluster()?.server;
    if (server === undefined) throw new Error('no current cluster');
    const url = new URL(path, server);
    const options: import('node:https').RequestOptions = { method, headers: { Accept: 'application/json' } };
    await this.kubeConfig.applyToHTTPSOptions(options);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    if (payload !== undefined) (options.headers as Record<string, string>)['Content-Type'] = contentType;
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(url, options, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
    let parsed: JsonObject;
    try {
      parsed = text === '' ? {} : (JSON.parse(text) as JsonObject);
    } catch {
      parsed = { message: text };
    }
    if (status >= 200 && status < 300) return { ok: true, object: parsed };
    return { ok: false, code: status, reason: String(parsed['reason'] ?? ''), message: String(parsed['message'] ?? text) };
  }
}

const builtinResources: Record<string, Resource> = {
  Deployment: { plural: 'deployments', namespaced: true },
  Service: { plural: 'services', namespaced: true },
  ConfigMap: { plural: 'configmaps', namespaced: true },
  Namespace: { plural: 'namespaces', namespaced: false },
  CustomResourceDefinition: { plural: 'customresourcedefinitions', namespaced: false },
};
