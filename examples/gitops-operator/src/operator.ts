import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeClient, type Manager, type createLogger, installCRDs } from '@weft/reconcile-core';
import { createGitOpsManager } from '@weft/delivery';
import { PipelineView, serveWebView } from '@weft/web-view';
type Logger = ReturnType<typeof createLogger>;
import type { CliOptions } from './cli-options.js';
import { addExtraControllers, controllerCrds, viewKindsOf } from './controllers.js';

/** The operator once started: its Manager, its web view's address, and the end of its run. */
export interface RunningOperator {
  readonly manager: Manager;
  /** The web view's URL (with the token in its fragment, when there is one); absent without `--ui-port`. */
  readonly webViewUrl: string | undefined;
  /** Resolves after a graceful shutdown (the signal aborted); rejects as reconcile-core's `Manager.start` does. */
  readonly done: Promise<void>;
}

/**
 * Starts what the command line asks for: installs the selected controllers' CRDs (unless
 * `--no-install-crds`), runs `createGitOpsManager` with the controllers `--controllers` adds to it,
 * and serves the web view of `--ui-port` from that Manager's caches, showing only the kinds it runs.
 *
 * @throws reconcile-core's errors of `installCRDs`; a port the web view cannot listen on.
 * @example
 * ```ts
 * const running = await startOperator(parseCliOptions(['--controllers=source,kustomize,image']), { kubeConfig, logger, signal });
 * await running.done;
 * ```
 */
export async function startOperator(options: CliOptions, context: { kubeConfig: KubeConfig; logger: Logger; signal: AbortSignal }): Promise<RunningOperator> {
  const { kubeConfig, logger, signal } = context;
  const storageDir = options.storageDir ?? (await mkdtemp(join(tmpdir(), 'weft-gitops-operator-')));
  if (options.installCrds) {
    const client = new KubeClient(kubeConfig);
    try {
      await installCRDs(client, await controllerCrds(options.controllers), { signal, fieldManager: 'weft-gitops-operator' });
    } finally {
      client.close();
    }
  }
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
  await addExtraControllers(manager, options.controllers, { storageDir, namespace: options.namespace, canary: options.canary });
  logger.info({ storageDir, namespace: options.namespace ?? '(all)', controllers: options.controllers }, 'starting the GitOps operator');
  const webView = options.ui ? await startWebView(kubeConfig, manager, options) : undefined;
  if (webView) logger.info({ url: webView.url.replace(/#token=.*/, '#token=…'), writeActions: options.ui!.writeActions }, `web view on ${webView.url.replace(/#token=.*/, '')}`);
  const done = (async () => {
    try {
      await manager.start({ signal });
    } finally {
      await webView?.stop();
    }
  })();
  return { manager, webViewUrl: webView?.url, done };
}

/**
 * The web view of `--ui-port`: the manager's caches as a live page. The token, when there is one,
 * is never logged; the operator's user opens the page with it in the URL's fragment.
 */
async function startWebView(kubeConfig: KubeConfig, manager: Manager, options: CliOptions) {
  const ui = options.ui!;
  const view = new PipelineView({ kubeConfig, managers: [manager], kinds: viewKindsOf(options.controllers), title: 'Weft GitOps operator', ...(options.namespace ? { namespace: options.namespace } : {}) });
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
