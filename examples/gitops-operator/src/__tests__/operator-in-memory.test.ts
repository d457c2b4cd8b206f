import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigMapKind, KubeClient, NamespaceKind, createLogger, type ReconcileOutcome } from '@weft/reconcile-core';
import { GitRepositoryKind, type GitRepository } from '@weft/git-source';
import { type GitServer, type InMemoryApiServer, startApiServer, startGitServer } from '@weft/testkit';
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
      logger: createLogger({ level: 'silent' }),
      handleSignals: false,
      onOutcome: (outcome) => outcomes.push(outcome),
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
  async function until(name: string, check: (object: Kustomization) => boolean, timeoutMs = 20_000): Promise<Kustomization> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const object = await get(name);
      if (check(object)) return object;
      if (Date.now() > deadline) throw new Error(`Kustomization ${name} never matched; status: ${JSON.stringify(object.status)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

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
    expect(outcomes.some((outcome) => outcome.controller === 'kustomization')).toBe(true);
  });
});
