/**
 * The demo's web view (`@weft/web-view`): the operator's pipeline as a live page, on loopback,
 * read-only unless `--ui-write-actions`. It reads the GitOps manager's caches; the Canary of step 7
 * (run by a Manager of its own) it watches itself.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Manager } from '@weft/reconcile-core';
import { PipelineView, serveWebView } from '@weft/web-view';

/** A running web view. */
export interface DemoWebView {
  readonly url: string;
  stop(): Promise<void>;
}

export async function startWebView(kubeConfig: KubeConfig, manager: Manager, options: { port: number; writeActions: boolean }): Promise<DemoWebView> {
  const view = new PipelineView({ kubeConfig, managers: [manager], title: 'Weft GitOps demo' });
  view.start();
  const server = await serveWebView(view, { port: options.port, writeActions: options.writeActions });
  return {
    url: server.url,
    async stop() {
      await server.close();
      view.close();
    },
  };
}
