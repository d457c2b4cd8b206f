/**
 * The GitOps operator's command line: `tsx src/main.ts [--kubeconfig PATH | --in-memory] …`.
 *
 * Without `--kubeconfig` it runs in-cluster when it finds a service account, else with
 * `KUBECONFIG` or `~/.kube/config` (client-node's `loadFromDefault`). `--in-memory` starts
 * `@weft/testkit`'s in-memory API server and runs against it (prints its kubeconfig path, for
 * `kubectl`). Leader election is on unless `--no-leader-elect`. Ctrl-C (or SIGTERM) shuts down
 * gracefully: in-flight reconciles finish, the Lease is released.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { createLogger } from '@weft/reconcile-core';
import { type InMemoryApiServer, startApiServer } from '@weft/testkit';
import { cliUsage, parseCliOptions } from './cli-options.js';
import { createGitOpsManager, installGitOpsCrds } from '@weft/delivery';
import { PipelineView, serveWebView } from '@weft/web-view';
import type { Manager } from '@weft/reconcile-core';
import type { CliOptions } from './cli-options.js';

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
    const storageDir = options.storageDir ?? (await mkdtemp(join(tmpdir(), 'weft-gitops-operator-')));
    if (options.installCrds) await installGitOpsCrds(kubeConfig, { signal: shutdown.signal });
    const manager = createGitOpsManager({
      kubeConfig,
      storageDir,
      logger,
      handleSignals: false,
      ...(options.namespace ? { namespace: options.namespace } : {}),
      ...(options.metricsPort !== undefined ? { metrics: { port: options.metricsPort } } : {}),
      ...(options.healthPort !== undefined ? { health: { port: options.healthPort } } : {}),
      ...(options.leaderElection ? { leaderElection: options.leaderElection } : {}),
      ...(options.shard !== undefined ? { shard: options.shard } : {}),
      ...(options.concurrency !== undefined ? { kustomizationConcurrency: options.concurrency } : {}),
      ...(options.driftWatch ? {} : { driftWatch: false }),
    });
    logger.info({ storageDir, namespace: options.namespace ?? '(all)' }, 'starting the GitOps operator');
    const webView = options.ui ? await startWebView(kubeConfig, manager, options.ui, options.namespace) : undefined;
    if (webView) logger.info({ url: webView.url.replace(/#token=.*/, '#token=…'), writeActions: options.ui!.writeActions }, `web view on ${webView.url.replace(/#token=.*/, '')}`);
    try {
      await manager.start({ signal: shutdown.signal });
    } finally {
      await webView?.stop();
    }
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

/**
 * The web view of `--ui-port`: the manager's caches as a live page. The token, when there is one,
 * is never logged; the operator's user opens the page with it in the URL's fragment.
 */
async function startWebView(kubeConfig: KubeConfig, manager: Manager, ui: NonNullable<CliOptions['ui']>, namespace: string | undefined) {
  const view = new PipelineView({ kubeConfig, managers: [manager], title: 'Weft GitOps operator', ...(namespace ? { namespace } : {}) });
  view.start();
  try {
    const server = await serveWebView(view, {
      port: ui.port,
      host: ui.host,
      writeActions: ui.writeActions,
      ...(ui.token ? { token: ui.token } : {}),
      ...(ui.authProxyHeader ? { authProxy: { userHeader: ui.authProxyHeader } } : {}),
    });
    return { url: server.url, stop: async () => (await server.close(), view.close()) };
  } catch (error) {
    view.close();
    throw error;
  }
}
