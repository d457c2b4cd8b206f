import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigMapKind, EventKind, KubeClient, createLogger, type KubeObject, type ReconcileOutcome } from '@weft/reconcile-core';
import { type GitRepository, GitRepositoryKind } from '@weft/git-source';
import type { DriftEvent } from '@weft/drift';
import { type Kustomization, type KustomizationSpec, KustomizationKind, createGitOpsManager, installGitOpsCrds } from '@weft/delivery';
import { eventually } from '@weft/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { clusterKubeConfig, describeCluster, testNamespace } from '../support/cluster';
import { startGitServer, type GitServer, type TestRepo } from '../support/git-server';

const configMap = (name: string, data: Record<string, string>) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n${Object.entries(data)
    .map(([key, value]) => `  ${key}: ${JSON.stringify(value)}`)
    .join('\n')}\n`;

const deployment = (name: string, options: { nodeSelector?: Record<string, string> } = {}) =>
  [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    '  replicas: 1',
    '  progressDeadlineSeconds: 600',
    '  selector:',
    `    matchLabels: { app: ${name} }`,
    '  template:',
    '    metadata:',
    `      labels: { app: ${name} }`,
    '    spec:',
    ...(options.nodeSelector ? ['      nodeSelector:', ...Object.entries(options.nodeSelector).map(([key, value]) => `        ${key}: ${value}`)] : []),
    '      containers:',
    '        - name: main',
    '          image: nginx:1.27',
    '',
  ].join('\n');

describeCluster('the gitops operator on the real apiserver with a real git server', () => {
  let namespace: string;
  let client: KubeClient;
  let git: GitServer;
  let storageDir: string;
  const stop = new AbortController();
  let running: Promise<void>;
  const outcomes: ReconcileOutcome[] = [];
  const drift: { key: string; event: DriftEvent }[] = [];

  beforeAll(async () => {
    namespace = await testNamespace('gitops');
    const kubeConfig = clusterKubeConfig();
    client = new KubeClient(kubeConfig);
    await installGitOpsCrds(kubeConfig, {});
    git = await startGitServer();
    storageDir = await mkdtemp(join(tmpdir(), 'weft-gitops-operator-'));
    const manager = createGitOpsManager({
      kubeConfig,
      storageDir,
      namespace,
      logger: createLogger({ level: 'silent' }),
      handleSignals: false,
      gracefulShutdownTimeout: '5s',
      onOutcome: (outcome) => outcomes.push(outcome),
      onDrift: (key, event) => drift.push({ key, event }),
    });
    running = manager.start({ signal: stop.signal });
  });

  afterAll(async () => {
    stop.abort();
    await running;
    // Let the namespace go: the operator that would run the finalizers has stopped.
    const left = await client.list(KustomizationKind, { namespace }).catch(() => ({ items: [] as Kustomization[] }));
    await Promise.all(left.items.map((item) => client.patch(KustomizationKind, item.metadata.name, { metadata: { finalizers: null } }, { namespace }).catch(() => undefined)));
    client?.close();
    await git?.stop();
    await rm(storageDir, { recursive: true, force: true });
  });

  const gitRepository = (name: string, repo: TestRepo) =>
    client.create({ apiVersion: GitRepositoryKind.apiVersion, kind: 'GitRepository', metadata: { name, namespace }, spec: { url: repo.url, interval: '1s', ref: { branch: 'main' } } } as GitRepository);
  const kustomization = (name: string, spec: Omit<KustomizationSpec, 'interval' | 'prune'> & Partial<KustomizationSpec>) =>
    client.create({
      apiVersion: KustomizationKind.apiVersion,
      kind: 'Kustomization',
      metadata: { name, namespace },
      spec: { interval: '2s', prune: true, ...spec },
    } as Kustomization);
  const get = (name: string) => client.get(KustomizationKind, name, { namespace });
  const condition = (object: Kustomization, type: string) => object.status?.conditions?.find((item) => item.type === type);
  const isReady = (object: Kustomization) => condition(object, 'Ready')?.status === 'True';
  /** The Kustomization once `check` holds (its status quoted when it never does). */
  const until = (name: string, check: (object: Kustomization) => boolean, timeoutMs = 45_000) =>
    eventually(`Kustomization ${name} to match`, async () => {
      const object = await client.get(KustomizationKind, name, { namespace });
      if (!check(object)) throw new Error(`status: ${JSON.stringify(object.status)}`);
      return object;
    }, { timeoutMs });
  const configMapData = async (name: string) => (await client.get(ConfigMapKind, name, { namespace })).data;
  const sha = async (repo: TestRepo) => `main@sha1:${await repo.git('rev-parse', 'HEAD')}`;

  it('orders by dependsOn: a dependent waits with DependencyNotReady until its dependency is Ready at the same revision', async () => {
    const repo = await git.createRepo('layers', {
      'infra/settings.yaml': configMap('infra-settings', { tier: 'infra' }),
      'apps/app.yaml': configMap('app-settings', { tier: 'apps' }),
    });
    await gitRepository('layers', repo);
    // The dependent first; its dependency does not exist yet.
    await kustomization('apps', { sourceRef: { kind: 'GitRepository', name: 'layers' }, path: './apps', targetNamespace: namespace, dependsOn: [{ name: 'infra' }] });
    const waiting = await until('apps', (object) => condition(object, 'Ready')?.reason === 'DependencyNotReady');
    expect(condition(waiting, 'Ready')).toMatchObject({ status: 'False', message: `dependency '${namespace}/infra' not found` });
    await expect(client.get(ConfigMapKind, 'app-settings', { namespace })).rejects.toThrow(/not found/i);

    await kustomization('infra', { sourceRef: { kind: 'GitRepository', name: 'layers' }, path: './infra', targetNamespace: namespace });
    const infra = await until('infra', isReady);
    const apps = await until('apps', isReady);
    expect(Date.parse(condition(apps, 'Ready')!.lastTransitionTime)).toBeGreaterThanOrEqual(Date.parse(condition(infra, 'Ready')!.lastTransitionTime));
    expect(apps.status?.lastAppliedRevision).toBe(await sha(repo));
    expect(await configMapData('app-settings')).toEqual({ tier: 'apps' });

    // A new revision: infra fails to build, so apps (same source) must not move past it.
    await repo.commit({ 'infra/settings.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: [not, a, map\n', 'apps/app.yaml': configMap('app-settings', { tier: 'apps-v2' }) }, 'break infra');
    const next = await sha(repo);
    await until('infra', (object) => condition(object, 'Ready')?.reason === 'BuildFailed');
    const held = await until('apps', (object) => condition(object, 'Ready')?.reason === 'DependencyNotReady');
    expect(condition(held, 'Ready')?.message).toMatch(new RegExp(`dependency '${namespace}/infra' (is not ready|revision is not up to date)`));
    expect(held.status?.lastAppliedRevision).not.toBe(next);
    expect(await configMapData('app-settings')).toEqual({ tier: 'apps' });
  });

  it('keeps the last good revision running when a commit is broken, and names the file', async () => {
    const repo = await git.createRepo('broken', { 'deploy/one.yaml': configMap('one', { v: '1' }), 'deploy/two.yaml': configMap('two', { v: '1' }) });
    await gitRepository('broken', repo);
    await kustomization('broken', { sourceRef: { kind: 'GitRepository', name: 'broken' }, path: './deploy', targetNamespace: namespace });
    const good = await until('broken', isReady);
    const goodRevision = await sha(repo);
    expect(good.status?.lastAppliedRevision).toBe(goodRevision);

    // YAML that does not parse: nothing is applied, the message names the file.
    await repo.commit({ 'deploy/one.yaml': configMap('one', { v: '2' }), 'deploy/two.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: two\ndata: {v: "2"\n' }, 'bad yaml');
    const badYaml = await sha(repo);
    const failed = await until('broken', (object) => condition(object, 'Ready')?.reason === 'BuildFailed');
    expect(condition(failed, 'Ready')?.status).toBe('False');
    expect(condition(failed, 'Ready')?.message).toContain('two.yaml');
    expect(failed.status).toMatchObject({ lastAppliedRevision: goodRevision, lastAttemptedRevision: badYaml });
    expect(await configMapData('one')).toEqual({ v: '1' });

    // An object the apiserver rejects: the dry run stops the whole set, the message names object and file.
    await repo.commit({ 'deploy/two.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Two_Invalid\ndata: {v: "2"}\n' }, 'invalid name');
    const rejected = await until('broken', (object) => condition(object, 'Ready')?.reason === 'ReconciliationFailed');
    expect(condition(rejected, 'Ready')?.message).toMatch(/ConfigMap\/[^ ]+\/Two_Invalid \(from deploy\/two\.yaml\)/);
    expect(rejected.status?.lastAppliedRevision).toBe(goodRevision);
    expect(await configMapData('one')).toEqual({ v: '1' });

    // The fix lands.
    await repo.commit({ 'deploy/two.yaml': configMap('two', { v: '2' }) }, 'fix');
    const fixed = await until('broken', (object) => isReady(object) && object.status?.lastAppliedRevision !== goodRevision);
    expect(fixed.status?.lastAppliedRevision).toBe(await sha(repo));
    expect(await configMapData('one')).toEqual({ v: '2' });
    const events = await client.list(EventKind, { namespace });
    const reasons = events.items.filter((event) => event.regarding?.name === 'broken').map((event) => event.reason);
    expect(reasons).toEqual(expect.arrayContaining(['BuildFailed', 'ReconciliationFailed', 'ReconciliationSucceeded']));
  });

  it('fails a health check with HealthCheckFailed and keeps the last good revision', async () => {
    const repo = await git.createRepo('health', { 'web.yaml': deployment('web') });
    await gitRepository('health', repo);
    await kustomization('health', { sourceRef: { kind: 'GitRepository', name: 'health' }, targetNamespace: namespace, wait: true, timeout: '20s' });
    const healthy = await until('health', isReady, 60_000);
    const goodRevision = await sha(repo);
    expect(healthy.status?.lastAppliedRevision).toBe(goodRevision);
    expect(condition(healthy, 'Healthy')).toMatchObject({ status: 'True' });

    // Pods of the new revision can never be scheduled: the rollout cannot finish.
    await client.patch(KustomizationKind, 'health', { spec: { timeout: '4s' } }, { namespace });
    await repo.commit({ 'web.yaml': deployment('web', { nodeSelector: { 'weft.dev/no-such-node': '"true"' } }) }, 'unschedulable');
    const failing = await until('health', (object) => condition(object, 'Ready')?.reason === 'HealthCheckFailed', 60_000);
    expect(condition(failing, 'Ready')?.status).toBe('False');
    expect(condition(failing, 'Ready')?.message).toMatch(new RegExp(`health check failed after 4s.*Deployment/${namespace}/web \\(from web\\.yaml\\)`));
    expect(condition(failing, 'Healthy')).toMatchObject({ status: 'False', reason: 'HealthCheckFailed' });
    const badRevision = await sha(repo);
    expect({ good: goodRevision, bad: badRevision, status: failing.status }).toMatchObject({ status: { lastAppliedRevision: goodRevision, lastAttemptedRevision: badRevision } });
  });

  it('applies nothing while suspended and catches up on resume', async () => {
    const repo = await git.createRepo('pause', { 'cm.yaml': configMap('paused', { v: '1' }) });
    await gitRepository('pause', repo);
    await kustomization('pause', { sourceRef: { kind: 'GitRepository', name: 'pause' }, targetNamespace: namespace });
    await until('pause', isReady);
    const seen = outcomes.length;
    await client.patch(KustomizationKind, 'pause', { spec: { suspend: true } }, { namespace });
    // The reconcile the patch triggers runs after any in-flight one (a key never runs twice at once): once it is done, the operator knows.
    await eventually('a successful reconcile of pause after the suspend', () => {
      const since = outcomes.slice(seen).filter((outcome) => outcome.controller === 'kustomization' && outcome.key === `${namespace}/pause`);
      if (!since.some((outcome) => outcome.result === 'success')) throw new Error(`its outcomes since: ${JSON.stringify(since.map((outcome) => outcome.result))}`);
      return true;
    }, { timeoutMs: 45_000, intervalMs: 50 });
    await repo.commit({ 'cm.yaml': configMap('paused', { v: '2' }) }, 'while suspended');
    const next = await sha(repo);
    // Several intervals (2s) and source polls (1s) pass.
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    expect(await configMapData('paused')).toEqual({ v: '1' });
    expect((await get('pause')).status?.lastAppliedRevision).not.toBe(next);
    await client.patch(KustomizationKind, 'pause', { spec: { suspend: false } }, { namespace });
    await until('pause', (object) => object.status?.lastAppliedRevision === next);
    expect(await configMapData('paused')).toEqual({ v: '2' });
  });

  it('prunes objects that left git, and only with prune: true', async () => {
    const files = { 'keep.yaml': configMap('keep', { v: '1' }), 'drop.yaml': configMap('drop', { v: '1' }) };
    const repo = await git.createRepo('prune', { 'pruned/keep.yaml': files['keep.yaml'], 'pruned/drop.yaml': files['drop.yaml'], 'kept/keep.yaml': configMap('kept-keep', { v: '1' }), 'kept/drop.yaml': configMap('kept-drop', { v: '1' }) });
    await gitRepository('prune', repo);
    await kustomization('pruning', { sourceRef: { kind: 'GitRepository', name: 'prune' }, path: './pruned', targetNamespace: namespace, prune: true });
    await kustomization('keeping', { sourceRef: { kind: 'GitRepository', name: 'prune' }, path: './kept', targetNamespace: namespace, prune: false });
    await until('pruning', isReady);
    await until('keeping', isReady);
    await repo.commit({ 'pruned/drop.yaml': null, 'kept/drop.yaml': null }, 'drop');
    const next = await sha(repo);
    const pruned = await until('pruning', (object) => object.status?.lastAppliedRevision === next);
    await until('keeping', (object) => object.status?.lastAppliedRevision === next);
    expect(pruned.status?.inventory?.entries.map((entry) => entry.id)).toEqual([`${namespace}_keep__ConfigMap`]);
    await expect(client.get(ConfigMapKind, 'drop', { namespace })).rejects.toThrow(/not found/i);
    expect(await configMapData('kept-drop')).toEqual({ v: '1' });
    // The drift watch of the previous set does not take the prune for drift and bring the object back.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await expect(client.get(ConfigMapKind, 'drop', { namespace })).rejects.toThrow(/not found/i);
    expect(drift.filter((entry) => entry.key === `${namespace}/pruning` && entry.event.type === 'drifted')).toEqual([]);
  });

  it('substitutes postBuild variables from the spec, a ConfigMap and a Secret', async () => {
    await client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cluster-vars', namespace }, data: { region: 'eu-1', replicas: '3' } } as KubeObject);
    await client.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'cluster-secrets', namespace }, stringData: { token: 's3cr3t' } } as KubeObject);
    const repo = await git.createRepo('vars', {
      'app.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-${env}\ndata:\n  region: ${region}\n  replicas: "${replicas}"\n  token: ${token}\n  tier: ${tier:=standard}\n',
    });
    await gitRepository('vars', repo);
    await kustomization('vars', {
      sourceRef: { kind: 'GitRepository', name: 'vars' },
      targetNamespace: namespace,
      postBuild: { substitute: { env: 'prod', region: 'us-2' }, substituteFrom: [{ kind: 'ConfigMap', name: 'cluster-vars' }, { kind: 'Secret', name: 'cluster-secrets' }, { kind: 'ConfigMap', name: 'absent', optional: true }] },
    });
    await until('vars', isReady);
    // Inline variables win over substituteFrom, as in Flux.
    expect(await configMapData('app-prod')).toEqual({ region: 'us-2', replicas: '3', token: 's3cr3t', tier: 'standard' });
  });

  it('reverts an edit by another field manager as it happens', async () => {
    const repo = await git.createRepo('drift', { 'cm.yaml': configMap('guarded', { mode: 'git' }) });
    await gitRepository('drift', repo);
    // A long interval: a revert seen now is the drift watch, not the periodic re-apply.
    await kustomization('drift', { sourceRef: { kind: 'GitRepository', name: 'drift' }, targetNamespace: namespace, interval: '10m' });
    await until('drift', isReady);
    await eventually('the drift watch of drift to sync', () => drift.some((entry) => entry.key === `${namespace}/drift` && entry.event.type === 'synced'), { timeoutMs: 10_000, intervalMs: 50 });
    await client.patch(ConfigMapKind, 'guarded', { data: { mode: 'hand-edited' } }, { namespace, fieldManager: 'kubectl-edit' });
    // Both the data and the 'reverted' event: the operator tells of its write once the apiserver has answered it, which can be after a read here sees it.
    await eventually('the edit of ConfigMap guarded to be reverted and told', async () => {
      const data = await configMapData('guarded');
      const told = drift.filter((entry) => entry.key === `${namespace}/drift`).map((entry) => entry.event.type);
      if (data?.['mode'] !== 'git' || !told.includes('reverted')) throw new Error(`its data: ${JSON.stringify(data)}; drift events: ${told.join(', ')}`);
      return true;
    }, { timeoutMs: 10_000, intervalMs: 50 });
    const events = drift.filter((entry) => entry.key === `${namespace}/drift`).map((entry) => entry.event);
    expect(events.find((event) => event.type === 'drifted')).toMatchObject({ subject: `ConfigMap/${namespace}/guarded`, editedBy: ['kubectl-edit'] });
    expect(events.some((event) => event.type === 'reverted')).toBe(true);
  });

  it('reports every reconcile as an outcome of the kustomization controller', () => {
    expect(outcomes.filter((outcome) => outcome.controller === 'kustomization' && outcome.result === 'error')).toEqual([]);
    expect(outcomes.some((outcome) => outcome.controller === 'gitrepository')).toBe(true);
  });
});
