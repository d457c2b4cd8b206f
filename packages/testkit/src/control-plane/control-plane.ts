import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { controlPlaneVersions, findControlPlaneBinaries, type ControlPlaneBinaries } from './binaries.js';
import { kwokStages } from './kwok-stages.js';
import { generateControlPlanePki, type ControlPlanePki } from './pki.js';
import { freePorts } from './ports.js';
import { ManagedProcess } from './process.js';

/** Options of {@link startControlPlane}. */
export interface ControlPlaneOptions {
  /**
   * Also run kube-controller-manager, kube-scheduler and kwok with fake nodes, so
   * Deployments roll out to Ready Pods and ownerReference garbage collection happens.
   * @defaultValue false
   */
  readonly controllers?: boolean;
  /** How many kwok fake nodes to create when `controllers` is set. @defaultValue 3 */
  readonly nodes?: number;
  /** Binaries to run instead of those found by {@link findControlPlaneBinaries}. */
  readonly binaries?: ControlPlaneBinaries;
  /** How long to wait for each component to become ready. @defaultValue 60 000 ms */
  readonly startTimeoutMs?: number;
  /** Extra kube-apiserver flags, as `--name=value` strings; they override the defaults. */
  readonly apiServerFlags?: readonly string[];
  /**
   * Extra kube-controller-manager flags (with `controllers`), as `--name=value` strings; they
   * override the defaults. E.g. `--kube-api-qps=200` when many Deployments roll out at once (its
   * client's default 20 requests per second paces Pod creation).
   */
  readonly controllerManagerFlags?: readonly string[];
  /** Extra kube-scheduler flags (with `controllers`), as `--name=value` strings; they override the defaults. */
  readonly schedulerFlags?: readonly string[];
  /** Aborts the start; the processes started so far are stopped. */
  readonly signal?: AbortSignal;
}

/** A running control plane. Stop it with {@link ControlPlane.stop} (or `await using`). */
export interface ControlPlane extends AsyncDisposable {
  /** A `KubeConfig` for `@kubernetes/client-node`, authenticated as a cluster admin. */
  readonly kubeConfig: KubeConfig;
  /** The same kubeconfig as YAML, to hand to other processes (vitest workers, kubectl). */
  readonly kubeconfigYaml: string;
  /** Path of the kubeconfig file on disk (removed by `stop()`). */
  readonly kubeconfigPath: string;
  /** The apiserver's URL, `https://127.0.0.1:<port>`. */
  readonly server: string;
  /** The versions of the binaries in use. */
  readonly versions: typeof controlPlaneVersions;
  /** The binaries in use, so tests can run `kubectl` against this control plane. */
  readonly binaries: ControlPlaneBinaries;
  /** The last lines a component printed. */
  logs(component: ControlPlaneComponent, lines?: number): string;
  /**
   * Stops kube-apiserver and starts it again on the same port with the same
   * state in etcd; resolves when `/readyz` answers again. Clients see their
   * connections and watches cut, as in a real apiserver restart.
   */
  restartApiServer(options?: { downtimeMs?: number }): Promise<void>;
  /**
   * Stops etcd (SIGTERM, or SIGKILL with `kill`) and starts it again on the same ports and data
   * directory; resolves when it is healthy. kube-apiserver keeps running and sees its storage vanish
   * and come back, as in an etcd restart.
   */
  restartEtcd(options?: { downtimeMs?: number; kill?: boolean }): Promise<void>;
  /** etcd's client URL (`http://127.0.0.1:<port>`), for tests that talk to it directly (compaction). */
  readonly etcdUrl: string;
  /** Stops every process and removes the temporary directories. Safe to call twice. */
  stop(): Promise<void>;
}

/** The processes a control plane runs. */
export type ControlPlaneComponent = 'etcd' | 'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler' | 'kwok';

/** A control plane that did not come up; the message quotes the tail of the failing process's log. */
export class ControlPlaneStartError extends Error {
  override readonly name = 'ControlPlaneStartError';
  constructor(
    readonly component: ControlPlaneComponent | 'binaries',
    message: string,
    readonly logTail: string = '',
  ) {
    super(logTail ? `${message}\n--- last lines of ${component} ---\n${logTail}` : message);
  }
}

