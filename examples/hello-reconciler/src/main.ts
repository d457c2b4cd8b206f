/**
 * Runs the Greeting controller.
 *
 *   tsx src/main.ts --in-memory --once     # in-memory API server; create a sample, wait until Ready, exit 0
 *   tsx src/main.ts --in-memory            # in-memory API server; run until Ctrl-C (kubeconfig path printed)
 *   tsx src/main.ts [--kubeconfig PATH]    # a real cluster: $KUBECONFIG, ~/.kube/config or in-cluster
 *
 * Other flags: --namespace NS (watch only NS; the sample goes there, default `default`),
 * --metrics-port N (serve /metrics, /healthz, /readyz), --leader-elect NS (hold a Lease in NS).
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { createLogger, installCRDs, KubeClient } from '@weft/reconcile-core';
import { startApiServer, type InMemoryApiServer } from '@weft/testkit';
import { GreetingKind } from './greeting.js';
import { fieldManager } from './greeting-reconciler.js';
import { createHelloOperator } from './operator.js';
import { sampleGreeting, waitUntilGreeted } from './sample.js';

/** Options of {@link runHello}, as the command line gives them. */
export interface RunHelloOptions {
  readonly inMemory?: boolean;
  readonly once?: boolean;
  readonly kubeconfig?: string;
  readonly namespace?: string;
  readonly metricsPort?: number;
  readonly leaderElect?: string;
  /** Stops the operator (Ctrl-C does too, unless `once`). */
  readonly signal?: AbortSignal;
  /** Where the human-readable lines go. */
  readonly print?: (line: string) => void;
}

/**
 * Starts a cluster connection (or an in-memory API server), installs the Greeting CRD and runs the
 * operator. With `once`: creates the sample Greeting, waits until it is Ready with its ConfigMap
 * written, stops and resolves; rejects when that does not happen within 30 s.
 */
export async function runHello(options: RunHelloOptions = {}): Promise<void> {
  const print = options.print ?? ((line: string) => console.log(line));
  const stop = new AbortController();
  const onAbort = () => stop.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  let server: InMemoryApiServer | undefined;
  let client: KubeClient | undefined;
  try {
    let kubeConfig: KubeConfig;
    if (options.inMemory) {
      // No signal: startApiServer's signal also stops the server, which must outlive the manager's drain.
      server = await startApiServer();
      kubeConfig = server.kubeConfig;
      print(`in-memory API server at ${server.server} (kubectl --kubeconfig ${server.kubeconfigPath})`);
    } else {
      kubeConfig = new KubeConfig();
      if (options.kubeconfig) kubeConfig.loadFromFile(options.kubeconfig);
      else kubeConfig.loadFromDefault();
      print(`cluster ${kubeConfig.getCurrentCluster()?.server ?? '(none)'}, context ${kubeConfig.getCurrentContext()}`);
    }
    client = new KubeClient(kubeConfig, { fieldManager });
    await installCRDs(client, [GreetingKind], { signal: stop.signal, timeout: '30s' });
    print(`CRD ${GreetingKind.crd.metadata.name} installed`);

    const operator = createHelloOperator({
      kubeConfig,
      namespace: options.namespace,
      metricsPort: options.metricsPort,
      leaderElectionNamespace: options.leaderElect,
      // --once stops by itself; otherwise SIGTERM / Ctrl-C shut down gracefully.
      manager: { handleSignals: !options.once, logger: createLogger({ level: process.env['LOG_LEVEL'] ?? (options.once ? 'warn' : 'info') }) },
    });
    const running = operator.manager.start({ signal: stop.signal }).finally(() => operator.close());
    // If the manager stops on its own (lost leadership, a signal), stop waiting too.
    running.then(() => stop.abort(), () => stop.abort());
    if (!options.once) {
      print('running; Ctrl-C to stop');
      await running;
      return;
    }
    try {
      const namespace = options.namespace ?? 'default';
      const sample = sampleGreeting(namespace);
      await client.apply(sample, { force: true, signal: stop.signal });
      print(`created Greeting/${namespace}/${sample.metadata.name}`);
      const { text } = await waitUntilGreeted(client, namespace, sample.metadata.name, { signal: stop.signal });
      print(`Greeting/${namespace}/${sample.metadata.name} is Ready; ConfigMap/${namespace}/${sample.metadata.name} says "${text}"`);
    } finally {
      stop.abort();
      await running;
    }
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    client?.close();
    await server?.stop();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'in-memory': { type: 'boolean' },
      once: { type: 'boolean' },
      kubeconfig: { type: 'string' },
      namespace: { type: 'string' },
      'metrics-port': { type: 'string' },
      'leader-elect': { type: 'string' },
    },
  });
  const metricsPort = values['metrics-port'] === undefined ? undefined : Number(values['metrics-port']);
  if (metricsPort !== undefined && !Number.isInteger(metricsPort)) throw new Error(`--metrics-port ${values['metrics-port']} is not a port number`);
  const stop = new AbortController();
  if (!values.once) {
    // The Manager handles SIGINT/SIGTERM for the controllers; this stops the in-memory server after them.
    process.once('SIGINT', () => stop.abort());
    process.once('SIGTERM', () => stop.abort());
  }
  await runHello({
    inMemory: values['in-memory'],
    once: values.once,
    kubeconfig: values.kubeconfig,
    namespace: values.namespace,
    metricsPort,
    leaderElect: values['leader-elect'],
    signal: stop.signal,
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
