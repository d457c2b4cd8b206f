import { sleep } from '@weft/reconcile-core';
import { SerializedJson } from './serialized.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { createObject } from './create.js';
import { deleteCollection, deleteObject, deleteOptionsOf } from './delete.js';
import { aggregatedDiscovery, aggregatedDiscoveryType, apiGroup, coreVersions, groupList, resourceList, versionInfo, wantsAggregatedDiscovery } from './discovery.js';
import type { ApiVerb } from './faults.js';
import { openApiDocument, openApiIndex } from './openapi.js';
import { parsePatchBody, patchObject } from './patch.js';
import { decodeProtobufObject } from './protobuf-body.js';
import { getObject, listObjects } from './read.js';
import { getScale } from './scale.js';
import type { ApiResponse, ResourceRequest, ServerState } from './server-state.js';
import { badRequest, methodNotAllowed, pathNotFound, statusError, StatusError } from './status-error.js';
import { wantsTable } from './table.js';
import { replaceObject } from './update.js';
import { serveWatch, type WatchConnection, type WatchSettings } from './watch.js';

/** What the router needs beyond the server state. */
export interface RouterContext {
  readonly state: ServerState;
  readonly watch: WatchSettings;
  readonly connections: Set<WatchConnection>;
  /** `host:port`, for `/api`'s serverAddressByClientCIDRs. */
  readonly serverAddress: string;
}

function send(response: ServerResponse, code: number, body: unknown, contentType = 'application/json', warnings: readonly string[] = []): void {
  const text = body instanceof SerializedJson ? body.text : JSON.stringify(body);
  // Warning headers as the apiserver writes them: code 299, agent "-", the text quoted.
  if (warnings.length > 0) response.setHeader('Warning', warnings.map((warning) => `299 - ${JSON.stringify(warning)}`));
  response.writeHead(code, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private' });
  response.end(text);
}

/** kube-apiserver's `MaxRequestBodyBytes`: larger create, update and patch bodies get 413. */
const maxRequestBodyBytes = 3 * 1024 * 1024;

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // The rest is read and dropped, so the client sees the answer rather than a reset.
      if (size <= maxRequestBodyBytes) chunks.push(chunk);
    });
    request.on('end', () => {
      if (size > maxRequestBodyBytes) reject(statusError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${maxRequestBodyBytes}`));
      else resolve(Buffer.concat(chunks));
    });
    request.on('error', reject);
  });
}

function parseBody(bytes: Buffer, contentType: string | undefined): unknown {
  const type = (contentType ?? '').split(';')[0]!.trim();
  if (type === 'application/vnd.kubernetes.protobuf') return decodeProtobufObject(bytes);
  const raw = bytes.toString('utf8');
  if (raw.trim() === '') return undefined;
  if (type.includes('cbor')) throw statusError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml`);
  try {
    return JSON.parse(raw);
  } catch (error) {
    if (type === 'application/yaml') return parseYaml(raw);
    throw badRequest(`the body of the request could not be decoded: ${(error as Error).message}`);
  }
}

interface ParsedPath {
  readonly request?: Omit<ResourceRequest, 'query' | 'userAgent'>;
  readonly legacyWatch: boolean;
}

function parseResourcePath(state: ServerState, group: string, version: string, rest: string[]): ParsedPath {
  let legacyWatch = false;
  if (rest[0] === 'watch') {
    legacyWatch = true;
    rest = rest.slice(1);
  }
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const candidate = state.registry.find(group, version, rest[2]!);
    if (candidate?.namespaced) {
      namespace = decodeURIComponent(rest[1]!);
      rest = rest.slice(2);
    }
  }
  const [plural, name, subresource, ...extra] = rest;
  if (plural === undefined || extra.length > 0) return { legacyWatch };
  const resource = state.registry.find(group, version, plural);
  if (!resource) return { legacyWatch };
  if (subresource !== undefined) {
    const allowed = (subresource === 'status' && resource.statusSubresource) || (subresource === 'scale' && resource.scale !== undefined) || (subresource === 'finalize' && resource.plural === 'namespaces');
    if (!allowed) return { legacyWatch };
  }
  return {
    legacyWatch,
    request: {
      resource,
      namespace,
      name: name === undefined ? undefined : decodeURIComponent(name),
      subresource,
    },
  };
}

function verbOf(method: string, request: Omit<ResourceRequest, 'query' | 'userAgent'>, watch: boolean): ApiVerb {
  switch (method) {
    case 'GET':
      return watch ? 'watch' : request.name === undefined ? 'list' : 'get';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return request.name === undefined ? 'deletecollection' : 'delete';
    default:
      throw methodNotAllowed(method);
  }
}

/**
 * Answers one HTTP request: health, version, discovery, OpenAPI, and the resource verbs, with
 * errors as `metav1.Status`.
 */