interface TlsGet {
  readonly url: string;
  readonly pki?: ControlPlanePki;
}

function get({ url, pki }: TlsGet): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const options = pki ? { ca: pki.ca.certPem, cert: pki.admin.certPem, key: pki.admin.keyPem, timeout: 5000 } : { timeout: 5000 };
    const send = url.startsWith('https:') ? request : httpRequest;
    const req = send(url, options, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`timed out: GET ${url}`)));
    req.on('error', reject);
    req.end();
  });
}

async function waitUntil(
  component: ControlPlaneComponent,
  proc: ManagedProcess,
  probe: () => Promise<boolean>,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    signal?.throwIfAborted();
    if (proc.hasExited) {
      const exit = await proc.exited;
      throw new ControlPlaneStartError(component, `${component} exited during start-up (code ${exit.code}, signal ${exit.signal})`, proc.tail());
    }
    try {
      if (await probe()) return;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    await sleep(100);
  }
  throw new ControlPlaneStartError(
    component,
    `${component} was not ready after ${timeoutMs} ms${lastError ? ` (last probe error: ${lastError})` : ''}`,
    proc.tail(),
  );
}

function kubeconfigYaml(server: string, pki: ControlPlanePki): string {
  const b64 = (text: string) => Buffer.from(text).toString('base64');
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: weft-testkit',
    '  cluster:',
    `    server: ${server}`,
    `    certificate-authority-data: ${b64(pki.ca.certPem)}`,
    'users:',
    '- name: weft-admin',
    '  user:',
    `    client-certificate-data: ${b64(pki.admin.certPem)}`,
    `    client-key-data: ${b64(pki.admin.keyPem)}`,
    'contexts:',
    '- name: weft-testkit',
    '  context:',
    '    cluster: weft-testkit',
    '    user: weft-admin',
    'current-context: weft-testkit',
    '',
  ].join('\n');
}

/**
 * Starts a real etcd and kube-apiserver on free loopback ports, as
 * controller-runtime's envtest does, and returns a `KubeConfig` for them.
 *
 * @remarks
 * Guarantees: TLS with a freshly generated CA; an admin client certificate in
 * `system:masters`; RBAC authorization; service-account token signing keys;
 * resolves only once `/readyz` answers `ok`. With `controllers: true` it also runs
 * kube-controller-manager, kube-scheduler and kwok, and resolves once the fake
 * nodes are Ready.
 *
 * Caveats: the binaries must have been built by `tools/control-plane/build.sh`
 * (the README's test command does it). There is no kubelet: pods only run on
 * kwok's fake nodes, and only their status changes.
 *
 * @throws {@link ControlPlaneStartError} when a binary is missing or a component
 * does not become ready; the message includes the tail of that process's log.
 *
 * @example
 * ```ts
 * import { CoreV1Api } from '@kubernetes/client-node';
 * import { startControlPlane } from '@weft/testkit';
 *
 * await using cp = await startControlPlane();
 * const core = cp.kubeConfig.makeApiClient(CoreV1Api);
 * await core.createNamespace({ body: { metadata: { name: 'demo' } } });
 * ```
 */
