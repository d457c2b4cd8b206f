/**
 * The GitOps operator's command line: `tsx src/main.ts [--kubeconfig PATH | --in-memory] …`.
 *
 * Without `--kubeconfig` it runs in-cluster when it finds a service account, else with
 * `KUBECONFIG` or `~/.kube/config` (client-node's `loadFromDefault`). `--in-memory` starts
 * `@weft/testkit`'s in-memory API server and runs against it (prints its kubeconfig path, for
 * `kubectl`). Ctrl-C (or SIGTERM) shuts down gracefully: in-flight reconciles finish, the Lease is
 * released.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { createLogger } from '@weft/reconcile-core';
import { type InMemoryApiServer, startApiServer } from '@weft/testkit';
import { createGitOpsManager, installGitOpsCrds } from './manager.js';

const usage = `Usage: gitops-operator [options]

  --kubeconfig PATH        cluster to run against (default: in-cluster, then $KUBECONFIG / ~/.kube/config)
  --in-memory              start @weft/testkit's in-memory API server and run against it
  --storage-dir DIR        artifact storage (default: a new temporary directory)
  --namespace NS           watch one namespace (default: all)
  --metrics-port PORT      serve Prometheus /metrics (0: any free port)
  --health-port PORT       serve /healthz and /readyz (0: any free port)
  --leader-elect           run only while holding the Lease weft-gitops-operator
  --leader-elect-namespace NS   namespace of that Lease (default: $POD_NAMESPACE or default)
  --concurrent N           Kustomizations reconciled at once (default 4)
  --no-drift-watch         correct drift only on each interval (as Flux), not as it happens
  --no-install-crds        do not install the CRDs at start (they come with deploy/; no right to write CRDs needed)
  --log-level LEVEL        pino level (default info)
  -h, --help
`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      kubeconfig: { type: 'string' },
      'in-memory': { type: 'boolean', default: false },
      'storage-dir': { type: 'string' },
      namespace: { type: 'string' },
      'metrics-port': { type: 'string' },
      'health-port': { type: 'string' },
      'leader-elect': { type: 'boolean', default: false },
      'leader-elect-namespace': { type: 'string' },
      concurrent: { type: 'string' },
      'no-drift-watch': { type: 'boolean', default: false },
      'no-install-crds': { type: 'boolean', default: false },
      'log-level': { type: 'string', default: 'info' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(usage);
    return;
  }
  const port = (name: string, value: string | undefined): number | undefined => {
    if (value === undefined) return undefined;
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65535) throw new Error(`--${name}: '${value}' is not a port number`);
    return parsed;
  };
  const metricsPort = port('metrics-port', values['metrics-port']);
  const healthPort = port('health-port', values['health-port']);
  const concurrency = values.concurrent === undefined ? undefined : Number(values.concurrent);
  if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1)) throw new Error(`--concurrent: '${values.concurrent}' is not a positive integer`);
  const logger = createLogger({ level: values['log-level'] });

  const shutdown = new AbortController();
  const stop = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'shutting down');
    shutdown.abort(new Error(`received ${signal}`));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  let apiServer: InMemoryApiServer | undefined;
  let kubeConfig: KubeConfig;
  if (values['in-memory']) {
    // Not stopped by the shutdown signal: it must outlive the manager, which releases its Lease last.
    apiServer = await startApiServer();
    kubeConfig = apiServer.kubeConfig;
    logger.info({ server: apiServer.server, kubeconfig: apiServer.kubeconfigPath }, `in-memory API server running; kubectl --kubeconfig ${apiServer.kubeconfigPath} get kustomizations -A`);
  } else {
    kubeConfig = new KubeConfig();
    if (values.kubeconfig) kubeConfig.loadFromFile(values.kubeconfig);
    else kubeConfig.loadFromDefault();
  }
  try {
    const storageDir = values['storage-dir'] ?? (await mkdtemp(join(tmpdir(), 'weft-gitops-operator-')));
    if (!values['no-install-crds']) await installGitOpsCrds(kubeConfig, { signal: shutdown.signal });
    const manager = createGitOpsManager({
      kubeConfig,
      storageDir,
      logger,
      handleSignals: false,
      ...(values.namespace ? { namespace: values.namespace } : {}),
      ...(metricsPort !== undefined ? { metrics: { port: metricsPort } } : {}),
      ...(healthPort !== undefined ? { health: { port: healthPort } } : {}),
      ...(values['leader-elect']
        ? { leaderElection: { name: 'weft-gitops-operator', namespace: values['leader-elect-namespace'] ?? process.env['POD_NAMESPACE'] ?? 'default' } }
        : {}),
      ...(concurrency !== undefined ? { kustomizationConcurrency: concurrency } : {}),
      ...(values['no-drift-watch'] ? { driftWatch: false } : {}),
    });
    logger.info({ storageDir, namespace: values.namespace ?? '(all)' }, 'starting the GitOps operator');
    await manager.start({ signal: shutdown.signal });
  } finally {
    await apiServer?.[Symbol.asyncDispose]();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`gitops-operator: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
