import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { WeftError } from '@weft/reconcile-core';
import { generateControlPlanePki } from '../control-plane/pki.js';
import { FaultInjector } from './faults.js';
import { collectGarbage } from './garbage-collector.js';
import { ResourceRegistry } from './registry.js';
import { routeRequest } from './router.js';
import type { ServerState } from './server-state.js';
import { ObjectStore, type StoreSnapshot } from './storage.js';
import { nowTimestamp, type StoredObject } from './stored-object.js';
import type { WatchConnection } from './watch.js';
import { randomUUID } from 'node:crypto';

/** Options of {@link startApiServer}. */
export interface ApiServerOptions {
  /**
   * Serve HTTPS with a generated CA, serving and client certificate (as the real control plane).
   * Default: plain HTTP on loopback, the kubeconfig saying `insecure-skip-tls-verify` (making
   * certificates takes about a second, once per process).
   */
  readonly tls?: boolean;
  /** Port to listen on; default a free one. */
  readonly port?: number;
  /** How many changes watches can resume from; older resourceVersions get 410 Gone. Default 10,000. */
  readonly watchHistory?: number;
  /** Interval of BOOKMARK events on watches that allow them. Default 60 s, as the apiserver. */
  readonly bookmarkIntervalMs?: number;
  readonly signal?: AbortSignal;
}

/** The state of an in-memory API server at one moment, for {@link InMemoryApiServer.restore}. */
export interface ApiServerSnapshot {
  /** @internal */
  readonly store: StoreSnapshot;
}

/** A running in-memory Kubernetes API server. */
export interface InMemoryApiServer extends AsyncDisposable {
  /** `http://127.0.0.1:<port>` (or `https://` with `tls`). */
  readonly server: string;
  /** A `KubeConfig` for `@kubernetes/client-node`. */
  readonly kubeConfig: KubeConfig;
  readonly kubeconfigYaml: string;
  /** The kubeconfig written to a file, for `kubectl --kubeconfig`. */
  readonly kubeconfigPath: string;
  /** Fault injection: errors per verb and kind, latency, cutting watches. */
  readonly faults: FaultInjector;
  /**
   * How many watch streams are open right now (kube-apiserver's
   * `apiserver_longrunning_requests{verb="WATCH"}`): a soak test's check that no watch leaks.
   */
  readonly openWatches: number;
  /** Every stored object and the resourceVersion counter, as of now. */
  snapshot(): ApiServerSnapshot;
  /**
   * Puts every object back as it was at `snapshot()` (CRDs included). Open watches are cut and
   * resuming them gets 410 Gone: clients re-list, as after an etcd restore.
   */
  restore(snapshot: ApiServerSnapshot): void;
  /** Closes every connection and stops listening. Safe to call twice. */
  stop(): Promise<void>;
}

/** The in-memory API server could not start (port taken, aborted). */
export class ApiServerStartError extends WeftError {
  override name = 'ApiServerStartError';
}

function kubeconfigFor(server: string, tlsFiles?: { ca: string; cert: string; key: string }): string {
  const b64 = (text: string) => Buffer.from(text).toString('base64');
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: weft-in-memory',
    '  cluster:',
    `    server: ${server}`,
    // client-node refuses plain HTTP unless told the connection is not verified.
    ...(tlsFiles ? [`    certificate-authority-data: ${b64(tlsFiles.ca)}`] : ['    insecure-skip-tls-verify: true']),
    'users:',
    '- name: weft-admin',
    ...(tlsFiles ? ['  user:', `    client-certificate-data: ${b64(tlsFiles.cert)}`, `    client-key-data: ${b64(tlsFiles.key)}`] : ['  user: {}']),
    'contexts:',
    '- name: weft-in-memory',
    '  context:',
    '    cluster: weft-in-memory',
    '    user: weft-admin',
    '    namespace: default',
    'current-context: weft-in-memory',
    '',
  ].join('\n');
}

let pkiOnce: ReturnType<typeof generateControlPlanePki> | undefined;

/** Certificates take about a second to make: every TLS server of the process shares one set. */
function sharedPki(): ReturnType<typeof generateControlPlanePki> {
  pkiOnce ??= generateControlPlanePki();
  return pkiOnce;
}

function bootstrap(state: ServerState): void {
  const namespaces = state.registry.find('', 'v1', 'namespaces')!;
  for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
    state.store.write(namespaces, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name, uid: randomUUID(), creationTimestamp: nowTimestamp(), labels: { 'kubernetes.io/metadata.name': name } },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    });
  }
}

