// Every `@example` of @weft/testkit's public API: each example's code is a verbatim part of this
// file and its imports are this file's imports (api-examples.test.ts checks both). They run here,
// except startControlPlane's, which needs the real binaries and a minute: it is type-checked in
// realControlPlane() below and run by the suites under test/ (the `cluster` project).
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { eventually, findControlPlaneBinaries, generateControlPlanePki, ManagedProcess, startApiServer, startControlPlane, startGitServer, StatusError } from '@weft/testkit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

describe('the @examples of @weft/testkit, run', () => {
  let log: ReturnType<typeof vi.spyOn>;
  beforeAll(() => {
    log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  });
  afterAll(() => {
    vi.restoreAllMocks();
  });

  it('serves the Kubernetes API in memory', async () => {
    await using server = await startApiServer();
    const core = server.kubeConfig.makeApiClient(CoreV1Api);
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'settings' }, data: { mode: 'fast' } } });
    expect((await core.readNamespacedConfigMap({ namespace: 'default', name: 'settings' })).data).toEqual({ mode: 'fast' });
  });

  it('injects faults', async () => {
    {
      await using server = await startApiServer();
      server.faults.failRequests({ verb: 'update', resource: 'deployments', code: 409, times: 2 });
      server.faults.addLatency({ verb: 'list', delayMs: 200 });
      server.faults.cutWatches();
      const started = performance.now();
      await server.kubeConfig.makeApiClient(CoreV1Api).listNamespacedConfigMap({ namespace: 'default' });
      expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    }
    {
      await using server = await startApiServer();
      const lift = server.faults.failRequests({ verb: 'create', resource: 'configmaps', code: 500, times: 1 });
      lift(); // the rule is gone before it answered once
      const core = server.kubeConfig.makeApiClient(CoreV1Api);
      await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'first' } } });
      server.faults.failRequests({ verb: 'create', resource: 'configmaps', code: 500, times: 1 });
      await expect(core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'second' } } })).rejects.toMatchObject({ code: 500 });
    }
  });

  it('says why a request was refused', async () => {
    const explain = (error: unknown) => (error instanceof StatusError ? `${error.code} ${error.status.reason}` : String(error));
    expect(explain(new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'configmaps "x" not found', reason: 'NotFound', code: 404 }))).toBe('404 NotFound');
  });

  it('waits until something holds', async () => {
    await using server = await startApiServer();
    const apps = server.kubeConfig.makeApiClient(AppsV1Api);
    const namespace = 'default';
    const web = { metadata: { name: 'web' }, spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } } } };
    await apps.createNamespacedDeployment({ namespace, body: web });
    // No controllers in memory: the test plays the Deployment controller, a little later.
    setTimeout(() => void apps.replaceNamespacedDeploymentStatus({ name: 'web', namespace, body: { ...web, status: { replicas: 3, readyReplicas: 3 } } }), 200);
    const ready = await eventually('the Deployment to be ready', async () => {
      const deployment = await apps.readNamespacedDeployment({ name: 'web', namespace });
      return deployment.status?.readyReplicas === 3 && deployment;
    }, { timeoutMs: 60_000 });
    expect(ready.metadata?.name).toBe('web');
  });

  it('finds the control plane binaries, and makes its certificates', async () => {
    const found = findControlPlaneBinaries();
    if ('missing' in found) console.log(`run tools/control-plane/build.sh; missing ${found.missing.join(', ')}`);
    expect('missing' in found ? found.missing.length : Object.keys(found).length).toBeGreaterThan(0);

    const pki = await generateControlPlanePki();
    console.log(pki.admin.certPem.startsWith('-----BEGIN CERTIFICATE-----'));
    expect(log).toHaveBeenLastCalledWith(true);
  });

  it('serves git over smart HTTP', async () => {
    const clone = await mkdtemp(join(tmpdir(), 'weft-testkit-examples-'));
    try {
      await using server = await startGitServer();
      const repo = await server.createRepo('app', { 'deploy/cm.yaml': 'kind: ConfigMap\n' });
      await repo.commit({ 'README.md': 'hi' }, 'docs');
      // git clone server.url('app')
      await promisify(execFile)('git', ['clone', '--quiet', server.url('app'), clone], { env: server.gitEnv });
      expect(await readFile(join(clone, 'README.md'), 'utf8')).toBe('hi');
    } finally {
      await rm(clone, { recursive: true, force: true });
    }
  });

  it('ManagedProcess: a process killed with no chance to clean up', async () => {
    const info = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      const operator = new ManagedProcess('operator', process.execPath, ['main.js'], '/tmp/operator.log', { env: { ...process.env, LOG_LEVEL: 'info' } });
      operator.kill('SIGKILL');
      console.log(await operator.exited, operator.tail(5));
      expect(operator.hasExited).toBe(true);
      // killed at once, or (had node already found no main.js here) exited with 1: never a clean exit
      expect(await operator.exited).not.toEqual({ code: 0, signal: null });
    } finally {
      info.mockRestore();
    }
  });
});

export async function realControlPlane(): Promise<void> {
  await using cp = await startControlPlane();
  const core = cp.kubeConfig.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: 'demo' } } });
}
