/**
 * The GitOps operator's command line: `tsx src/main.ts [--kubeconfig PATH | --in-memory] [--controllers LIST] …`.
 *
 * Without `--kubeconfig` it runs in-cluster when it finds a service account, else with
 * `KUBECONFIG` or `~/.kube/config` (client-node's `loadFromDefault`). `--in-memory` starts
 * `@weft/testkit`'s in-memory API server and runs against it (prints its kubeconfig path, for
 * `kubectl`). Leader election is on unless `--no-leader-elect`. Ctrl-C (or SIGTERM) shuts down
 * gracefully: in-flight reconciles finish, the Lease is released.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { createLogger } from '@weft/reconcile-core';
import { type InMemoryApiServer, startApiServer } from '@weft/testkit';
import { cliUsage, parseCliOptions } from './cli-options.js';
import { startOperator } from './operator.js';

async function main(): Promise<void> {
  const options = parseCliOptions(process.argv.slice(2));
  if (options.help) {
    process.stdout.write(cliUsage);
    return;
  }
  const logger = createLogger({ level: options.logLevel });

  const shutdown = new AbortController();
  const stop = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'shutting down');
    shutdown.abort(new Error(`received ${signal}`));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  let apiServer: InMemoryApiServer | undefined;
  let kubeConfig: KubeConfig;
  if (options.inMemory) {
    // Not stopped by the shutdown signal: it must outlive the manager, which releases its Lease last.
    apiServer = await startApiServer();
    kubeConfig = apiServer.kubeConfig;
    logger.info({ server: apiServer.server, kubeconfig: apiServer.kubeconfigPath }, `in-memory API server running; kubectl --kubeconfig ${apiServer.kubeconfigPath} get kustomizations -A`);
  } else {
    kubeConfig = new KubeConfig();
    if (options.kubeconfig) kubeConfig.loadFromFile(options.kubeconfig);
    else kubeConfig.loadFromDefault();
  }
  try {
    const running = await startOperator(options, { kubeConfig, logger, signal: shutdown.signal });
    await running.done;
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

