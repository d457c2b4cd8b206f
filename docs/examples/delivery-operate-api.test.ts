// Every `@example` of @weft/delivery's operations (packages/delivery/src/operate: what the `weft`
// command and a web view run), against testkit's in-memory API server with the GitOps operator
// running and a local git server: each example's code is a verbatim part of this file and its
// imports are this file's imports (api-examples.test.ts checks both).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  KustomizationKind,
  NotManagedError,
  OperationError,
  ReconcileRequestTimeoutError,
  SuspendedError,
  UnsupportedOperationError,
  buildKustomization,
  createGitOpsManager,
  diffKustomization,
  installGitOpsCrds,
  inventoryTree,
  listEvents,
  readyCondition,
  reconcileRequestAnnotations,
  requestReconcile,
  resumeResource,
  revisionOf,
  suspendResource,
  traceObject,
  waitForReconcile,
  watchEvents,
  type Kustomization,
} from '@weft/delivery';
import { type GitRepository, GitRepositoryKind } from '@weft/git-source';
import { nodeFs } from '@weft/kustomize-lite';
import { MetricTemplateKind } from '@weft/progressive';
import { KubeClient, NamespaceKind, createLogger } from '@weft/reconcile-core';
import { startApiServer, startGitServer, eventually, type GitServer, type InMemoryApiServer } from '@weft/testkit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

