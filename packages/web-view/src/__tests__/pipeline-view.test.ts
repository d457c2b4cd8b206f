import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigMapKind, EventKind, KubeClient, SecretKind, installCRDs } from '@weft/reconcile-core';
import { CanaryKind } from '@weft/progressive';
import { KustomizationKind, installGitOpsCrds } from '@weft/delivery';
import { GitRepositoryKind } from '@weft/git-source';
import { type InMemoryApiServer, eventually, startApiServer } from '@weft/testkit';
import { PipelineView } from '../pipeline-view.js';
import { serveWebView, type WebViewServer } from '../serve.js';
import { contentSecurityPolicy } from '../security.js';
import type { ViewDelta, ViewSnapshot } from '../view-model.js';

const secretValue = 'in-memory-secret-value-91ad';
const labels = { 'weft.dev/name': 'app', 'weft.dev/namespace': 'ops' };

describe('PipelineView on the in-memory API server', () => {
  let server: InMemoryApiServer;
  let client: KubeClient;
  let view: PipelineView;
  let web: WebViewServer;
  let assets: string;

  beforeAll(async () => {
    server = await startApiServer();
    client = new KubeClient(server.kubeConfig);
    await installGitOpsCrds(server.kubeConfig);
    for (const name of ['ops', 'shop']) await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } } as never);
    await client.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'credentials', namespace: 'shop', labels }, stringData: { password: secretValue } } as never, { kind: SecretKind });
    await client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'shop', labels }, data: { mode: 'blue' } } as never, { kind: ConfigMapKind });
    await client.create({ apiVersion: GitRepositoryKind.apiVersion, kind: 'GitRepository', metadata: { name: 'app', namespace: 'ops' }, spec: { url: 'http://git.example/app.git', interval: '1m', ref: { branch: 'main' } } } as never, { kind: GitRepositoryKind });
    await client.create({ apiVersion: KustomizationKind.apiVersion, kind: 'Kustomization', metadata: { name: 'app', namespace: 'ops' }, spec: { sourceRef: { kind: 'GitRepository', name: 'app' }, interval: '1m', prune: true } } as never, { kind: KustomizationKind });
    await setKustomizationStatus('main@sha1:1111111111111111111111111111111111111111');
    assets = await mkdtemp(join(tmpdir(), 'weft-web-view-assets-'));
    for (const file of ['index.html', 'app.js', 'app.css', 'icon.svg']) await writeFile(join(assets, file), `/* ${file} */`);
    view = new PipelineView({ kubeConfig: server.kubeConfig, sampleIntervalMs: 50 });
    view.start();
    web = await serveWebView(view, { assetsDirectory: assets });
  });

  afterAll(async () => {
    await web?.close();
    view?.close();
    client?.close();
    await server?.[Symbol.asyncDispose]();
    if (assets) await rm(assets, { recursive: true, force: true });
  });

  async function setKustomizationStatus(revision: string, entries = ['shop_credentials__Secret', 'shop_settings__ConfigMap']) {
    await client.patchStatus(
      KustomizationKind,
      'app',
      { status: { lastAppliedRevision: revision, conditions: [{ type: 'Ready', status: 'True', reason: 'ReconciliationSucceeded', message: `Applied revision: ${revision}`, lastTransitionTime: new Date().toISOString() }], inventory: { entries: entries.map((id) => ({ id, v: 'v1' })) } } },
      { namespace: 'ops', type: 'merge' },
    );
  }

  const state = async () => (await (await fetch(new URL('api/state', web.url))).json()) as ViewSnapshot;

  it('shows the Kustomization, its objects with health and field managers, and never a Secret value', async () => {
    const snapshot = await eventually('the objects to be watched', async () => {
      const current = await state();
      return current.objects.every((object) => object.health === 'healthy') && current.objects.length === 2 && current;
    }, { timeoutMs: 10_000, intervalMs: 50 });
    expect(snapshot.kustomizations.map((item) => [item.id, item.health, item.source])).toEqual([['Kustomization/ops/app', 'healthy', 'GitRepository/ops/app']]);
    const secret = snapshot.objects.find((object) => object.kind === 'Secret')!;
    expect(secret.managers.length).toBeGreaterThan(0);
    expect(JSON.stringify(snapshot)).not.toContain(secretValue);
    expect(JSON.stringify(snapshot)).not.toContain(Buffer.from(secretValue).toString('base64'));
  });

  it('pushes changes as deltas: an object turning unhealthy, an Event, an applied revision and a prune', async () => {
    const deltas: ViewDelta[] = [];
    const stop = view.subscribe((delta) => deltas.push(delta));
    try {
      await client.delete(ConfigMapKind, 'settings', { namespace: 'shop' });
      await eventually('the ConfigMap to show as missing', () => deltas.some((delta) => delta.upsert.objects?.some((object) => object.id === 'shop_settings__ConfigMap' && object.health === 'missing')), { timeoutMs: 10_000, intervalMs: 20 });
      await client.create(
        { apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name: 'app.drift', namespace: 'ops' }, eventTime: new Date().toISOString(), reportingController: 'test', reportingInstance: 'test', action: 'Reconcile', reason: 'DriftDetected', note: 'ConfigMap/shop/settings edited by kubectl-edit: /data/mode', type: 'Warning', regarding: { apiVersion: KustomizationKind.apiVersion, kind: 'Kustomization', name: 'app', namespace: 'ops' } } as never,
        { kind: EventKind },
      );
      await setKustomizationStatus('main@sha1:2222222222222222222222222222222222222222', ['shop_credentials__Secret']);
      await eventually('the timeline entries', () => {
        const entries = deltas.flatMap((delta) => delta.timeline ?? []);
        const categories = new Set(entries.map((entry) => entry.category));
        return categories.has('drift-detected') && categories.has('applied') && categories.has('pruned') && entries;
      }, { timeoutMs: 10_000, intervalMs: 20 });
      const pruned = deltas.flatMap((delta) => delta.timeline ?? []).find((entry) => entry.category === 'pruned')!;
      expect(pruned.message).toContain('ConfigMap/shop/settings deleted');
      expect(deltas.some((delta) => delta.remove.objects?.includes('shop_settings__ConfigMap'))).toBe(true);
    } finally {
      stop();
    }
  });

  it('answers with the Content-Security-Policy everywhere and refuses writes while read-only', async () => {
    for (const path of ['', 'assets/app.js', 'api/state', 'api/nothing', 'nothing']) {
      const response = await fetch(new URL(path, web.url));
      expect(response.headers.get('content-security-policy'), path).toBe(contentSecurityPolicy);
    }
    const refused = await fetch(new URL('api/actions', web.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ action: 'suspend', target: 'Kustomization/ops/app' }) });
    expect(refused.status).toBe(403);
    expect((await client.get(KustomizationKind, 'app', { namespace: 'ops' })).spec.suspend).toBeUndefined();
  });

  it('shows only the kinds it is given: a kind left out is not served, even where the cluster serves it', async () => {
    await installCRDs(client, [CanaryKind]);
    const limited = new PipelineView({ kubeConfig: server.kubeConfig, kinds: ['GitRepository', 'Kustomization'], sampleIntervalMs: 50 });
    limited.start();
    try {
      await eventually('the full view to see Canaries served', () => view.snapshot().served.Canary, { timeoutMs: 10_000, intervalMs: 50 });
      const snapshot = await eventually('the limited view to list the Kustomization', () => limited.snapshot().kustomizations.length === 1 && limited.snapshot(), { timeoutMs: 10_000, intervalMs: 50 });
      expect(snapshot.served).toEqual({ GitRepository: true, Kustomization: true, ImagePolicy: false, Canary: false });
    } finally {
      limited.close();
    }
  });
});
