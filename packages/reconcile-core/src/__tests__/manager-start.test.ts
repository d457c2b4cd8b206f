import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { KubeConfigError } from '../client/transport.js';
import { controller, ControllerError } from '../controller/controller.js';
import { ConfigMapKind, resourceKind } from '../resource/kinds.js';
import { KindNotServedError, Manager } from '../controller/manager.js';
import type { KubeObject } from '../resource/objects.js';
import { done } from '../controller/reconciler.js';

const silent = pino({ level: 'silent' });
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** An apiserver stand-in serving discovery of core/v1 (ConfigMaps only), an empty ConfigMap list and a watch that stays open. */
async function fakeApiServer(port = 0): Promise<string> {
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://x');
    const json = (code: number, body: unknown) => {
      response.writeHead(code, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (url.pathname === '/api/v1') return json(200, { kind: 'APIResourceList', groupVersion: 'v1', resources: [{ name: 'configmaps', singularName: 'configmap', namespaced: true, kind: 'ConfigMap', verbs: ['list', 'watch'] }] });
    if (url.pathname === '/api/v1/configmaps' && url.searchParams.get('watch')) {
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.flushHeaders();
      return;
    }
    if (url.pathname === '/api/v1/configmaps') return json(200, { kind: 'ConfigMapList', apiVersion: 'v1', metadata: { resourceVersion: '1' }, items: [] });
    json(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: 'the server could not find the requested resource' });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function kubeConfigFor(server: string): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({ clusters: [{ name: 'c', server, skipTLSVerify: true }], users: [{ name: 'u', token: 't' }], contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x' });
  return kubeConfig;
}

const configMaps = () => controller(ConfigMapKind, { name: 'configmaps' }).reconcile(async () => done);

describe('Manager.start', () => {
  it('rejects at once, with KubeConfigError, when the kubeconfig names no cluster', async () => {
    const manager = new Manager({ kubeConfig: new KubeConfig(), handleSignals: false, logger: silent }).add(configMaps());
    await expect(manager.start()).rejects.toThrow(KubeConfigError);
    await expect(new Manager({ kubeConfig: new KubeConfig(), handleSignals: false, logger: silent }).add(configMaps()).start()).rejects.toThrow('kubeconfig has no current context, so no cluster to talk to');
  });

  it('rejects with KindNotServedError naming the CRD to install when discovery does not serve a kind', async () => {
    const WebAppKind = resourceKind<KubeObject>({ apiVersion: 'example.com/v1', kind: 'WebApp', plural: 'webapps', namespaced: true });
    const manager = new Manager({ kubeConfig: kubeConfigFor(await fakeApiServer()), handleSignals: false, logger: silent });
    manager.add(controller(WebAppKind).owns(ConfigMapKind).reconcile(async () => done));
    const failure = await manager.start().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(KindNotServedError);
    expect(failure).toMatchObject({ controller: 'webapp', kind: 'WebApp', apiVersion: 'example.com/v1', crd: 'webapps.example.com' });
    expect((failure as Error).message).toMatch(/^controller webapp: no matches for kind "WebApp" in version "example.com\/v1": the apiserver does not serve it; install the CustomResourceDefinition webapps.example.com/);
  });

  it('rejects with ControllerError when a kind is declared with another plural than the apiserver serves', async () => {
    const Misnamed = resourceKind<KubeObject>({ apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmap', namespaced: true });
    const manager = new Manager({ kubeConfig: kubeConfigFor(await fakeApiServer()), handleSignals: false, logger: silent }).add(controller(Misnamed).reconcile(async () => done));
    await expect(manager.start()).rejects.toThrow(new ControllerError('configmap', 'ConfigMap (v1) is declared as the namespaced resource "configmap", but the apiserver serves it as the namespaced resource "configmaps"'));
  });

  it('keeps retrying an apiserver that is down, says so in /readyz, and starts once it is up', async () => {
    const placeholder = await fakeApiServer();
    const port = Number(new URL(placeholder).port);
    await new Promise((resolve) => servers.pop()!.close(resolve));
    const stop = new AbortController();
    const manager = new Manager({ kubeConfig: kubeConfigFor(`http://127.0.0.1:${port}`), handleSignals: false, logger: silent, metrics: { port: 0, host: '127.0.0.1' } }).add(configMaps());
    let settled = false;
    const running = manager.start({ signal: stop.signal }).finally(() => (settled = true));
    const readyz = async () => {
      const response = await fetch(`http://127.0.0.1:${manager.healthPort}/readyz`);
      return { status: response.status, text: await response.text() };
    };
    const waitFor = async (what: string, check: () => Promise<boolean> | boolean) => {
      const deadline = Date.now() + 15_000;
      while (!(await check())) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    };
    await waitFor('the first failure', () => manager.healthPort !== undefined && (manager.notReady ?? '').includes('ECONNREFUSED'));
    const down = await readyz();
    expect(down.status).toBe(500);
    expect(down.text).toMatch(/^\[-\]informer-sync failed: waiting for the apiserver: .*cannot reach the apiserver: ECONNREFUSED/);
    expect(settled).toBe(false);

    await fakeApiServer(port);
    await waitFor('ready', () => manager.ready);
    expect(await readyz()).toEqual({ status: 200, text: 'ok' });
    stop.abort();
    await running;
  });
});