const settings = (mode: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: ${mode}\n`;

describe('the @examples of @weft/delivery\'s operations, run', () => {
  let api: InMemoryApiServer;
  let git: GitServer;
  let client: KubeClient;
  let storageDir: string;
  let checkout: string;
  const stop = new AbortController();
  let running: Promise<void>;
  const ref = { namespace: 'apps', name: 'shop' };
  const errors: string[] = [];

  beforeAll(async () => {
    api = await startApiServer();
    git = await startGitServer();
    client = new KubeClient(api.kubeConfig);
    storageDir = await mkdtemp(join(tmpdir(), 'weft-operate-examples-'));
    checkout = await mkdtemp(join(tmpdir(), 'weft-operate-checkout-'));
    await mkdir(join(checkout, 'deploy'), { recursive: true });
    await writeFile(join(checkout, 'deploy', 'settings.yaml'), settings('local'));
    await installGitOpsCrds(api.kubeConfig, {});
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'apps' } }, { kind: NamespaceKind });
    running = createGitOpsManager({ kubeConfig: api.kubeConfig, storageDir, logger: createLogger({ level: (process.env['TEST_LOG_LEVEL'] as 'info') ?? 'silent' }), handleSignals: false, gracefulShutdownTimeout: '2s' }).start({ signal: stop.signal });
    const repo = await git.createRepo('shop', { 'deploy/settings.yaml': settings('fast') });
    await client.create({ apiVersion: GitRepositoryKind.apiVersion, kind: 'GitRepository', metadata: { name: 'shop-source', namespace: 'apps' }, spec: { url: repo.url, interval: '1h', ref: { branch: 'main' } } } as GitRepository);
    await client.create({ apiVersion: KustomizationKind.apiVersion, kind: 'Kustomization', metadata: { name: 'shop', namespace: 'apps' }, spec: { sourceRef: { kind: 'GitRepository', name: 'shop-source' }, path: './deploy', targetNamespace: 'apps', interval: '1h', prune: true } } as Kustomization);
    await eventually('Kustomization apps/shop Ready', async () => {
      const object = await client.get(KustomizationKind, 'shop', { namespace: 'apps' });
      if (readyCondition(object)?.status !== 'True') throw new Error(JSON.stringify(object.status));
      return object;
    }, { timeoutMs: 30_000 });
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    vi.spyOn(console, 'error').mockImplementation((line: string) => void errors.push(line));
  }, 60_000);
  afterAll(async () => {
    vi.restoreAllMocks();
    stop.abort();
    await running;
    client.close();
    await git.stop();
    await api.stop();
    await rm(storageDir, { recursive: true, force: true });
    await rm(checkout, { recursive: true, force: true });
  });

  it('requests a reconcile and waits for it; reads its Ready condition, revision and annotations', async () => {
    {
      const { requestedAt } = await requestReconcile(client, KustomizationKind, { namespace: 'apps', name: 'shop' });
      const result = await waitForReconcile(client, KustomizationKind, { namespace: 'apps', name: 'shop' }, { requestedAt });
      expect(result.ready).toBe(true);
    }
    const { requestedAt } = await requestReconcile(client, KustomizationKind, ref);
    {
      const result = await waitForReconcile(client, KustomizationKind, { namespace: 'apps', name: 'shop' }, { requestedAt, timeout: '2m' });
      console.log(result.ready ? `applied ${result.revision}` : `${result.reason}: ${result.message}`);
      expect(result.revision).toMatch(/^main@sha1:/);
    }
    await waitForReconcile(client, KustomizationKind, ref, { requestedAt, timeout: '1m' }).catch((error) => {
      if (error instanceof ReconcileRequestTimeoutError) console.error(error.message);
    });
    const kustomization = await client.get(KustomizationKind, 'shop', { namespace: 'apps' });
    const gitRepository = await client.get(GitRepositoryKind, 'shop-source', { namespace: 'apps' });
    expect(kustomization.metadata.annotations?.[reconcileRequestAnnotations.weft]).toBe(requestedAt);
    kustomization.metadata.annotations?.[reconcileRequestAnnotations.weft]; // '2025-01-01T00:00:00.000Z'
    expect(readyCondition(kustomization)?.message).toMatch(/^Applied revision: main@sha1:/);
    readyCondition(kustomization)?.message; // 'Applied revision: main@sha1:…'
    expect(revisionOf(gitRepository)).toBe(kustomization.status?.lastAppliedRevision);
    revisionOf(gitRepository); // 'main@sha1:3f1c…'
    expect(errors).toEqual([]);
  });

  it('suspends and resumes; a suspended object and an unsupported kind are typed errors', async () => {
    await suspendResource(client, KustomizationKind, { namespace: 'apps', name: 'shop' });
    await requestReconcile(client, KustomizationKind, ref).catch((error) => { if (error instanceof SuspendedError) console.error(`${error.subject} is suspended`); });
    await requestReconcile(client, KustomizationKind, { namespace: 'apps', name: 'shop' }).catch((error) => {
      if (error instanceof OperationError) console.error(error.message);
    });
    await requestReconcile(client, MetricTemplateKind, { namespace: 'apps', name: 'latency' }).catch((error) => { if (error instanceof UnsupportedOperationError) console.error(error.message); });
    expect(errors.splice(0)).toEqual(['Kustomization/apps/shop is suspended', 'Kustomization/apps/shop is suspended: resume it to reconcile it', 'MetricTemplate does not take reconcile requests (its status has no lastHandledReconcileAt)']);
    const { requestedAt } = await resumeResource(client, KustomizationKind, ref);
    await waitForReconcile(client, KustomizationKind, ref, { requestedAt });
    expect((await client.get(KustomizationKind, 'shop', { namespace: 'apps' })).spec.suspend).toBe(false);
  });

  it('the inventory tree, a trace, events', async () => {
    const lines: string[] = [];
    (console.log as unknown as { mockImplementation(f: (...args: unknown[]) => void): void }).mockImplementation((...args) => void lines.push(args.join(' ')));
    const root = await inventoryTree(client, { namespace: 'apps', name: 'shop' });
    for (const child of root.children) console.log(child.subject, child.health.status);
    const trace = await traceObject(client, { group: '', version: 'v1', kind: 'ConfigMap', namespace: 'apps', name: 'settings' });
    console.log(trace.kustomization.revision, trace.drift.status);
    for (const event of await listEvents(client, { namespace: 'apps', for: { kind: 'Kustomization', name: 'shop', namespace: 'apps' } })) console.log(event.reason, event.message);
    expect(lines[0]).toBe('ConfigMap/apps/settings healthy');
    expect(lines[1]).toMatch(/^main@sha1:\w+ in-sync$/);
    expect(lines.some((line) => line.startsWith('ReconciliationSucceeded '))).toBe(true);
    {
      const stop = new AbortController();
      const following = watchEvents(client, { namespace: 'apps', signal: stop.signal }, (event) => console.log(event.reason, event.message));
      stop.abort();
      await following;
    }

    await client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'hand-made', namespace: 'apps' }, data: {} });
    await traceObject(client, { group: '', version: 'v1', kind: 'ConfigMap', namespace: 'apps', name: 'hand-made' }).catch((error) => { if (error instanceof NotManagedError) console.error(error.message); });
    expect(errors.splice(0)).toEqual(['ConfigMap/apps/hand-made is not managed by a Kustomization (it has no weft.dev/name and weft.dev/namespace labels)']);
  });

  it('builds local files as the Kustomization would and diffs them with the cluster', async () => {
    const kustomization = await client.get(KustomizationKind, 'shop', { namespace: 'apps' });
    const { objects } = await buildKustomization(client, kustomization, nodeFs(), { path: `${checkout}/deploy` });
    expect(objects).toMatchObject([{ metadata: { name: 'settings', namespace: 'apps', labels: { 'weft.dev/name': 'shop' } }, data: { mode: 'local' } }]);
    const built = await buildKustomization(client, kustomization, nodeFs(), { path: `${checkout}/deploy` });
    const changes = await diffKustomization(client, kustomization, built.objects);
    for (const entry of changes.entries) if (entry.status === 'drifted') console.log(entry.unified);
    expect(changes.entries.map((entry) => entry.status)).toEqual(['drifted']);
  });
});
