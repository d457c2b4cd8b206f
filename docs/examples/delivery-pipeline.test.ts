// The code samples of docs/delivery-pipeline.md, run: each ```ts block of the guide is a verbatim
// part of this file and its imports are this file's imports (docs.test.ts checks that). They run
// against testkit's in-memory API server and a local git server (git http-backend), and the
// assertions between them check that the pipeline does what the guide says it does.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applySet, correctDrift, type PipelineOutcome } from '@weft/drift';
import { createGitOpsManager, deliveryPipeline, gitRevisions, installGitOpsCrds, KustomizationKind, kustomizeBuild } from '@weft/delivery';
import { type GitRepository, GitRepositoryKind, GitRepositoryReconciler, gitRepositoryController } from '@weft/git-source';
import { ConfigMapKind, CoreEventKind, getCondition, KubeClient, Manager, NamespaceKind } from '@weft/reconcile-core';
import { eventually, startApiServer, startGitServer, type GitServer, type InMemoryApiServer, type TestRepo } from '@weft/testkit';
import { from, mergeMap } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

const settings = (mode: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: ${mode}\n`;
/** A ConfigMap the apiserver refuses: its name is not a DNS subdomain. */
const invalidConfigMap = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Not_Valid\n';

describe('docs/delivery-pipeline.md, run', () => {
  let api: InMemoryApiServer;
  let kubeConfig: InMemoryApiServer['kubeConfig'];
  let git: GitServer;
  let repo: TestRepo;
  let kube: KubeClient;
  /** Every write to a ConfigMap in the namespace `shop`: what the apiserver stored, whoever wrote it. */
  const writes: string[] = [];
  const stopRecording = new AbortController();

  beforeAll(async () => {
    api = await startApiServer();
    kubeConfig = api.kubeConfig;
    git = await startGitServer();
    repo = await git.createRepo('shop', { 'deploy/kustomization.yaml': 'resources: [settings.yaml, extra.yaml]\n', 'deploy/settings.yaml': settings('fast'), 'deploy/extra.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n' });
    kube = new KubeClient(kubeConfig);
    await kube.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } }, { kind: NamespaceKind });
    const { resourceVersion } = await kube.list(ConfigMapKind, { namespace: 'shop' });
    void (async () => {
      for await (const event of kube.watch(ConfigMapKind, { namespace: 'shop', resourceVersion, signal: stopRecording.signal })) {
        if (event.type !== 'BOOKMARK') writes.push(`${event.type} ${event.object.metadata?.name} ${JSON.stringify((event.object as { data?: unknown }).data ?? {})}`);
      }
    })().catch(() => undefined);
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    stopRecording.abort();
    kube.close();
    await git.stop();
    await api.stop();
  });

  const describeOutcome = (outcome: PipelineOutcome) => `${outcome.stage} ${outcome.revision ?? '-'} ${outcome.ok ? (outcome.stage === 'drift' ? outcome.event.type : 'ok') : 'failed'}`;
  /** The first of `outcomes` that `match` accepts, once there is one; a timeout quotes the outcomes seen. */
  const untilOutcome = (what: string, outcomes: readonly PipelineOutcome[], match: (outcome: PipelineOutcome) => boolean) =>
    eventually(what, () => {
      const found = outcomes.find(match);
      if (found === undefined) throw new Error(`outcomes: ${JSON.stringify(outcomes.map(describeOutcome))}`);
      return found;
    }, { timeoutMs: 15_000, intervalMs: 50 });
  const driftEvent = (type: string) => (outcome: PipelineOutcome) => outcome.ok && outcome.stage === 'drift' && outcome.event.type === type;

  it('runs the pipeline through a first sync, a commit, an edit, a refused revision, a broken commit and its fix', async () => {
    const client = new KubeClient(kubeConfig);
    const outcomes: PipelineOutcome[] = [];
    const delivery = gitRevisions({ url: repo.url, ref: { branch: 'main' }, interval: '1s' })
      .pipe(deliveryPipeline(client, { owner: { name: 'shop', namespace: 'default' }, path: 'deploy', targetNamespace: 'shop', prune: true, drift: 'revert' }))
      .subscribe((outcome) => {
        outcomes.push(outcome);
        if (!outcome.ok) console.error(`${outcome.stage} of ${outcome.revision ?? 'the source'} failed: ${outcome.error.message}`);
      });
    const head = async () => `main@sha1:${await repo.git('rev-parse', 'HEAD')}`;
    const driftEvents = () => outcomes.flatMap((outcome) => (outcome.ok && outcome.stage === 'drift' ? [outcome.event.type] : []));

    // First sync: applied by the apply stage, then guarded, with no drift events.
    const first = await head();
    await untilOutcome('the drift stage to sync', outcomes, driftEvent('synced'));
    expect(outcomes.filter((outcome) => outcome.stage !== 'drift').map((outcome) => [outcome.stage, outcome.revision, outcome.ok])).toEqual([['apply', first, true]]);
    expect(driftEvents()).toEqual(['watching', 'synced']);
    expect(writes.map((write) => write.split(' ').slice(0, 2).join(' ')).sort()).toEqual(['ADDED extra', 'ADDED settings']);

    outcomes.length = 0;
    writes.length = 0;
    await repo.commit({ 'deploy/settings.yaml': settings('slow') }, 'slow down');
    const second = await head();
    await untilOutcome('the drift stage to sync', outcomes, driftEvent('synced'));
    expect(outcomes.filter((outcome) => outcome.stage === 'apply').map((outcome) => outcome.ok && outcome.revision)).toEqual([second]);
    expect(driftEvents()).toEqual(['watching', 'synced']);
    expect(writes).toEqual(['MODIFIED settings {"mode":"slow"}']);
    expect((await kube.list(CoreEventKind, { namespace: 'shop' })).items.map((event) => event['reason'])).not.toContain('DriftDetected');

    outcomes.length = 0;
    writes.length = 0;
    await kube.patch(ConfigMapKind, 'settings', { data: { mode: 'edited' } }, { namespace: 'shop', fieldManager: 'kubectl-edit' });
    await untilOutcome('the edit to be reverted', outcomes, driftEvent('reverted'));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(driftEvents()).toEqual(['drifted', 'reverted']);
    expect(writes).toEqual(['MODIFIED settings {"mode":"edited"}', 'MODIFIED settings {"mode":"slow"}']);

    outcomes.length = 0;
    writes.length = 0;
    await repo.commit({ 'deploy/kustomization.yaml': 'resources: [settings.yaml, extra.yaml, invalid.yaml]\n', 'deploy/settings.yaml': settings('rejected'), 'deploy/invalid.yaml': invalidConfigMap }, 'an object the apiserver refuses');
    const refused = await head();
    const rejection = await untilOutcome('an apply outcome', outcomes, (outcome) => outcome.stage === 'apply');
    expect(rejection).toMatchObject({ ok: false, stage: 'apply', revision: refused, error: { message: expect.stringMatching(/ConfigMap\/shop\/Not_Valid \(from deploy\/invalid\.yaml\) dry-run failed: .*nothing was applied/) } });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(writes).toEqual([]);

    outcomes.length = 0;
    await repo.commit({ 'deploy/kustomization.yaml': 'resources: [settings.yaml, missing.yaml]\n' }, 'a file that is not there');
    const broken = await head();
    const failure = await untilOutcome('a build outcome', outcomes, (outcome) => outcome.stage === 'build');
    expect(failure).toMatchObject({ ok: false, stage: 'build', revision: broken, error: { message: expect.stringContaining('missing.yaml') } });
    await repo.commit({ 'deploy/kustomization.yaml': 'resources: [settings.yaml]\n', 'deploy/invalid.yaml': null, 'deploy/settings.yaml': settings('fixed') }, 'the fix');
    const fixed = await head();
    await untilOutcome(`the fix ${fixed} to be applied`, outcomes, (outcome) => outcome.stage === 'apply' && outcome.ok && outcome.revision === fixed);
    expect((await kube.get(ConfigMapKind, 'settings', { namespace: 'shop' })).data).toEqual({ mode: 'fixed' });
    await expect(kube.get(ConfigMapKind, 'extra', { namespace: 'shop' })).rejects.toThrow(/not found/);

    delivery.unsubscribe();
    client.close();
  });

  it('is these four stages', async () => {
    await kube.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'staged' } }, { kind: NamespaceKind });
    const client = new KubeClient(kubeConfig);
    const owner = { name: 'shop', namespace: 'default' };
    const stages = gitRevisions({ url: repo.url, ref: { branch: 'main' }, interval: '1s' }).pipe(
      kustomizeBuild({ path: 'deploy', targetNamespace: 'staged' }),
      applySet(client, { owner, prune: true }),
      correctDrift(client, { owner, mode: 'revert' }),
    );
    const outcomes: PipelineOutcome[] = [];
    const subscription = stages.subscribe((outcome) => outcomes.push(outcome));
    await untilOutcome('a successful apply', outcomes, (outcome) => outcome.stage === 'apply' && outcome.ok);
    expect((await kube.get(ConfigMapKind, 'settings', { namespace: 'staged' })).metadata.labels).toMatchObject({ 'weft.dev/name': 'shop', 'weft.dev/namespace': 'default' });
    subscription.unsubscribe();
    client.close();
  });

  it('runs independent apps side by side', async () => {
    await kube.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'web' } }, { kind: NamespaceKind });
    await kube.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'api' } }, { kind: NamespaceKind });
    const client = new KubeClient(kubeConfig);
    const apps = ['web', 'api'];
    const fleet = from(apps)
      .pipe(mergeMap((app) => gitRevisions({ url: repo.url, ref: { branch: 'main' }, interval: '1m' }).pipe(deliveryPipeline(client, { owner: { name: app, namespace: 'default' }, path: 'deploy', targetNamespace: app, drift: false })), 4))
      .subscribe((outcome) => console.log(outcome.stage, outcome.revision, outcome.ok));
    await vi.waitFor(async () => {
      for (const app of apps) expect((await kube.get(ConfigMapKind, 'settings', { namespace: app })).metadata.labels?.['weft.dev/name']).toBe(app);
    }, { timeout: 15_000 });
    fleet.unsubscribe();
    client.close();
  });

  it('runs the same pipeline behind GitRepository and Kustomization objects', async () => {
    const stop = new AbortController();
    const signal = stop.signal;
    const storageDir = await mkdtemp(join(tmpdir(), 'weft-delivery-guide-'));
    await installGitOpsCrds(kubeConfig, { signal });
    const running = createGitOpsManager({ kubeConfig, storageDir, namespace: 'shop', handleSignals: false }).start({ signal });
    await kube.create({ apiVersion: GitRepositoryKind.apiVersion, kind: 'GitRepository', metadata: { name: 'shop', namespace: 'shop' }, spec: { url: repo.url, interval: '1m', ref: { branch: 'main' } } } as GitRepository);
    await kube.create({ apiVersion: KustomizationKind.apiVersion, kind: 'Kustomization', metadata: { name: 'shop', namespace: 'shop' }, spec: { sourceRef: { kind: 'GitRepository', name: 'shop' }, path: './deploy', targetNamespace: 'shop', interval: '5m', prune: true } });
    try {
      const ready = await vi.waitFor(async () => {
        const object = await kube.get(KustomizationKind, 'shop', { namespace: 'shop' });
        if (getCondition(object, 'Ready')?.status !== 'True') throw new Error(JSON.stringify(object.status));
        return object;
      }, { timeout: 20_000 });
      expect(ready.status?.lastAppliedRevision).toBe(`main@sha1:${await repo.git('rev-parse', 'HEAD')}`);
    } finally {
      stop.abort();
      await running;
      await rm(storageDir, { recursive: true, force: true });
    }
  });

  it('hands each new revision of a GitRepository to your own code in the same process', async () => {
    const stop = new AbortController();
    const signal = stop.signal;
    const manager = new Manager({ kubeConfig, metrics: { port: 0 }, handleSignals: false });
    manager.add(
      gitRepositoryController({ namespace: 'shop' }).reconcile(
        new GitRepositoryReconciler({
          // The in-process handoff: each new revision of a GitRepository, as a GitArtifact.
          onArtifact: (repository, artifact) => console.log(`${repository.metadata.name}: ${artifact.revision}`),
        }),
      ),
    );
    const running = manager.start({ signal });
    await vi.waitFor(() => expect(console.log).toHaveBeenCalledWith(expect.stringMatching(/^shop: main@sha1:[0-9a-f]{40}$/)), { timeout: 15_000 });
    stop.abort();
    await running;
  });
});