/**
 * Starts an in-memory Kubernetes API server on loopback that `@kubernetes/client-node` and `kubectl`
 * use unchanged through the generated kubeconfig.
 *
 * @remarks
 * Guarantees: discovery and OpenAPI v3 for the built-in kinds (core, apps, batch, coordination, events,
 * networking, rbac, apiextensions) and every Established CRD; one global resourceVersion; optimistic
 * concurrency; selectors and pagination; watches with history, bookmarks and 410 Gone; status and scale
 * subresources; JSON, merge, strategic merge patch and server-side apply with `managedFields`; dry run;
 * finalizers, ownerReference garbage collection (background, foreground, orphan) and namespace deletion;
 * CRD validation, defaulting and pruning; errors as `metav1.Status`.
 *
 * Caveats: no controllers run (no Deployment → ReplicaSet → Pod, no scheduling, no ServiceAccount
 * or `kube-root-ca.crt` per namespace); built-in kinds are not validated beyond their metadata; no
 * authentication or authorization; no admission webhooks; no protobuf; continued lists show current
 * state. The conformance suite in `test/conformance` holds it to the real kube-apiserver.
 *
 * @throws {@link ApiServerStartError} when it cannot listen, or `options.signal` aborts the start.
 * @example
 * ```ts
 * import { CoreV1Api } from '@kubernetes/client-node';
 * import { startApiServer } from '@weft/testkit';
 *
 * await using server = await startApiServer();
 * const core = server.kubeConfig.makeApiClient(CoreV1Api);
 * await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'settings' }, data: { mode: 'fast' } } });
 * ```
 */
export async function startApiServer(options: ApiServerOptions = {}): Promise<InMemoryApiServer> {
  if (options.signal?.aborted) throw new ApiServerStartError('in-memory API server start aborted', { cause: options.signal.reason });
  const registry = new ResourceRegistry();
  const store = new ObjectStore(options.watchHistory ?? 10_000, 0);
  const faults = new FaultInjector();
  let collecting = false;
  const state: ServerState = {
    store,
    registry,
    faults,
    scheduleGarbageCollection() {
      if (collecting) return;
      collecting = true;
      setImmediate(() => {
        try {
          // Each pass handles what the last one changed; chains of owners take one pass per level.
          for (let pass = 0; pass < 10_000 && collectGarbage(state); pass += 1);
        } finally {
          collecting = false;
        }
      });
    },
  };
  bootstrap(state);
  const connections = new Set<WatchConnection>();
  faults.cutWatchStreams = () => {
    const open = [...connections];
    for (const connection of open) connection.close();
    return open.length;
  };

  const pki = options.tls ? await sharedPki() : undefined;
  let serverAddress = '127.0.0.1';
  const handler = (request: Parameters<typeof routeRequest>[1], response: Parameters<typeof routeRequest>[2]) =>
    void routeRequest({ state, watch: { bookmarkIntervalMs: options.bookmarkIntervalMs ?? 60_000 }, connections, serverAddress }, request, response);
  const http: Server = pki
    ? createHttpsServer({ cert: pki.serving.certPem, key: pki.serving.keyPem, ca: pki.ca.certPem, requestCert: true, rejectUnauthorized: false }, handler)
    : createHttpServer(handler);
  http.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    http.once('error', (error) => reject(new ApiServerStartError(`in-memory API server could not listen: ${error.message}`, { cause: error })));
    http.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (http.address() as AddressInfo).port;
  serverAddress = `127.0.0.1:${port}`;
  const server = `${pki ? 'https' : 'http'}://127.0.0.1:${port}`;
  const kubeconfigYaml = kubeconfigFor(server, pki ? { ca: pki.ca.certPem, cert: pki.admin.certPem, key: pki.admin.keyPem } : undefined);
  const dir = mkdtempSync(join(tmpdir(), 'weft-apiserver-'));
  const kubeconfigPath = join(dir, 'kubeconfig');
  writeFileSync(kubeconfigPath, kubeconfigYaml, { mode: 0o600 });
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(kubeconfigYaml);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    faults.cutWatches();
    await new Promise<void>((resolve) => {
      http.close(() => resolve());
      http.closeAllConnections();
    });
    rmSync(dir, { recursive: true, force: true });
  };
  options.signal?.addEventListener('abort', () => void stop(), { once: true });

  return {
    server,
    kubeConfig,
    kubeconfigYaml,
    kubeconfigPath,
    faults,
    get openWatches() {
      return connections.size;
    },
    snapshot: () => ({ store: store.snapshot() }),
    restore(snapshot) {
      faults.cutWatches();
      for (const crd of registry.all().filter((resource) => resource.crdName !== undefined)) registry.unserveCrd(crd.crdName!);
      const keyOf = (object: StoredObject) => (object.metadata.namespace ? `${object.metadata.namespace}/${object.metadata.name}` : object.metadata.name!);
      // CRDs first, so the tables of their resources are known when the rest comes back.
      const crdResource = registry.find('apiextensions.k8s.io', 'v1', 'customresourcedefinitions')!;
      const crdTable = snapshot.store.tables.find(([table]) => table === `${crdResource.group}/${crdResource.plural}`);
      for (const crd of crdTable?.[1] ?? []) if (!crd.metadata.deletionTimestamp) registry.serveCrd(crd);
      const resourceOf = (table: string) => registry.all().find((resource) => `${resource.group}/${resource.plural}` === table);
      store.restore(snapshot.store, (_table, object) => keyOf(object), resourceOf);
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
