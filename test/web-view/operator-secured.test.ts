/**
 * The example operator's web view on the real control plane, secured: `--ui-port` with a token
 * and write actions on. Requests without the token are refused; a Secret's values (and their
 * base64) appear in no response — state, live stream, diffs, page — even when the live Secret
 * drifts from git; the actions suspend, resume and reconcile the Kustomization as the `weft`
 * command does, and refuse cross-site writes; in Chromium the page takes the token from its URL
 * fragment, and without it asks for one.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Kustomization, KustomizationKind, installGitOpsCrds } from '@weft/delivery';
import { GitRepositoryKind } from '@weft/git-source';
import { KubeClient, SecretKind } from '@weft/reconcile-core';
import { type GitServer, eventually, startGitServer } from '@weft/testkit';
import { contentSecurityPolicy } from '@weft/web-view';
import { clusterKubeConfig, describeCluster, testNamespace } from '../support/cluster';
import { browserMissing, screenshotDir, startBrowser } from './browser';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const token = 'test-token-7f3a9c';
const inGit = 'git-secret-value-5b1d';
const edited = 'live-edit-secret-value-c42e';
const secretValues = [inGit, edited, Buffer.from(inGit).toString('base64'), Buffer.from(edited).toString('base64')];
const missingBrowser = browserMissing();

describeCluster('the operator\'s web view, with a token and write actions', () => {
  let namespace: string;
  let client: KubeClient;
  let git: GitServer;
  let operator: ChildProcess;
  let output = '';
  let url: string;
  let directory: string;
  const bodies: string[] = [];

  const api = async (path: string, init: RequestInit & { auth?: boolean } = {}) => {
    const response = await fetch(new URL(path, url), { ...init, headers: { ...(init.auth === false ? {} : { authorization: `Bearer ${token}` }), ...(init.headers as Record<string, string>) } });
    const body = await response.text();
    bodies.push(body);
    return { status: response.status, body, headers: response.headers };
  };
  const kustomization = () => client.get(KustomizationKind, 'app', { namespace }) as Promise<Kustomization>;

  beforeAll(async () => {
    namespace = await testNamespace('web-view');
    const kubeConfig = clusterKubeConfig();
    client = new KubeClient(kubeConfig);
    await installGitOpsCrds(kubeConfig);
    git = await startGitServer();
    const repo = await git.createRepo('app', {
      'app/kustomization.yaml': 'resources: [settings.yaml, credentials.yaml]\n',
      'app/settings.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: ${namespace}}\ndata: {mode: blue}\n`,
      'app/credentials.yaml': `apiVersion: v1\nkind: Secret\nmetadata: {name: credentials, namespace: ${namespace}}\nstringData: {password: ${inGit}}\n`,
    });
    directory = await mkdtemp(join(tmpdir(), 'weft-web-view-'));
    await writeFile(join(directory, 'kubeconfig'), kubeConfig.exportConfig());
    await writeFile(join(directory, 'token'), `${token}\n`);
    operator = spawn(
      join(root, 'node_modules', '.bin', 'tsx'),
      ['src/main.ts', '--kubeconfig', join(directory, 'kubeconfig'), '--namespace', namespace, '--no-leader-elect', '--no-install-crds', '--storage-dir', join(directory, 'storage'), '--ui-port', '0', '--ui-token-file', join(directory, 'token'), '--ui-write-actions'],
      { cwd: join(root, 'examples', 'gitops-operator'), stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    );
    operator.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    operator.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    url = await eventually('the operator to serve its web view', () => /web view on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(output)?.[1], { timeoutMs: 60_000, intervalMs: 100 });
    expect(output).not.toContain(token);
    await client.apply({ apiVersion: GitRepositoryKind.apiVersion, kind: 'GitRepository', metadata: { name: 'app', namespace }, spec: { url: repo.url, ref: { branch: 'main' }, interval: '1h' } } as never, { kind: GitRepositoryKind, fieldManager: 'test' });
    await client.apply(
      { apiVersion: KustomizationKind.apiVersion, kind: 'Kustomization', metadata: { name: 'app', namespace }, spec: { sourceRef: { kind: 'GitRepository', name: 'app' }, path: './app', interval: '1h', prune: true, driftDetection: { mode: 'disabled' } } } as never,
      { kind: KustomizationKind, fieldManager: 'test' },
    );
    await eventually('the Kustomization to be Ready in the view', async () => {
      const state = JSON.parse((await api('api/state')).body) as { kustomizations: { id: string; health: string }[]; objects: { id: string; kind: string; health: string }[] };
      return state.kustomizations.some((item) => item.id === `Kustomization/${namespace}/app` && item.health === 'healthy') && state.objects.some((object) => object.kind === 'Secret' && object.health === 'healthy');
    }, { timeoutMs: 60_000, intervalMs: 250 });
  }, 180_000);

  afterAll(async () => {
    if (operator && operator.exitCode === null) {
      const closed = new Promise((resolve) => operator.once('close', resolve));
      process.kill(-operator.pid!, 'SIGTERM');
      await closed;
    }
    await git?.stop();
    client?.close();
    if (directory) await rm(directory, { recursive: true, force: true });
  }, 60_000);

  it('refuses API requests without the token; every response has the Content-Security-Policy', async () => {
    for (const path of ['api/state', 'api/stream', `api/diff?kustomization=${namespace}/app&object=x`]) {
      const refused = await api(path, { auth: false });
      expect(refused.status, path).toBe(401);
      expect(refused.headers.get('content-security-policy')).toBe(contentSecurityPolicy);
    }
    expect((await api('api/state', { auth: false, headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    const refusedWrite = await api('api/actions', { auth: false, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ action: 'suspend', target: `Kustomization/${namespace}/app` }) });
    expect(refusedWrite.status).toBe(401);
    expect((await kustomization()).spec.suspend).toBeFalsy();
    for (const path of ['', 'assets/app.js', 'assets/app.css', 'api/state', 'nothing-here']) {
      const answer = await api(path);
      expect(answer.headers.get('content-security-policy'), path).toBe(contentSecurityPolicy);
      expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('sends no Secret value anywhere, even when the live Secret drifts from git', async () => {
    const secretId = `${namespace}_credentials__Secret`;
    const inSync = JSON.parse((await api(`api/diff?kustomization=${namespace}/app&object=${encodeURIComponent(secretId)}`)).body) as { status: string };
    expect(inSync.status).toBe('in-sync');
    await client.patch(SecretKind, 'credentials', { stringData: { password: edited } }, { namespace, type: 'merge' });
    const drifted = JSON.parse((await api(`api/diff?kustomization=${namespace}/app&object=${encodeURIComponent(secretId)}`)).body) as { status: string; paths: string[]; unified: string };
    expect(drifted.status).toBe('drifted');
    expect(drifted.paths).toContain('/data/password');
    expect(drifted.unified).toContain('password');
    const stream = new AbortController();
    const response = await fetch(new URL('api/stream', url), { headers: { authorization: `Bearer ${token}` }, signal: stream.signal });
    const reader = response.body!.getReader();
    let streamed = '';
    while (!streamed.includes('event: snapshot')) streamed += new TextDecoder().decode((await reader.read()).value);
    stream.abort();
    bodies.push(streamed);
    expect(streamed).toContain(`Secret`);
    for (const path of ['api/state', '', 'assets/app.js']) await api(path);
    for (const body of bodies) for (const value of secretValues) expect(body).not.toContain(value);
  });

  it('suspends, resumes and reconciles the Kustomization, and refuses writes from another site', async () => {
    const target = `Kustomization/${namespace}/app`;
    const post = (action: string, headers: Record<string, string> = { 'content-type': 'application/json' }) => api('api/actions', { method: 'POST', headers, body: JSON.stringify({ action, target }) });
    expect((await post('suspend', { 'content-type': 'text/plain' })).status).toBe(403);
    expect((await post('suspend', { 'content-type': 'application/json', origin: 'http://evil.example' })).status).toBe(403);
    expect((await post('delete')).status).toBe(400);
    expect((await kustomization()).spec.suspend).toBeFalsy();

    expect((await post('suspend')).status).toBe(200);
    expect((await kustomization()).spec.suspend).toBe(true);
    expect((await post('reconcile')).status).toBe(409);
    expect((await post('resume')).status).toBe(200);
    expect((await kustomization()).spec.suspend).toBe(false);
    const requested = JSON.parse((await post('reconcile')).body) as { message: string };
    const requestedAt = /requested at (\S+)/.exec(requested.message)![1];
    await eventually('the reconcile request to be handled', async () => (await kustomization()).status?.lastHandledReconcileAt === requestedAt, { timeoutMs: 60_000, intervalMs: 250 });
  }, 120_000);

  it.skipIf(missingBrowser !== undefined)('opens in Chromium with the token from the URL fragment, and asks for it without', async () => {
    const browser = await startBrowser();
    try {
      const page = await browser.context.newPage();
      await page.goto(`${url}#token=${token}`);
      await page.locator(`g.kustomization[data-id="Kustomization/${namespace}/app"][data-health="healthy"]`).waitFor({ timeout: 30_000 });
      expect(page.url()).not.toContain(token);
      await page.goto(`${url}#/kustomizations/${namespace}/app`);
      await page.locator(`li.object[data-id="${namespace}_credentials__Secret"] .manager`).first().waitFor({ timeout: 30_000 });
      expect(await page.locator('button[data-action="suspend"]').isEnabled()).toBe(true);
      await page.screenshot({ path: join(screenshotDir, 'inventory-write-actions.png'), fullPage: true });
      // A new tab has its own sessionStorage: it never saw the token.
      const anonymous = await browser.context.newPage();
      await anonymous.goto(url);
      await anonymous.locator('section.login').waitFor({ timeout: 30_000 });
      await anonymous.screenshot({ path: join(screenshotDir, 'token-required.png') });
      expect(await page.content()).not.toContain(inGit);
    } finally {
      await browser.close();
    }
  }, 120_000);
});
