import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigMapKind, KubeClient, NamespaceKind, createLogger, watch, type KubeObject } from '@weft/reconcile-core';
import { type GitRepository, GitRepositoryKind } from '@weft/git-source';
import { type Kustomization, type KustomizationSpec, KustomizationKind, createGitOpsManager, installGitOpsCrds } from '@weft/delivery';
import type { Subscription } from 'rxjs';
import { eventually } from '@weft/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { clusterKubeConfig, describeCluster, testNamespace } from '../support/cluster';
import { startGitServer, type GitServer, type TestRepo } from '../support/git-server';

const configMap = (name: string, data: Record<string, string>, namespace?: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${namespace ? `  namespace: ${namespace}\n` : ''}data: ${JSON.stringify(data)}\n`;

/**
 * Issue 14, items 1–3, on the real kube-apiserver: ownership labels on every applied object,
 * an object two Kustomizations declare reported on both and never fought over, prune leaving an
 * object another one declares, and the dry-run gate undoing the Namespace it created.
 */
describeCluster('Kustomizations that share objects, and the dry-run gate, on the real apiserver', () => {
  let namespace: string;
  let client: KubeClient;
  let git: GitServer;
  let storageDir: string;
  const stop = new AbortController();
  let running: Promise<void>;
  let sharedRepo: TestRepo;

  beforeAll(async () => {
    namespace = await testNamespace('ownership');
    const kubeConfig = clusterKubeConfig();
    client = new KubeClient(kubeConfig);
    await installGitOpsCrds(kubeConfig, {});
    git = await startGitServer();
    storageDir = await mkdtemp(join(tmpdir(), 'weft-ownership-'));
    running = createGitOpsManager({ kubeConfig, storageDir, namespace, logger: createLogger({ level: 'silent' }), handleSignals: false, gracefulShutdownTimeout: '5s' }).start({ signal: stop.signal });
  });

  afterAll(async () => {
    stop.abort();
    await running;
    const left = await client.list(KustomizationKind, { namespace }).catch(() => ({ items: [] as Kustomization[] }));
    await Promise.all(left.items.map((item) => client.patch(KustomizationKind, item.metadata.name, { metadata: { finalizers: null } }, { namespace }).catch(() => undefined)));
    await client.delete(NamespaceKind, `${namespace}-gate`).catch(() => undefined);
    client?.close();
    await git?.stop();
    await rm(storageDir, { recursive: true, force: true });
  });

  const source = async (name: string, files: Record<string, string>) => {
    const repo = await git.createRepo(name, files);
    await client.create({ apiVersion: GitRepositoryKind.apiVersion, kind: 'GitRepository', metadata: { name, namespace }, spec: { url: repo.url, interval: '1s', ref: { branch: 'main' } } } as GitRepository);
    return repo;
  };
  const kustomization = (name: string, spec: Partial<KustomizationSpec> & Pick<KustomizationSpec, 'sourceRef'>) =>
    client.create({ apiVersion: KustomizationKind.apiVersion, kind: 'Kustomization', metadata: { name, namespace }, spec: { interval: '2s', prune: true, ...spec } } as Kustomization);
  const ready = (object: Kustomization) => object.status?.conditions?.find((condition) => condition.type === 'Ready');
  /** The Kustomization once `check` holds (its status quoted when it never does). */
  const until = (name: string, check: (object: Kustomization) => boolean, timeoutMs = 45_000) =>
    eventually(`Kustomization ${name} to match`, async () => {
      const object = await client.get(KustomizationKind, name, { namespace });
      if (!check(object)) throw new Error(`status: ${JSON.stringify(object.status)}`);
      return object;
    }, { timeoutMs });
  /** Every change the apiserver makes to one ConfigMap from now on (whoever writes it). */
  function recordChanges(name: string): { changes: string[]; subscription: Subscription } {
    const changes: string[] = [];
    const subscription = watch(ConfigMapKind, { transport: clusterKubeConfig(), namespace, fieldSelector: `metadata.name=${name}` }).subscribe((event) => {
      if (event.type === 'Apply') changes.push(`modified ${JSON.stringify((event.object as KubeObject)['data'])}`);
      if (event.type === 'Delete') changes.push('deleted');
    });
    return { changes, subscription };
  }

  it('reports an object two Kustomizations declare on both (Ready=False naming the other) and never fights over it', async () => {
    sharedRepo = await source('shared', {
      'a/shared.yaml': configMap('shared', { from: 'a' }),
      'a/only-a.yaml': configMap('only-a', { v: '1' }),
      'b/shared.yaml': configMap('shared', { from: 'b' }),
      'b/only-b.yaml': configMap('only-b', { v: '1' }),
    });
    await kustomization('owner-a', { sourceRef: { kind: 'GitRepository', name: 'shared' }, path: './a', targetNamespace: namespace });
    await until('owner-a', (object) => ready(object)?.status === 'True');

    const shared = recordChanges('shared');
    try {
      await kustomization('owner-b', { sourceRef: { kind: 'GitRepository', name: 'shared' }, path: './b', targetNamespace: namespace });
      await until('owner-b', (object) => ready(object)?.status === 'True' || ready(object)?.status === 'False');
      // Several intervals (2 s) of both: the object is written by neither.
      const before = shared.changes.length;
      await new Promise((resolve) => setTimeout(resolve, 6_000));
      const changes = shared.changes.slice(before);
      console.log(`[ownership] writes to the shared ConfigMap in 6 s while two Kustomizations declare it: ${changes.length}`);
      expect(changes).toEqual([]);
    } finally {
      shared.subscription.unsubscribe();
    }
    const onlyA = await client.get(ConfigMapKind, 'only-a', { namespace });
    expect(onlyA.metadata.labels).toMatchObject({ 'weft.dev/name': 'owner-a', 'weft.dev/namespace': namespace });
    const b = await until('owner-b', (object) => ready(object)?.reason === 'OwnershipConflict');
    expect(ready(b)).toMatchObject({ status: 'False', reason: 'OwnershipConflict' });
    expect(ready(b)?.message).toContain(`ConfigMap/${namespace}/shared is owned by Kustomization ${namespace}/owner-a`);
    const a = await until('owner-a', (object) => ready(object)?.reason === 'OwnershipConflict');
    expect(ready(a)?.message).toContain(`ConfigMap/${namespace}/shared is also declared by Kustomization ${namespace}/owner-b`);
    const live = await client.get(ConfigMapKind, 'shared', { namespace });
    expect(live.data).toEqual({ from: 'a' });
    expect(live.metadata.labels).toMatchObject({ 'weft.dev/name': 'owner-a' });
    // The rest of b's set is applied, and the shared object is not in its inventory.
    expect((await client.get(ConfigMapKind, 'only-b', { namespace })).metadata.labels).toMatchObject({ 'weft.dev/name': 'owner-b' });
    expect(b.status?.inventory?.entries.map((entry) => entry.id)).toEqual([`${namespace}_only-b__ConfigMap`]);
  });

  it('does not prune an object another Kustomization declares: that one takes it over', async () => {
    const shared = recordChanges('shared');
    try {
      // owner-a stops declaring the shared object.
      await sharedRepo.commit({ 'a/shared.yaml': null }, 'a gives the shared object up');
      const next = `main@sha1:${await sharedRepo.git('rev-parse', 'HEAD')}`;
      await until('owner-a', (object) => object.status?.lastAppliedRevision === next);
      // Several intervals: owner-a's prune has run.
      await new Promise((resolve) => setTimeout(resolve, 4_000));
      expect(shared.changes).not.toContain('deleted');
      await until('owner-a', (object) => ready(object)?.status === 'True');
      await until('owner-b', (object) => ready(object)?.status === 'True');
      const live = await client.get(ConfigMapKind, 'shared', { namespace });
      expect(live.data).toEqual({ from: 'b' });
      expect(live.metadata.labels).toMatchObject({ 'weft.dev/name': 'owner-b', 'weft.dev/namespace': namespace });
      expect(shared.changes).not.toContain('deleted');
    } finally {
      shared.subscription.unsubscribe();
    }
  });

  it('honours Flux’s ownership labels: an object Flux applied for a Kustomization of the same name is adopted and pruned', async () => {
    await client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'from-flux', namespace, labels: { 'kustomize.toolkit.fluxcd.io/name': 'migrated', 'kustomize.toolkit.fluxcd.io/namespace': namespace } }, data: { v: 'flux' } } as KubeObject);
    const repo = await source('migrated', { 'from-flux.yaml': configMap('from-flux', { v: 'weft' }), 'other.yaml': configMap('migrated-other', { v: '1' }) });
    await kustomization('migrated', { sourceRef: { kind: 'GitRepository', name: 'migrated' }, targetNamespace: namespace });
    await until('migrated', (object) => ready(object)?.status === 'True');
    expect((await client.get(ConfigMapKind, 'from-flux', { namespace })).data).toEqual({ v: 'weft' });
    await repo.commit({ 'from-flux.yaml': null }, 'drop it');
    const next = `main@sha1:${await repo.git('rev-parse', 'HEAD')}`;
    await until('migrated', (object) => object.status?.lastAppliedRevision === next);
    await expect(client.get(ConfigMapKind, 'from-flux', { namespace })).rejects.toThrow(/not found/i);
  });

  it('undoes the Namespace it created when an object in it fails its dry run (all or nothing, stated)', async () => {
    const gate = `${namespace}-gate`;
    await source('gate', {
      'namespace.yaml': `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${gate}\n`,
      'bad.yaml': configMap('Not_Valid', { v: '1' }, gate),
    });
    await kustomization('gate', { sourceRef: { kind: 'GitRepository', name: 'gate' } });
    const failed = await until('gate', (object) => ready(object)?.reason === 'ReconciliationFailed');
    expect(ready(failed)?.message).toMatch(new RegExp(`ConfigMap/${gate}/Not_Valid \\(from bad\\.yaml\\) dry-run failed: .*; Namespace/${gate}, created so the objects that need it could be dry-run, was deleted again`));
    expect(failed.status?.inventory).toBeUndefined();
    // Deleted: gone, or terminating while the namespace controller empties it.
    const left = await client.get(NamespaceKind, gate).catch(() => undefined);
    expect(left === undefined || left.metadata.deletionTimestamp !== undefined).toBe(true);
  });
});
