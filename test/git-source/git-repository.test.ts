import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeClient, installCRDs, type ReconcileOutcome } from '@weft/reconcile-core';
import {
  ArtifactStorage,
  type GitRepository,
  GitRepositoryKind,
  GitRepositoryReconciler,
  gitRepositoryController,
  serveArtifacts,
  type ArtifactServer,
} from '@weft/git-source';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { clusterKubeConfig, describeCluster, testNamespace } from '../support/cluster';
import { eventually, startGitServer, type GitServer } from '@weft/testkit';

const password = 'cluster-secret-password';

describeCluster('GitRepository reconciler on the real apiserver', () => {
  let server: GitServer;
  let client: KubeClient;
  let namespace: string;
  let work: string;
  let artifacts: ArtifactServer;
  let subscription: { unsubscribe(): void };
  const outcomes: ReconcileOutcome[] = [];
  let reconciler: GitRepositoryReconciler;

  beforeAll(async () => {
    namespace = await testNamespace('git-source');
    const kubeConfig = clusterKubeConfig();
    client = new KubeClient(kubeConfig);
    await installCRDs(client, [GitRepositoryKind]);
    server = await startGitServer({ username: 'flux', password });
    work = await mkdtemp(join(tmpdir(), 'weft-gitrepo-'));
    const storage = new ArtifactStorage(join(work, 'artifacts'));
    artifacts = await serveArtifacts(storage);
    reconciler = new GitRepositoryReconciler({ storage, cacheDir: join(work, 'cache'), artifactUrl: (a) => artifacts.url(a) });
    subscription = gitRepositoryController({ kubeConfig, namespace, retry: { baseDelayMs: 200, maxDelayMs: 2000 } })
      .reconcile(reconciler)
      .subscribe((outcome) => outcomes.push(outcome));
    await client.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'git-auth', namespace },
      stringData: { username: 'flux', password },
    } as never);
    await client.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'wrong-auth', namespace },
      stringData: { username: 'flux', password: 'not-the-password' },
    } as never);
  });

  afterAll(async () => {
    subscription?.unsubscribe();
    await artifacts?.stop();
    await server?.stop();
    client?.close();
    await rm(work, { recursive: true, force: true });
  });

  const create = (name: string, spec: GitRepository['spec']) =>
    client.create({ apiVersion: GitRepositoryKind.apiVersion, kind: 'GitRepository', metadata: { name, namespace }, spec } as GitRepository);
  const get = (name: string) => client.get(GitRepositoryKind, name, { namespace });
  const condition = (repo: GitRepository, type: string) => repo.status?.conditions?.find((c) => c.type === type);
  const until = (name: string, check: (repo: GitRepository) => boolean, timeoutMs = 30_000): Promise<GitRepository> =>
    eventually(`GitRepository ${name} to match`, async () => {
      const repo = await get(name);
      return check(repo) && repo;
    }, { timeoutMs, intervalMs: 200 });


  it('stores an artifact, reports Flux status, serves it, and follows new commits', async () => {
    const repo = await server.createRepo('app', { 'deploy/app.yaml': 'kind: ConfigMap\n', '.github/ci.yaml': 'x\n' });
    const head = await repo.git('rev-parse', 'HEAD');
    await create('app', { url: repo.url, interval: '1s', ref: { branch: 'main' }, secretRef: { name: 'git-auth' } });
    const ready = await until('app', (r) => condition(r, 'Ready')?.status === 'True');
    expect(ready.status?.artifact).toMatchObject({ revision: `main@sha1:${head}`, digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
    expect(ready.status?.observedGeneration).toBe(ready.metadata.generation);
    expect(condition(ready, 'Ready')).toMatchObject({ reason: 'Succeeded', message: `stored artifact for revision 'main@sha1:${head}'` });
    expect(condition(ready, 'ArtifactInStorage')?.status).toBe('True');
    expect(condition(ready, 'Reconciling')).toBeUndefined();
    const download = await fetch(ready.status!.artifact!.url);
    expect(download.status).toBe(200);
    expect(Number(download.headers.get('content-length'))).toBe(ready.status!.artifact!.size);

    // A manual reconcile request (Flux's annotation is honoured) is acknowledged in status.
    await client.patch(GitRepositoryKind, 'app', { metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': 'now-1' } } }, { namespace });
    await until('app', (r) => r.status?.lastHandledReconcileAt === 'now-1');

    const next = await repo.commit({ 'deploy/app.yaml': 'kind: Secret\n' }, 'change');
    const moved = await until('app', (r) => r.status?.artifact?.revision === `main@sha1:${next}`);
    expect(moved.status?.artifact?.digest).not.toBe(ready.status?.artifact?.digest);
  });

  it('reports an auth failure as FetchFailed without leaking the secret, and recovers', async () => {
    const repo = await server.createRepo('locked', { 'a.yaml': 'a\n' });
    await create('locked', { url: repo.url, interval: '1s', ref: { branch: 'main' }, secretRef: { name: 'wrong-auth' } });
    const failed = await until('locked', (r) => condition(r, 'FetchFailed')?.status === 'True');
    expect(condition(failed, 'FetchFailed')).toMatchObject({ reason: 'AuthenticationFailed' });
    expect(condition(failed, 'FetchFailed')?.message).toMatch(/authentication failed \(HTTP 401\)/);
    expect(condition(failed, 'Ready')).toMatchObject({ status: 'False', reason: 'AuthenticationFailed' });
    expect(condition(failed, 'Reconciling')).toMatchObject({ status: 'True', reason: 'ProgressingWithRetry' });
    expect(JSON.stringify(failed)).not.toContain('not-the-password');
    expect(JSON.stringify(outcomes.map((o) => String(o.error)))).not.toContain('not-the-password');

    // Fixing the secret reference recovers.
    await client.patch(GitRepositoryKind, 'locked', { spec: { secretRef: { name: 'git-auth' } } }, { namespace });
    const recovered = await until('locked', (r) => condition(r, 'Ready')?.status === 'True');
    expect(condition(recovered, 'FetchFailed')).toBeUndefined();
  });

  it('selects a semver tag and includes another GitRepository', async () => {
    const lib = await server.createRepo('lib', { 'base/cm.yaml': 'lib: 1\n' });
    const app = await server.createRepo('tagged', { 'app.yaml': 'v: 1\n' });
    await app.git('tag', 'v1.0.0');
    const c2 = await app.commit({ 'app.yaml': 'v: 2\n' }, 'two');
    await app.git('tag', 'v1.2.0');
    await app.git('push', '--quiet', 'origin', '--tags');
    await create('lib', { url: lib.url, interval: '1s', secretRef: { name: 'git-auth' }, ref: { branch: 'main' } });
    await create('tagged', {
      url: app.url,
      interval: '1s',
      secretRef: { name: 'git-auth' },
      ref: { semver: '^1.0.0' },
      include: [{ repository: { name: 'lib' }, fromPath: 'base', toPath: 'vendor/lib' }],
    });
    const ready = await until('tagged', (r) => condition(r, 'Ready')?.status === 'True');
    expect(ready.status?.artifact?.revision).toBe(`v1.2.0@sha1:${c2}`);
    const paths = reconciler.artifactOf(`${namespace}/tagged`)!.entries.map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['app.yaml', 'vendor/lib/cm.yaml']));

    // A new commit in the included repository rebuilds the including one (same revision, new digest).
    await lib.commit({ 'base/cm.yaml': 'lib: 2\n' }, 'lib two');
    await until('tagged', (r) => r.status?.artifact?.digest !== ready.status?.artifact?.digest);
  });

  it('leaves a suspended GitRepository alone', async () => {
    const repo = await server.createRepo('paused', { 'a.yaml': 'a\n' });
    await create('paused', { url: repo.url, interval: '1s', suspend: true, secretRef: { name: 'git-auth' }, ref: { branch: 'main' } });
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect((await get('paused')).status).toBeUndefined();
  });

  it('refuses an SSH URL with a clear condition', async () => {
    await create('ssh', { url: 'ssh://git@example.com/org/repo.git', interval: '1m' });
    const failed = await until('ssh', (r) => condition(r, 'FetchFailed')?.status === 'True');
    expect(condition(failed, 'FetchFailed')).toMatchObject({ reason: 'UnsupportedFeature' });
    expect(condition(failed, 'FetchFailed')?.message).toMatch(/SSH transport is not supported/);
  });
});