export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const found =
    options.binaries ??
    findControlPlaneBinaries(
      options.controllers
        ? ['etcd', 'kubeApiserver', 'kubeControllerManager', 'kubeScheduler', 'kubectl', 'kwok']
        : ['etcd', 'kubeApiserver'],
    );
  if ('missing' in found) {
    throw new ControlPlaneStartError(
      'binaries',
      `control-plane binaries not found: ${found.missing.join(', ')}. Build them with tools/control-plane/build.sh ` +
        `(needs Go; caches into ${found.cacheDir}).`,
    );
  }
  const binaries = found;
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  const signal = options.signal;
  const dir = await mkdtemp(join(tmpdir(), 'weft-control-plane-'));
  const processes = new Map<ControlPlaneComponent, ManagedProcess>();
  let stopped = false;

  const stopAll = async () => {
    if (stopped) return;
    stopped = true;
    // Dependents first, etcd last, so nothing logs a storm of connection errors.
    for (const name of ['kwok', 'kube-scheduler', 'kube-controller-manager', 'kube-apiserver', 'etcd'] as const) {
      await processes.get(name)?.stop();
    }
    await rm(dir, { recursive: true, force: true });
  };

  try {
    const pki = await generateControlPlanePki();
    const files = {
      ca: join(dir, 'ca.crt'),
      servingCert: join(dir, 'apiserver.crt'),
      servingKey: join(dir, 'apiserver.key'),
      saKey: join(dir, 'sa.key'),
      saPub: join(dir, 'sa.pub'),
      kubeconfig: join(dir, 'admin.kubeconfig'),
      kwokConfig: join(dir, 'kwok.yaml'),
    };
    const [etcdClientPort, etcdPeerPort, apiPort, cmPort, schedPort, kwokPort] = (await freePorts(6)) as [
      number, number, number, number, number, number,
    ];
    const server = `https://127.0.0.1:${apiPort}`;
    const yaml = kubeconfigYaml(server, pki);
    await Promise.all([
      writeFile(files.ca, pki.ca.certPem),
      writeFile(files.servingCert, pki.serving.certPem),
      writeFile(files.servingKey, pki.serving.keyPem, { mode: 0o600 }),
      writeFile(files.saKey, pki.serviceAccount.privateKeyPem, { mode: 0o600 }),
      writeFile(files.saPub, pki.serviceAccount.publicKeyPem),
      writeFile(files.kubeconfig, yaml, { mode: 0o600 }),
      writeFile(files.kwokConfig, kwokStages),
    ]);

    const etcdUrl = `http://127.0.0.1:${etcdClientPort}`;
    const peerUrl = `http://127.0.0.1:${etcdPeerPort}`;
    const etcdArgs = [
      `--name=weft`,
      `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=weft=${peerUrl}`,
      // Test data need not survive a power cut; fsync dominates etcd's latency otherwise.
      '--unsafe-no-fsync=true',
      '--log-level=warn',
    ];
    const startEtcd = async () => {
      const etcd = new ManagedProcess('etcd', binaries.etcd, etcdArgs, join(dir, 'etcd.log'));
      processes.set('etcd', etcd);
      await waitUntil('etcd', etcd, async () => (await get({ url: `${etcdUrl}/health` })).body.includes('"health":"true"'), timeoutMs, signal);
    };
    await startEtcd();

    const apiServerArgs = [
      `--etcd-servers=${etcdUrl}`,
      `--bind-address=127.0.0.1`,
      `--advertise-address=127.0.0.1`,
      // Loopback may not back the default kubernetes Service endpoints; there is no pod network to reach it anyway.
      `--endpoint-reconciler-type=none`,
      `--secure-port=${apiPort}`,
      `--cert-dir=${join(dir, 'apiserver-certs')}`,
      `--tls-cert-file=${files.servingCert}`,
      `--tls-private-key-file=${files.servingKey}`,
      `--client-ca-file=${files.ca}`,
      `--service-account-key-file=${files.saPub}`,
      `--service-account-signing-key-file=${files.saKey}`,
      `--service-account-issuer=https://kubernetes.default.svc.cluster.local`,
      `--service-cluster-ip-range=10.0.0.0/24`,
      `--authorization-mode=RBAC`,
      `--allow-privileged=true`,
      `--profiling=false`,
      ...(options.apiServerFlags ?? []),
    ];
    const startApiServer = async () => {
      const apiServer = new ManagedProcess('kube-apiserver', binaries.kubeApiserver, apiServerArgs, join(dir, 'kube-apiserver.log'));
      processes.set('kube-apiserver', apiServer);
      await waitUntil(
        'kube-apiserver',
        apiServer,
        async () => {
          const res = await get({ url: `${server}/readyz`, pki });
          return res.status === 200 && res.body.trim() === 'ok';
        },
        timeoutMs,
        signal,
      );
    };
    await startApiServer();

    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromString(yaml);

    if (options.controllers) {
      const kcm = new ManagedProcess('kube-controller-manager', binaries.kubeControllerManager, [
        `--kubeconfig=${files.kubeconfig}`,
        `--authentication-kubeconfig=${files.kubeconfig}`,
        `--authorization-kubeconfig=${files.kubeconfig}`,
        `--bind-address=127.0.0.1`,
        `--secure-port=${cmPort}`,
        `--cert-dir=${join(dir, 'kcm-certs')}`,
        `--leader-elect=false`,
        `--service-account-private-key-file=${files.saKey}`,
        `--root-ca-file=${files.ca}`,
        `--use-service-account-credentials=false`,
        `--controllers=*`,
        ...(options.controllerManagerFlags ?? []),
      ], join(dir, 'kube-controller-manager.log'));
      processes.set('kube-controller-manager', kcm);
      const scheduler = new ManagedProcess('kube-scheduler', binaries.kubeScheduler, [
        `--kubeconfig=${files.kubeconfig}`,
        `--authentication-kubeconfig=${files.kubeconfig}`,
        `--authorization-kubeconfig=${files.kubeconfig}`,
        `--bind-address=127.0.0.1`,
        `--secure-port=${schedPort}`,
        `--cert-dir=${join(dir, 'scheduler-certs')}`,
        `--leader-elect=false`,
        ...(options.schedulerFlags ?? []),
      ], join(dir, 'kube-scheduler.log'));
      processes.set('kube-scheduler', scheduler);
      const kwok = new ManagedProcess('kwok', binaries.kwok, [
        `--kubeconfig=${files.kubeconfig}`,
        `--config=${files.kwokConfig}`,
        `--manage-all-nodes=false`,
        `--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake`,
        `--cidr=10.244.0.0/16`,
        `--node-ip=10.0.1.1`,
        // Renew the fake nodes' Leases: without heartbeats the node lifecycle controller marks
        // every Pod NotReady after its grace period (50 s), and nothing makes them Ready again.
        `--node-lease-duration-seconds=40`,
        `--server-address=127.0.0.1:${kwokPort}`,
      ], join(dir, 'kwok.log'));
      processes.set('kwok', kwok);
      await createFakeNodes(kubeConfig, options.nodes ?? 3);
      await waitUntil('kwok', kwok, () => fakeNodesReady(kubeConfig, options.nodes ?? 3), timeoutMs, signal);
      for (const [name, proc] of [['kube-controller-manager', kcm], ['kube-scheduler', scheduler]] as const) {
        if (proc.hasExited) throw new ControlPlaneStartError(name, `${name} exited during start-up`, proc.tail());
      }
    }

    const controlPlane: ControlPlane = {
      kubeConfig,
      kubeconfigYaml: yaml,
      kubeconfigPath: files.kubeconfig,
      server,
      versions: controlPlaneVersions,
      binaries,
      logs: (component, lines) => processes.get(component)?.tail(lines) ?? '',
      restartApiServer: async ({ downtimeMs = 0 } = {}) => {
        await processes.get('kube-apiserver')?.stop();
        if (downtimeMs > 0) await sleep(downtimeMs);
        await startApiServer();
      },
      restartEtcd: async ({ downtimeMs = 0, kill = false } = {}) => {
        const etcd = processes.get('etcd');
        if (kill) etcd?.killNow();
        await etcd?.stop();
        if (downtimeMs > 0) await sleep(downtimeMs);
        await startEtcd();
      },
      etcdUrl,
      stop: stopAll,
      [Symbol.asyncDispose]: stopAll,
    };
    return controlPlane;
  } catch (error) {
    await stopAll();
    throw error;
  }
}

async function createFakeNodes(kubeConfig: KubeConfig, count: number): Promise<void> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  for (let i = 0; i < count; i++) {
    const name = `kwok-node-${i}`;
    await core.createNode({
      body: {
        metadata: {
          name,
          annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
          labels: { type: 'kwok', 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64' },
        },
        status: {
          allocatable: { cpu: '32', memory: '256Gi', pods: '250' },
          capacity: { cpu: '32', memory: '256Gi', pods: '250' },
        },
      },
    });
  }
}

async function fakeNodesReady(kubeConfig: KubeConfig, count: number): Promise<boolean> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const nodes = await core.listNode({ labelSelector: 'type=kwok' });
  const ready = nodes.items.filter((node) =>
    node.status?.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True'),
  );
  return ready.length >= count;
}