export async function routeRequest(context: RouterContext, request: IncomingMessage, response: ServerResponse): Promise<void> {
  try {
    const url = new URL(request.url ?? '/', 'http://in-memory');
    const segments = url.pathname.split('/').filter((segment) => segment !== '');
    const method = request.method ?? 'GET';
    const { state } = context;
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (method === 'GET') {
      if (path === '/healthz' || path === '/livez' || path === '/readyz') {
        response.writeHead(200, { 'Content-Type': 'text/plain' });
        response.end('ok');
        return;
      }
      if (path === '/version') return send(response, 200, versionInfo());
      const aggregated = wantsAggregatedDiscovery(request.headers.accept);
      if (path === '/api') {
        return aggregated
          ? send(response, 200, aggregatedDiscovery(state.registry.all(), true), aggregatedDiscoveryType)
          : send(response, 200, coreVersions(context.serverAddress));
      }
      if (path === '/apis') {
        return aggregated ? send(response, 200, aggregatedDiscovery(state.registry.all(), false), aggregatedDiscoveryType) : send(response, 200, groupList(state.registry.all()));
      }
      if (path === '/openapi/v3') return send(response, 200, openApiIndex(state.registry));
      if (segments[0] === 'openapi' && segments[1] === 'v3') {
        const document = openApiDocument(state.registry, segments.slice(2).join('/'));
        return document ? send(response, 200, document) : send(response, 404, pathNotFound().status);
      }
      if (segments[0] === 'apis' && segments.length === 2) {
        const group = apiGroup(state.registry.all(), segments[1]!);
        return group ? send(response, 200, group) : send(response, 404, pathNotFound().status);
      }
      if ((segments[0] === 'api' && segments.length === 2) || (segments[0] === 'apis' && segments.length === 3)) {
        const [group, version] = segments[0] === 'api' ? ['', segments[1]!] : [segments[1]!, segments[2]!];
        const list = resourceList(state.registry.all(), group, version);
        return list ? send(response, 200, list) : send(response, 404, pathNotFound().status);
      }
    }
    let parsed: ParsedPath | undefined;
    if (segments[0] === 'api' && segments.length >= 3) parsed = parseResourcePath(state, '', segments[1]!, segments.slice(2));
    else if (segments[0] === 'apis' && segments.length >= 4) parsed = parseResourcePath(state, segments[1]!, segments[2]!, segments.slice(3));
    if (!parsed?.request) return send(response, 404, pathNotFound().status);

    const warnings: string[] = [];
    const resourceRequest: ResourceRequest = { ...parsed.request, query: url.searchParams, userAgent: request.headers['user-agent'] ?? '', warnings };
    const watch = parsed.legacyWatch || url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1';
    const verb = verbOf(method, resourceRequest, watch);
    if (verb === 'deletecollection' && resourceRequest.resource.group === '' && resourceRequest.resource.plural === 'namespaces') throw methodNotAllowed('deletecollection');
    const fault = state.faults.decide(verb, resourceRequest.resource, resourceRequest.namespace);
    if (fault.delayMs > 0) await sleep(fault.delayMs);
    if (fault.error) throw fault.error;

    const asTable = wantsTable(request.headers.accept);
    const contentType = request.headers['content-type'];
    let answer: ApiResponse;
    switch (verb) {
      case 'watch':
        if (resourceRequest.subresource !== undefined) throw methodNotAllowed('watch');
        serveWatch(state, resourceRequest, response, asTable, context.watch, context.connections);
        return;
      case 'get':
        answer = resourceRequest.subresource === 'scale' ? getScale(state, resourceRequest) : getObject(state, resourceRequest, asTable);
        break;
      case 'list':
        answer = listObjects(state, resourceRequest, asTable);
        break;
      case 'create':
        if (resourceRequest.name !== undefined) throw methodNotAllowed('create');
        answer = createObject(state, resourceRequest, parseBody(await readBody(request), contentType));
        break;
      case 'update':
        answer = replaceObject(state, resourceRequest, parseBody(await readBody(request), contentType));
        break;
      case 'patch':
        answer = patchObject(state, resourceRequest, parsePatchBody((await readBody(request)).toString('utf8'), contentType), contentType);
        break;
      case 'delete':
        answer = deleteObject(state, resourceRequest, deleteOptionsOf(url.searchParams, parseBody(await readBody(request), contentType)));
        break;
      case 'deletecollection':
        answer = deleteCollection(state, resourceRequest, deleteOptionsOf(url.searchParams, parseBody(await readBody(request), contentType)));
        break;
    }
    send(response, answer.code, answer.body, 'application/json', warnings);
  } catch (error) {
    if (response.headersSent) {
      response.end();
      return;
    }
    if (error instanceof StatusError) return send(response, error.code, error.status);
    send(response, 500, statusError(500, 'InternalError', `Internal error occurred: ${(error as Error).message}`).status);
  }
}
