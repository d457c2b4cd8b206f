// The code samples of docs/web-view.md (each ```ts block of the guide is a verbatim part of this
// file; docs/examples/docs.test.ts checks that), type-checked by `pnpm typecheck`.
import { createServer } from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node';
import { createGitOpsManager } from '@weft/delivery';
import { PipelineView, serveWebView, webViewHandler } from '@weft/web-view';

export async function serveOnItsOwnPort(kubeConfig: KubeConfig, storageDir: string, signal: AbortSignal): Promise<void> {
  const manager = createGitOpsManager({ kubeConfig, storageDir });
  const view = new PipelineView({ kubeConfig, managers: [manager] }); // reads the manager's caches
  view.start();
  const server = await serveWebView(view, { port: 9090 }); // 127.0.0.1, read-only
  console.log(`web view: ${server.url}`);
  await manager.start({ signal });
  await server.close();
  view.close();
}

export function mountBehindYourProxy(view: PipelineView): void {
  const handler = webViewHandler(view, {
    basePath: '/weft/',
    authProxy: { userHeader: 'x-auth-request-user' }, // set by oauth2-proxy; requests without it are refused
    writeActions: true,
  });
  createServer(handler).listen(4180, '127.0.0.1'); // the proxy forwards https://ops.example/weft/ here
}

export async function withAToken(view: PipelineView): Promise<void> {
  const server = await serveWebView(view, { host: '0.0.0.0', port: 9090, token: process.env['WEFT_UI_TOKEN'] });
  console.log(server.url); // http://127.0.0.1:9090/#token=…: the fragment never leaves the browser
}
