// Every `@example` of @weft/web-view's public API, run against testkit's in-memory API server with
// a GitOps Manager: each example's code is a verbatim part of this file and its imports are this
// file's imports (api-examples.test.ts checks both).
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGitOpsManager, installGitOpsCrds } from '@weft/delivery';
import type { Manager } from '@weft/reconcile-core';
import { startApiServer, type InMemoryApiServer } from '@weft/testkit';
import { ActionRequestError, categoryOf, parseActionRequest, PipelineView, serveWebView, WebViewAssetsError, webViewHandler, WebViewExposureError } from '@weft/web-view';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

describe('the @examples of @weft/web-view, run', () => {
  let api: InMemoryApiServer;
  let kubeConfig: InMemoryApiServer['kubeConfig'];
  let manager: Manager;
  let storageDir: string;
  const views: PipelineView[] = [];

  beforeAll(async () => {
    api = await startApiServer();
    kubeConfig = api.kubeConfig;
    await installGitOpsCrds(kubeConfig, { signal: AbortSignal.timeout(30_000) });
    storageDir = await mkdtemp(join(tmpdir(), 'weft-web-view-examples-'));
    manager = createGitOpsManager({ kubeConfig, storageDir, handleSignals: false });
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    for (const view of views) view.close();
    await api.stop();
    await rm(storageDir, { recursive: true, force: true });
  });

  it('keeps the pipeline and sends deltas to a subscriber', async () => {
    const view = new PipelineView({ kubeConfig, managers: [manager] });
    view.start();
    const stop = view.subscribe((delta) => console.log(Object.keys(delta.upsert)));
    views.push(view);
    expect(view.snapshot()).toMatchObject({ sources: [], kustomizations: [] });
    stop();
  });

  it('serves the view on loopback, and refuses another address without authentication', async () => {
    const view = new PipelineView({ kubeConfig, managers: [manager] });
    view.start();
    const server = await serveWebView(view); // 127.0.0.1, a free port; { port: 9090 } for a fixed one
    console.log(`web view: ${server.url}`);
    views.push(view);
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const state = await fetch(new URL('api/state', server.url));
      expect(state.status).toBe(200);
      expect(await state.json()).toMatchObject({ writeActions: false, sources: [], kustomizations: [] });

      try { await serveWebView(view, { host: '0.0.0.0' }); } catch (error) { if (error instanceof WebViewExposureError) console.error(error.message); }
      expect(console.error).toHaveBeenCalledWith(expect.stringMatching(/0\.0\.0\.0/));
    } finally {
      await server.close();
    }
  });

  it('mounts the handler in a server of its own, behind a bearer token', async () => {
    vi.stubEnv('WEFT_UI_TOKEN', 'example-token');
    const view = new PipelineView({ kubeConfig, managers: [manager] });
    view.start();
    const server = createServer(webViewHandler(view, { token: process.env['WEFT_UI_TOKEN'] })).listen(0, '127.0.0.1'); // 0: a free port
    views.push(view);
    try {
      await once(server, 'listening');
      const { port } = server.address() as AddressInfo;
      const refused = await fetch(`http://127.0.0.1:${port}/api/state`);
      expect(refused.status).toBe(401);
      const allowed = await fetch(`http://127.0.0.1:${port}/api/state`, { headers: { authorization: 'Bearer example-token' } });
      expect(allowed.status).toBe(200);
    } finally {
      vi.unstubAllEnvs();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('builds a handler only when the page is built', () => {
    const view = views[0]!;
    try { webViewHandler(view); } catch (error) { if (error instanceof WebViewAssetsError) console.error(error.message); }
    // The workspace's page is built (pnpm build): nothing was refused.
    expect(console.error).not.toHaveBeenCalledWith(expect.stringMatching(/not built/));
  });

  it('parses an action request, refusing one that is not', () => {
    const body: unknown = { action: 'frobnicate' };
    try { parseActionRequest(body); } catch (error) { if (error instanceof ActionRequestError) console.error(error.message); }
    expect(console.error).toHaveBeenCalledWith('an action request is {"action": "...", "target": "Kind/namespace/name"}');
  });

  it('sorts an Event into its timeline category', () => {
    expect(categoryOf('Kustomization', 'DriftDetected', 'Warning', 'Deployment/prod/web edited')).toBe('drift-detected');
    categoryOf('Kustomization', 'DriftDetected', 'Warning', 'Deployment/prod/web edited'); // 'drift-detected'
  });
});
