import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigMapKind, EventKind, KubeClient, NamespaceKind, createLogger, type ReconcileOutcome } from '@weft/reconcile-core';
import type { DriftEvent } from '@weft/drift';
import { GitRepositoryKind, type GitRepository } from '@weft/git-source';
import { type GitServer, type InMemoryApiServer, startApiServer, startGitServer, eventually } from '@weft/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Kustomization, KustomizationKind, createGitOpsManager, installGitOpsCrds } from '../index.js';

/** The whole operator (both controllers, one Manager) on the in-memory API server with a real git server. */
describe('the GitOps operator on the in-memory API server', () => {
  let api: InMemoryApiServer;
  let git: GitServer;
  let client: KubeClient;
  let storageDir: string;
  const stop = new AbortController();
  let running: Promise<void>;
  const outcomes: ReconcileOutcome[] = [];
  const drift: { key: string; event: DriftEvent }[] = [];
  const namespace = 'apps';

  beforeAll(async () => {
    api = await startApiServer();
    git = await startGitServer();
    client = new KubeClient(api.kubeConfig);
    storageDir = await mkdtemp(join(tmpdir(), 'weft-gitops-unit-'));
    await installGitOpsCrds(api.kubeConfig, {});
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }, { kind: NamespaceKind });
    const manager = createGitOpsManager({
      kubeConfig: api.kubeConfig,
      storageDir,
      logger: createLogger({ level: (process.env['TEST_LOG_LEVEL'] as 'info') ?? 'silent' }),
      handleSignals: false,
      onOutcome: (outcome) => outcomes.push(outcome),
      onDrift: (key, event) => drift.push({ key, event }),
      gracefulShutdownTimeout: '2s',
    });
    running = manager.start({ signal: stop.signal });
  });

  afterAll(async () => {
    stop.abort();
    await running;
    client?.close();
    await git?.stop();
    await api?.[Symbol.asyncDispose]();
    await rm(storageDir, { recursive: true, force: true });
  });

  const get = (name: string) => client.get(KustomizationKind, name, { namespace });
  const ready = (object: Kustomization) => object.status?.conditions?.find((condition) => condition.type === 'Ready');
  /** The Kustomization once `check` holds (its status quoted when it never does). */
  const until = (name: string, check: (object: Kustomization) => boolean, timeoutMs = 20_000) =>
    eventually(`Kustomization ${name} to match`, async () => {
      const object = await client.get(KustomizationKind, name, { namespace });
      if (!check(object)) throw new Error(`status: ${JSON.stringify(object.status)}`);
      return object;
    }, { timeoutMs });

  it('applies a path of a GitRepository, follows new commits and prunes what left git', async () => {
    const repo = await git.createRepo('app', {
      'deploy/settings.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: fast\n',
      'deploy/extra.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\ndata:\n  a: "1"\n',
    });
    const head = await repo.git('rev-parse', 'HEAD');
    await client.create({ apiVersion: GitRepositoryKind.apiVersion, kind: 'GitRepository', metadata: { name: 'app', namespace }, spec: { url: repo.url, interval: '1s', ref: { branch: 'main' } } } as GitRepository);
    await client.create({
      apiVersion: KustomizationKind.apiVersion,
      kind: 'Kustomization',
      metadata: { name: 'app', namespace },
      spec: { sourceRef: { kind: 'GitRepository', name: 'app' }, path: './deploy', interval: '1s', prune: true, targetNamespace: namespace },
    } as Kustomization);
    const applied = await until('app', (object) => ready(object)?.status === 'True');
    expect(ready(applied)).toMatchObject({ reason: 'ReconciliationSucceeded', message: `Applied revision: main@sha1:${head}` });
    expect(applied.status?.lastAppliedRevision).toBe(`main@sha1:${head}`);
    expect(applied.status?.inventory?.entries.map((entry) => entry.id).sort()).toEqual([`${namespace}_extra__ConfigMap`, `${namespace}_settings__ConfigMap`]);
    expect((await client.get(ConfigMapKind, 'settings', { namespace })).data).toEqual({ mode: 'fast' });

    const next = await repo.commit({ 'deploy/extra.yaml': null, 'deploy/settings.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: slow\n' }, 'drop extra');
    await until('app', (object) => object.status?.lastAppliedRevision === `main@sha1:${next}`);
    expect((await client.get(ConfigMapKind, 'settings', { namespace })).data).toEqual({ mode: 'slow' });
    await expect(client.get(ConfigMapKind, 'extra', { namespace })).rejects.toThrow(/not found/i);
    // Neither the apply nor the prune is taken for drift by the watch on the previous set.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await expect(client.get(ConfigMapKind, 'extra', { namespace })).rejects.toThrow(/not found/i);
    expect((await client.get(ConfigMapKind, 'settings', { namespace })).data).toEqual({ mode: 'slow' });
    expect(drift.filter((entry) => entry.key === `${namespace}/app` && entry.event.type === 'drifted')).toEqual([]);
    expect(outcomes.some((outcome) => outcome.controller === 'kustomization')).toBe(true);
  });

  const source = async (name: string, files: Record<string, string>) => {
    const repo = await git.createRepo(name, files);
    await client.create({ apiVersion: GitRepositoryKind.apiVersion, kind: 'GitRepository', metadata: { name, namespace }, spec: { url: repo.url, interval: '1s', ref: { branch: 'main' } } } as GitRepository);
    return repo;
  };
  const create = (name: string, spec: Partial<Kustomization['spec']>) =>
    client.create({
      apiVersion: KustomizationKind.apiVersion,
      kind: 'Kustomization',
      metadata: { name, namespace },
      spec: { sourceRef: { kind: 'GitRepository', name }, interval: '1s', prune: true, targetNamespace: namespace, ...spec },
    } as Kustomization);
  const configMap = (name: string, data: Record<string, string>) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata: ${JSON.stringify(data)}\n`;
  const deployment = (name: string) =>
    `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\nspec:\n  selector: {matchLabels: {app: ${name}}}\n  template:\n    metadata: {labels: {app: ${name}}}\n    spec: {containers: [{name: main, image: nginx}]}\n`;

  it('gives up a health check on a stale revision as soon as the source moves (a fix never waits for the timeout)', async () => {
    // Nothing runs Deployments in the in-memory server: this one never becomes healthy.
    const repo = await source('stuck', { 'web.yaml': deployment('stuck-web') });
    await create('stuck', { wait: true, timeout: '5m' });
    await until('stuck', (object) => object.status?.conditions?.some((condition) => condition.type === 'Reconciling' && condition.message.startsWith('Running health checks')) === true);
    const fixed = Date.now();
    const next = await repo.commit({ 'web.yaml': null, 'settings.yaml': configMap('stuck-settings', { a: '1' }) }, 'replace the deployment');
    const ready = await until('stuck', (object) => object.status?.lastAppliedRevision === `main@sha1:${next}`);
    expect(Date.now() - fixed).toBeLessThan(30_000);
    expect(ready.status?.inventory?.entries.map((entry) => entry.id)).toEqual([`${namespace}_stuck-settings__ConfigMap`]);
  });

  it('in report mode tells of drift with an Event and leaves it alone', async () => {
    await source('reported', { 'cm.yaml': configMap('reported', { mode: 'git' }) });
    await create('reported', { driftDetection: { mode: 'report' } });
    await until('reported', (object) => ready(object)?.status === 'True');
    await eventually('the drift watch of reported to sync', () => drift.some((entry) => entry.key === `${namespace}/reported` && entry.event.type === 'synced'), { timeoutMs: 10_000, intervalMs: 50 });
    await client.patch(ConfigMapKind, 'reported', { data: { mode: 'edited' } }, { namespace, fieldManager: 'kubectl-edit' });
    await eventually('a DriftDetected Event about reported', async () => {
      const events = (await client.list(EventKind, { namespace })).items.filter((event) => event.regarding?.name === 'reported');
      if (!events.some((event) => event.reason === 'DriftDetected')) throw new Error(`its Events: ${JSON.stringify(events.map((event) => event.reason))}`);
      return true;
    }, { timeoutMs: 20_000 });
    // Several intervals later the edit is still there.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect((await client.get(ConfigMapKind, 'reported', { namespace })).data).toEqual({ mode: 'edited' });
    expect(drift.some((entry) => entry.key === `${namespace}/reported` && entry.event.type === 'reverted')).toBe(false);
  });

  it('waits for a source that is not there yet with ArtifactFailed and no Warning event, as Flux, then applies it', async () => {
    await create('early', {});
    const waiting = await until('early', (object) => ready(object)?.reason === 'ArtifactFailed');
    expect(ready(waiting)).toMatchObject({ status: 'False', message: `Source 'GitRepository/${namespace}/early' not found` });
    await source('early', { 'cm.yaml': configMap('early', { a: '1' }) });
    await until('early', (object) => ready(object)?.status === 'True');
    // Events are written after the status: wait for the success's, then look at all before it.
    const events = await eventually('the ReconciliationSucceeded event of early', async () => {
      const items = (await client.list(EventKind, { namespace })).items.filter((event) => event.regarding?.name === 'early' && event.regarding?.kind === 'Kustomization');
      if (!items.some((event) => event.reason === 'ReconciliationSucceeded')) throw new Error(`events: ${items.map((event) => event.reason).join(', ')}`);
      return items;
    });
    expect(events.filter((event) => event.type === 'Warning').map((event) => event.reason)).toEqual([]);
  });

  it('stalls on an ignore rule that does not parse, naming it', async () => {
    await source('stalled', { 'cm.yaml': configMap('stalled', { a: '1' }) });
    await create('stalled', { driftDetection: { ignore: [{ paths: ['spec/replicas'] }] } });
    const stalled = await until('stalled', (object) => object.status?.conditions?.some((condition) => condition.type === 'Stalled') === true);
    expect(ready(stalled)).toMatchObject({ status: 'False', reason: 'InvalidDriftDetection' });
    expect(ready(stalled)?.message).toMatch(/spec\.driftDetection\.ignore: ignore rule 0: JSON pointer "spec\/replicas" must start with "\/"/);
    expect(stalled.status?.observedGeneration).toBe(stalled.metadata.generation);
  });

  it('deletes what a pruning Kustomization applied when it is deleted', async () => {
    await source('doomed', { 'cm.yaml': configMap('doomed', { a: '1' }) });
    await create('doomed', {});
    const applied = await until('doomed', (object) => ready(object)?.status === 'True');
    expect(applied.metadata.finalizers).toEqual(['finalizers.weft.dev/kustomization']);
    await client.delete(KustomizationKind, 'doomed', { namespace });
    await eventually('the ConfigMap of the deleted Kustomization doomed to be pruned', async () => {
      const left = await client.get(ConfigMapKind, 'doomed', { namespace }).catch(() => undefined);
      if (left !== undefined) throw new Error(`ConfigMap/${namespace}/doomed is still there (deletionTimestamp ${left.metadata.deletionTimestamp ?? 'unset'})`);
      return true;
    }, { timeoutMs: 20_000 });
    await expect(get('doomed')).rejects.toThrow(/not found/i);
  });
  it('retries a failure after retryInterval and resyncs after interval, not in a loop of its own status writes', async () => {
    await source('looping', { 'bad/cm.yaml': 'kind: ConfigMap\nmetadata: [unclosed\n', 'good/cm.yaml': configMap('looping', { a: '1' }) });
    await create('looping', { path: './bad', interval: '10m', retryInterval: '3s' });
    await until('looping', (object) => ready(object)?.reason === 'BuildFailed');
    const count = () => outcomes.filter((outcome) => outcome.controller === 'kustomization' && outcome.key === `${namespace}/looping`).length;
    const failing = count();
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    // One retry after 3 s (and the reconcile its own status write may cause, which stops at once).
    expect(count() - failing).toBeLessThanOrEqual(2);

    await client.patch(KustomizationKind, 'looping', { spec: { path: './good' } }, { namespace });
    await until('looping', (object) => ready(object)?.status === 'True');
    const succeeded = count();
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    // Its own status write is recognised: nothing runs again before the 10m interval.
    expect(count() - succeeded).toBeLessThanOrEqual(2);
  });
  it('an interval and retryInterval at and past setTimeout\'s limit (2^31 ms, 1000h) requeue once, never in a loop', async () => {
    const long = [`${2 ** 31 - 1}ms`, `${2 ** 31}ms`, '1000h'];
    const names = long.flatMap((interval, i) => [`long-${i}`, `long-failing-${i}`]);
    for (const [i, interval] of long.entries()) {
      const repo = await git.createRepo(`long-${i}`, { 'good/cm.yaml': configMap(`long-${i}`, { a: '1' }), 'bad/cm.yaml': 'kind: ConfigMap\nmetadata: [unclosed\n' });
      for (const name of [`long-${i}`, `long-failing-${i}`]) {
        await client.create({ apiVersion: GitRepositoryKind.apiVersion, kind: 'GitRepository', metadata: { name, namespace }, spec: { url: repo.url, interval, ref: { branch: 'main' } } } as GitRepository);
      }
      await create(`long-${i}`, { path: './good', interval });
      await create(`long-failing-${i}`, { path: './bad', interval, retryInterval: interval });
    }
    for (const name of names) await until(name, (object) => ready(object)?.reason === (name.includes('failing') ? 'BuildFailed' : 'ReconciliationSucceeded'));
    const count = () => outcomes.filter((outcome) => names.some((name) => outcome.key === `${namespace}/${name}`)).length;
    const polls = () => git.requests.filter((request) => /^\/long-\d\.git\/info\/refs/.test(request.path)).length;
    const [reconciles, fetches] = [count(), polls()];
    // An overflowed timer requeues every millisecond: thousands of reconciles and polls in 2 s.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(count() - reconciles).toBeLessThanOrEqual(names.length * 2);
    expect(polls() - fetches).toBeLessThanOrEqual(names.length);
    expect(outcomes.filter((outcome) => outcome.key === `${namespace}/long-1` && outcome.requeueAfterMs !== undefined).at(-1)?.requeueAfterMs).toBeGreaterThan(2 ** 31 - 10_000);
  });

  it('waits on healthChecks outside its own set: HealthCheckFailed naming the object until it is Ready', async () => {
    await source('checker', { 'cm.yaml': configMap('checker', { a: '1' }) });
    await create('checker', { timeout: '1s', healthChecks: [{ apiVersion: KustomizationKind.apiVersion, kind: 'Kustomization', name: 'checked' }] });
    const failing = await until('checker', (object) => ready(object)?.reason === 'HealthCheckFailed');
    expect(ready(failing)?.message).toContain(`Kustomization/${namespace}/checked`);
    expect(failing.status?.lastAppliedRevision).toBeUndefined();
    await source('checked', { 'cm.yaml': configMap('checked', { a: '1' }) });
    await create('checked', {});
    const passed = await until('checker', (object) => ready(object)?.status === 'True');
    expect(passed.status?.conditions?.find((condition) => condition.type === 'Healthy')).toMatchObject({ status: 'True', reason: 'Succeeded' });
  });

  it('reports an object two Kustomizations declare on both, writes it for neither, and hands it over when one gives it up', async () => {
    const repo = await source('two', { 'a/shared.yaml': configMap('two-shared', { from: 'a' }), 'b/shared.yaml': configMap('two-shared', { from: 'b' }), 'b/own.yaml': configMap('two-own', { v: '1' }) });
    await create('two-a', { sourceRef: { kind: 'GitRepository', name: 'two' }, path: './a' });
    await until('two-a', (object) => ready(object)?.status === 'True');
    await create('two-b', { sourceRef: { kind: 'GitRepository', name: 'two' }, path: './b' });
    const b = await until('two-b', (object) => ready(object)?.reason === 'OwnershipConflict');
    expect(ready(b)?.message).toBe(`ownership conflict: ConfigMap/${namespace}/two-shared is owned by Kustomization ${namespace}/two-a (its ownership labels), left to it`);
    expect(b.status?.conflicts).toEqual([{ id: `${namespace}_two-shared__ConfigMap`, v: 'v1', kustomization: `${namespace}/two-a`, owner: false }]);
    const a = await until('two-a', (object) => ready(object)?.reason === 'OwnershipConflict');
    expect(ready(a)?.message).toBe(`ownership conflict: ConfigMap/${namespace}/two-shared is also declared by Kustomization ${namespace}/two-b`);
    expect((await client.get(ConfigMapKind, 'two-shared', { namespace })).data).toEqual({ from: 'a' });

    await repo.commit({ 'a/shared.yaml': null, 'a/other.yaml': configMap('two-other', { v: '1' }) }, 'a gives it up');
    await until('two-b', (object) => ready(object)?.status === 'True');
    await until('two-a', (object) => ready(object)?.status === 'True');
    const shared = await client.get(ConfigMapKind, 'two-shared', { namespace });
    expect(shared.data).toEqual({ from: 'b' });
    expect(shared.metadata.labels).toMatchObject({ 'weft.dev/name': 'two-b', 'weft.dev/namespace': namespace });
  });
});

