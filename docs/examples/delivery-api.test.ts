// Every `@example` of @weft/delivery's public API, run against testkit's in-memory API server and a
// local git server (git http-backend): each example's code is a verbatim part of this file and its
// imports are this file's imports (api-examples.test.ts checks both).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ArtifactError,
  artifactFs,
  ArtifactReader,
  buildManifests,
  buildRevision,
  createGitOpsManager,
  deliveryPipeline,
  gitOpsCrds,
  gitRevisions,
  installGitOpsCrds,
  KustomizationKind,
  kustomizationController,
  kustomizationCrd,
  KustomizationReconciler,
  kustomizeBuild,
  untar,
  type SourceOutcome,
  type SourceRevision,
} from '@weft/delivery';
import { ArtifactStorage, fetchArtifact, type GitArtifact, type GitRepository, GitRepositoryKind, GitRepositoryReconciler, gitRepositoryController, writeTar } from '@weft/git-source';
import { build } from '@weft/kustomize-lite';
import { ConfigMapKind, createLogger, getCondition, KubeClient, Manager } from '@weft/reconcile-core';
import { startApiServer, startGitServer, type GitServer, type InMemoryApiServer, type TestRepo } from '@weft/testkit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

const settings = (mode: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: ${mode}\n  cluster: \${cluster:=local}\n`;

describe('the @examples of @weft/delivery, run', () => {
  let api: InMemoryApiServer;
  let kubeConfig: InMemoryApiServer['kubeConfig'];
  let git: GitServer;
  let repo: TestRepo;
  let client: KubeClient;
  let storageDir: string;
  let artifact: GitArtifact;

  beforeAll(async () => {
    api = await startApiServer();
    kubeConfig = api.kubeConfig;
    git = await startGitServer();
    repo = await git.createRepo('shop', {
      'deploy/kustomization.yaml': 'resources: [settings.yaml, extra.yaml]\n',
      'deploy/settings.yaml': settings('fast'),
      'deploy/extra.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n',
    });
    client = new KubeClient(kubeConfig);
    storageDir = await mkdtemp(join(tmpdir(), 'weft-delivery-examples-'));
    ({ artifact } = await fetchArtifact({ url: repo.url, ref: { branch: 'main' }, cacheDir: join(storageDir, 'cache'), storage: new ArtifactStorage(join(storageDir, 'fetched')) }));
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    client.close();
    await git.stop();
    await api.stop();
    await rm(storageDir, { recursive: true, force: true });
  });

  it('builds an artifact: the file system glue, the build step, one revision', async () => {
    {
      const objects = await build('/deploy', { fs: artifactFs(artifact.entries) });
      expect(objects.map((object) => (object['metadata'] as { name: string }).name).sort()).toEqual(['extra', 'settings']);
    }
    const { objects, sourceOf } = await buildManifests({ fs: artifactFs(artifact.entries), path: './deploy', targetNamespace: 'shop', postBuild: { substitute: { cluster: 'eu-1' } } });
    expect(objects.find((object) => object.metadata.name === 'settings')).toMatchObject({ metadata: { namespace: 'shop' }, data: { mode: 'fast', cluster: 'eu-1' } });
    expect(sourceOf(objects[0]!)).toMatch(/^deploy\/(extra|settings)\.yaml$/);

    const revision: SourceRevision = { ok: true, stage: 'source', revision: artifact.revision, artifact };
    expect(revision.revision).toMatch(/^main@sha1:/);
    const built = await buildRevision({ ok: true, stage: 'source', revision: artifact.revision, artifact }, { path: 'deploy' });
    if (!built.ok) console.error(built.error.message);
    expect(built).toMatchObject({ ok: true, stage: 'build', revision: artifact.revision });
    const broken = await buildRevision({ ok: true, stage: 'source', revision: artifact.revision, artifact }, { path: 'missing' });
    expect(broken).toMatchObject({ ok: false, stage: 'build', error: { message: expect.stringMatching(/kustomization path not found: 'missing'/) } });

    const tarBytes = writeTar([{ path: 'deploy/settings.yaml', type: 'file', content: Buffer.from(settings('fast')) }, { path: 'deploy/link.yaml', type: 'symlink', target: 'settings.yaml' }]);
    const entries = untar(tarBytes, 'apps.tar');
    expect(entries.map((entry) => `${entry.type} ${entry.path}`)).toEqual(['symlink deploy/link.yaml', 'file deploy/settings.yaml']);
  });

  it('streams revisions through the build stage', async () => {
    const revisions$ = gitRevisions({ url: repo.url, ref: { branch: 'main' }, interval: '1s' });
    const first = await new Promise<SourceOutcome>((resolve) => {
      const subscription = revisions$.subscribe((outcome) => {
        resolve(outcome);
        subscription.unsubscribe();
      });
    });
    expect(first).toMatchObject({ ok: true, stage: 'source', revision: artifact.revision });
    const failed: SourceOutcome = { ok: false, stage: 'source', error: new Error('git fetch failed') };
    expect(failed.revision).toBeUndefined();

    const building = gitRevisions({ url: repo.url, ref: { branch: 'main' }, interval: '1s' })
      .pipe(kustomizeBuild({ path: 'deploy', postBuild: { substitute: { cluster: 'eu-1' } } }))
      .subscribe((outcome) => console.log(outcome.ok ? `${outcome.revision}: ${outcome.objects.length} objects` : outcome.error.message));
    await vi.waitFor(() => expect(console.log).toHaveBeenCalledWith(`${artifact.revision}: 2 objects`), { timeout: 15_000 });
    building.unsubscribe();
  });

  it('delivers with the whole pipeline: build, apply, drift correction', async () => {
    const client = new KubeClient(kubeConfig);
    const delivery = gitRevisions({ url: repo.url, ref: { branch: 'main' }, interval: '1s' })
      .pipe(deliveryPipeline(client, { owner: { name: 'shop', namespace: 'default' }, path: 'deploy', targetNamespace: 'default', prune: true, drift: 'revert' }))
      .subscribe((outcome) => {
        if (!outcome.ok) console.error(`${outcome.stage} of ${outcome.revision ?? 'the source'} failed: ${outcome.error.message}`);
        else if (outcome.stage === 'apply') console.log(`applied ${outcome.revision}`);
        else if (outcome.stage === 'drift' && outcome.event.type === 'reverted') console.log(`${outcome.event.subject} put back`);
      });
    await vi.waitFor(() => expect(console.log).toHaveBeenCalledWith(`applied ${artifact.revision}`), { timeout: 15_000 });
    await client.patch(ConfigMapKind, 'settings', { data: { mode: 'edited' } }, { namespace: 'default', fieldManager: 'kubectl-edit' });
    await vi.waitFor(() => expect(console.log).toHaveBeenCalledWith('ConfigMap/default/settings put back'), { timeout: 15_000 });
    delivery.unsubscribe();
    client.close();
  });

  it('runs the whole operator: createGitOpsManager', async () => {
    const stop = new AbortController();
    const signal = stop.signal;
    await installGitOpsCrds(kubeConfig, { signal });
    const running = createGitOpsManager({ kubeConfig, storageDir, namespace: 'default', handleSignals: false }).start({ signal });
    await installGitOpsCrds(kubeConfig, { signal: AbortSignal.timeout(60_000) });
    console.log(gitOpsCrds.map((crd) => crd.metadata.name)); // [ 'gitrepositories.source.weft.dev', 'kustomizations.kustomize.weft.dev' ]
    expect(gitOpsCrds.map((crd) => crd.metadata.name)).toEqual(['gitrepositories.source.weft.dev', 'kustomizations.kustomize.weft.dev']);
    console.log(kustomizationCrd.metadata.name); // kustomizations.kustomize.weft.dev
    expect(kustomizationCrd.metadata.name).toBe('kustomizations.kustomize.weft.dev');

    await client.create({ apiVersion: GitRepositoryKind.apiVersion, kind: 'GitRepository', metadata: { name: 'shop', namespace: 'default' }, spec: { url: repo.url, interval: '1s', ref: { branch: 'main' } } } as GitRepository);
    await client.create({ apiVersion: KustomizationKind.apiVersion, kind: 'Kustomization', metadata: { name: 'shop', namespace: 'default' },
      spec: { sourceRef: { kind: 'GitRepository', name: 'shop' }, path: './deploy', targetNamespace: 'default', interval: '5m', prune: true } });
    await vi.waitFor(async () => expect(getCondition(await client.get(KustomizationKind, 'shop', { namespace: 'default' }), 'Ready')?.status).toBe('True'), { timeout: 20_000 });

    // Reading the GitRepository's stored artifact, as the reconciler does.
    const repository = await client.get(GitRepositoryKind, 'shop', { namespace: 'default' });
    const storage = new ArtifactStorage(join(storageDir, 'artifacts'));
    const reader = new ArtifactReader({ storage });
    const fs = await reader.read(repository.status!.artifact!, { signal });
    expect(await fs.readDir('/deploy')).toEqual(['extra.yaml', 'kustomization.yaml', 'settings.yaml']);
    const unreadable = { path: 'artifacts/gone.tar.gz', digest: `sha256:${'0'.repeat(64)}`, url: 'file:///nonexistent/gone.tar.gz' };
    await reader.read(unreadable).catch((error) => {
      if (error instanceof ArtifactError) console.error(error.artifact, error.message);
    });
    expect(console.error).toHaveBeenCalledWith('artifacts/gone.tar.gz', expect.stringMatching(/could not be read/));

    stop.abort();
    await running;
  });

  it('builds the same operator by hand: the reconciler and its controller in a Manager', async () => {
    const kustomizations = kustomizationController({ namespace: 'default', concurrency: 4 }).reconcile(new KustomizationReconciler({ namespace: 'default' }));
    expect(kustomizations.name).toBe('kustomization');

    const stop = new AbortController();
    const storage = new ArtifactStorage(join(storageDir, 'by-hand'));
    const manager = new Manager({ kubeConfig, logger: createLogger({ level: 'silent' }), handleSignals: false });
    manager.add(gitRepositoryController({ namespace: 'default' }).reconcile(new GitRepositoryReconciler({ storage, cacheDir: join(storageDir, 'by-hand-cache') })));
    const reconciler = new KustomizationReconciler({ artifacts: new ArtifactReader({ storage }) });
    manager.add(kustomizationController({ concurrency: 4 }).reconcile(reconciler));
    const running = manager.start({ signal: stop.signal });
    await repo.commit({ 'deploy/settings.yaml': settings('slow') }, 'slow down');
    await vi.waitFor(async () => expect((await client.get(ConfigMapKind, 'settings', { namespace: 'default' })).data?.['mode']).toBe('slow'), { timeout: 20_000 });
    stop.abort();
    await running;
    reconciler.close();
  });
});
