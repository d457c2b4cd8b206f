import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CancelledError, ConfigMapKind, KubeClient, NamespaceKind, createLogger } from '@weft/reconcile-core';
import { GitRepositoryKind, type GitRepository } from '@weft/git-source';
import { memoryFs } from '@weft/kustomize-lite';
import { type GitServer, type InMemoryApiServer, type TestRepo, startApiServer, startGitServer, eventually } from '@weft/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Kustomization,
  type KustomizationSpec,
  KustomizationKind,
  NotManagedError,
  ReconcileRequestTimeoutError,
  SuspendedError,
  UnsupportedOperationError,
  buildKustomization,
  createGitOpsManager,
  diffKustomization,
  installGitOpsCrds,
  inventoryTree,
  listEvents,
  reconcileRequestAnnotations,
  requestReconcile,
  resumeResource,
  suspendResource,
  traceObject,
  waitForReconcile,
} from '../index.js';

const configMap = (name: string, data: Record<string, string>) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n${Object.entries(data)
    .map(([key, value]) => `  ${key}: ${JSON.stringify(value)}`)
    .join('\n')}\n`;

/** The operations a command line or web view runs, against the whole operator on the in-memory API server. */
describe('operate: reconcile, suspend, tree, trace, build, diff and events', () => {
  let api: InMemoryApiServer;
  let git: GitServer;
  let client: KubeClient;
  let storageDir: string;
  let repo: TestRepo;
  const stop = new AbortController();
  let running: Promise<void>;
  const namespace = 'ops';
  const ref = (name: string) => ({ namespace, name });

  beforeAll(async () => {
    api = await startApiServer();
    git = await startGitServer();
    client = new KubeClient(api.kubeConfig);
    storageDir = await mkdtemp(join(tmpdir(), 'weft-operate-'));
    await installGitOpsCrds(api.kubeConfig, {});
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }, { kind: NamespaceKind });
    running = createGitOpsManager({ kubeConfig: api.kubeConfig, storageDir, logger: createLogger({ level: 'silent' }), handleSignals: false, gracefulShutdownTimeout: '2s' }).start({ signal: stop.signal });
    repo = await git.createRepo('ops', {
      'parent/settings.yaml': configMap('parent-settings', { tier: 'parent' }),
      'parent/child.yaml': [
        `apiVersion: ${KustomizationKind.apiVersion}`,
        'kind: Kustomization',
        'metadata:',
        '  name: child',
        'spec:',
        '  sourceRef: { kind: GitRepository, name: ops }',
        '  path: ./child',
        `  targetNamespace: ${namespace}`,
        '  interval: 1h',
        '  prune: true',
        '  driftDetection: { mode: report }',
        '',
      ].join('\n'),
      'child/web.yaml': configMap('web', { mode: 'fast' }),
      'child/extra.yaml': configMap('extra', { a: '1' }),
    });
    // Intervals of an hour: only the requests below make the controllers act.
    await client.create({ apiVersion: GitRepositoryKind.apiVersion, kind: 'GitRepository', metadata: { name: 'ops', namespace }, spec: { url: repo.url, interval: '1h', ref: { branch: 'main' } } } as GitRepository);
    await kustomization('parent', { path: './parent', targetNamespace: namespace });
    await until('child', (object) => object.status?.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True') === true);
  });

  afterAll(async () => {
    stop.abort();
    await running;
    client?.close();
    await git?.stop();
    await api?.[Symbol.asyncDispose]();
    await rm(storageDir, { recursive: true, force: true });
  });

  function kustomization(name: string, spec: Partial<KustomizationSpec>) {
    return client.create({ apiVersion: KustomizationKind.apiVersion, kind: 'Kustomization', metadata: { name, namespace }, spec: { sourceRef: { kind: 'GitRepository', name: 'ops' }, interval: '1h', prune: true, ...spec } } as Kustomization);
  }
  const until = (name: string, check: (object: Kustomization) => boolean) =>
    eventually(`Kustomization ${name} to match`, async () => {
      const object = await client.get(KustomizationKind, name, { namespace });
      if (!check(object)) throw new Error(`status: ${JSON.stringify(object.status)}`);
      return object;
    }, { timeoutMs: 20_000 });

  it('requests a reconcile with both annotations and waits until the controller has handled it: a new commit is fetched, then applied', async () => {
    const head = await repo.commit({ 'child/web.yaml': configMap('web', { mode: 'slow' }) }, 'slow down');
    const progress: unknown[] = [];
    const source = await requestReconcile(client, GitRepositoryKind, ref('ops'));
    expect(source.object.metadata.annotations).toMatchObject({ [reconcileRequestAnnotations.weft]: source.requestedAt, [reconcileRequestAnnotations.flux]: source.requestedAt });
    const fetched = await waitForReconcile(client, GitRepositoryKind, ref('ops'), { requestedAt: source.requestedAt, timeout: '20s', onProgress: (step) => progress.push(step) });
    expect(fetched).toMatchObject({ ready: true, revision: `main@sha1:${head}` });

    const { requestedAt } = await requestReconcile(client, KustomizationKind, ref('child'));
    const applied = await waitForReconcile(client, KustomizationKind, ref('child'), { requestedAt, timeout: '20s' });
    expect(applied).toMatchObject({ ready: true, reason: 'ReconciliationSucceeded', revision: `main@sha1:${head}` });
    expect((applied.object.status as { lastHandledReconcileAt?: string }).lastHandledReconcileAt).toBe(requestedAt);
    expect((await client.get(ConfigMapKind, 'web', { namespace })).data).toEqual({ mode: 'slow' });
  });

  it('a request nobody handles times out naming the object and its last Ready message; an abort is a cancellation', async () => {
    const timedOut = await waitForReconcile(client, KustomizationKind, ref('child'), { requestedAt: 'never-written', timeout: '300ms' }).catch((error: unknown) => error);
    expect(timedOut).toBeInstanceOf(ReconcileRequestTimeoutError);
    expect((timedOut as Error).message).toMatch(new RegExp(`^Kustomization/${namespace}/child did not handle the reconcile request of never-written within 300ms \\(last Ready=True ReconciliationSucceeded: Applied revision`));
    const aborted = new AbortController();
    const waiting = waitForReconcile(client, KustomizationKind, ref('child'), { requestedAt: 'never-written', timeout: '1m', signal: aborted.signal });
    setTimeout(() => aborted.abort(), 50);
    await expect(waiting).rejects.toBeInstanceOf(CancelledError);
  });

  it('a timeout at and past setTimeout\'s limit (2^31 ms, 1000h) is waited out, not passed after 1 ms', async () => {
    for (const timeout of [`${2 ** 31 - 1}ms`, `${2 ** 31}ms`, '1000h'] as const) {
      const aborted = new AbortController();
      const waiting = waitForReconcile(client, KustomizationKind, ref('child'), { requestedAt: 'never-written', timeout, signal: aborted.signal });
      setTimeout(() => aborted.abort(), 300);
      // An overflowed timer would reject with ReconcileRequestTimeoutError before the abort.
      await expect(waiting, `timeout ${timeout}`).rejects.toBeInstanceOf(CancelledError);
    }
  });

  it('suspends and resumes: a suspended object refuses reconcile requests; resume asks for one in the same write', async () => {
    const suspended = await suspendResource(client, KustomizationKind, ref('parent'));
    expect((suspended as Kustomization).spec.suspend).toBe(true);
    await expect(requestReconcile(client, KustomizationKind, ref('parent'))).rejects.toBeInstanceOf(SuspendedError);
    const resumed = await resumeResource(client, KustomizationKind, ref('parent'));
    expect((resumed.object as Kustomization).spec.suspend).toBe(false);
    expect(resumed.object.metadata.annotations?.[reconcileRequestAnnotations.weft]).toBe(resumed.requestedAt);
    const result = await waitForReconcile(client, KustomizationKind, ref('parent'), { requestedAt: resumed.requestedAt, timeout: '20s' });
    expect(result.ready).toBe(true);
  });

  it('refuses kinds whose schema has no lastHandledReconcileAt or no spec.suspend', async () => {
    const noStatus = { apiVersion: 'example.weft.dev/v1', kind: 'Thing', plural: 'things', namespaced: true, schema: { type: 'object', properties: { spec: { type: 'object', properties: {} } } } };
    await expect(requestReconcile(client, noStatus, ref('x'))).rejects.toThrow(new UnsupportedOperationError('Thing/ops/x', 'Thing does not take reconcile requests (its status has no lastHandledReconcileAt)'));
    await expect(suspendResource(client, noStatus, ref('x'))).rejects.toThrow(/Thing cannot be suspended/);
  });

  it('tree: the inventory with nested Kustomizations expanded and each object healthy or missing', async () => {
    await client.delete(ConfigMapKind, 'extra', { namespace });
    const tree = await inventoryTree(client, ref('parent'));
    const lines = (node: typeof tree, depth = 0): string[] => [`${'  '.repeat(depth)}${node.subject} ${node.health.status}`, ...node.children.flatMap((child) => lines(child, depth + 1))];
    expect(lines(tree)).toEqual([
      `Kustomization/${namespace}/parent healthy`,
      // Inventory order: sorted by id (namespace, name, group, kind), as Flux stores it.
      `Kustomization/${namespace}/child healthy`,
      `  ConfigMap/${namespace}/extra missing`,
      `  ConfigMap/${namespace}/web healthy`,
      `ConfigMap/${namespace}/parent-settings healthy`,
    ].map((line, index) => (index === 0 ? line : `  ${line}`)));
  });

  it('trace: the Kustomization, its GitRepository, revision and commit; in sync, then drifted after an edit the report mode leaves', async () => {
    const head = await repo.git('rev-parse', 'HEAD');
    const webRef = { group: '', version: 'v1', kind: 'ConfigMap', namespace, name: 'web' };
    const clean = await traceObject(client, webRef);
    expect(clean).toMatchObject({
      object: { subject: `ConfigMap/${namespace}/web` },
      kustomization: { ref: { name: 'child', namespace }, revision: `main@sha1:${head}`, ready: { status: 'True' } },
      source: { ref: { name: 'ops', namespace }, revision: `main@sha1:${head}` },
      commit: head,
      drift: { status: 'in-sync' },
    });
    await client.patch(ConfigMapKind, 'web', { data: { mode: 'edited' } }, { namespace, fieldManager: 'kubectl-edit' });
    const drifted = await traceObject(client, webRef);
    expect(drifted.drift.status).toBe('drifted');
    expect(drifted.drift.changes).toEqual([{ path: '/data/mode', op: 'replace', live: 'edited', desired: 'slow' }]);
    expect(drifted.drift.unified).toMatch(/-\s+mode: edited\n\+\s+mode: slow/);

    await client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'loose', namespace }, data: {} });
    await expect(traceObject(client, { ...webRef, name: 'loose' })).rejects.toBeInstanceOf(NotManagedError);
  });

  it('build and diff: local files with postBuild substitution from a ConfigMap, the ownership labels, and what would be created, changed and pruned', async () => {
    await client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'vars', namespace }, data: { mode: 'local' } });
    await client.patch(KustomizationKind, 'child', { spec: { postBuild: { substituteFrom: [{ kind: 'ConfigMap', name: 'vars' }] } } }, { namespace });
    const child = await client.get(KustomizationKind, 'child', { namespace });
    const fs = memoryFs({ '/local/web.yaml': configMap('web', { mode: '${mode}' }), '/local/new.yaml': configMap('new', { b: '2' }) });
    const built = await buildKustomization(client, child, fs, { path: '/local' });
    expect(built.objects.map((object) => [object.metadata.name, object.metadata.namespace, object['data'], object.metadata.labels])).toEqual([
      ['new', namespace, { b: '2' }, { 'weft.dev/name': 'child', 'weft.dev/namespace': namespace }],
      ['web', namespace, { mode: 'local' }, { 'weft.dev/name': 'child', 'weft.dev/namespace': namespace }],
    ]);
    expect(built.sourceOf(built.objects[0]!)).toBe('local/new.yaml');

    const changes = await diffKustomization(client, child, built.objects);
    expect(changes.changed).toBe(true);
    expect(changes.entries.map((entry) => [entry.subject, entry.status])).toEqual([
      [`ConfigMap/${namespace}/new`, 'missing'],
      [`ConfigMap/${namespace}/web`, 'drifted'],
    ]);
    expect(changes.deleted.map((deleted) => deleted.name)).toEqual(['extra']);
    // Nothing was written.
    expect((await client.get(ConfigMapKind, 'web', { namespace })).data).toEqual({ mode: 'edited' });
  });

  it('events: a Kustomization\'s own and its GitRepository\'s, oldest first', async () => {
    const events = await listEvents(client, { namespace, for: { kind: 'Kustomization', name: 'child', namespace } });
    expect(events.length).toBeGreaterThan(0);
    expect(new Set(events.map((event) => event.object.kind))).toEqual(new Set(['Kustomization', 'GitRepository']));
    expect(events.some((event) => event.object.name === 'child' && event.reason === 'ReconciliationSucceeded')).toBe(true);
    expect(events.map((event) => event.lastSeen)).toEqual(events.map((event) => event.lastSeen).sort());
  });
});
