import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigMapKind, KubeClient, NamespaceKind, createLogger, resourceKind, shardLabel, type KubeObject, type ReconcileOutcome } from '@weft/reconcile-core';
import { GitRepositoryKind, type GitRepository } from '@weft/git-source';
import { type GitServer, type InMemoryApiServer, startApiServer, startGitServer } from '@weft/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCliOptions } from '../cli-options.js';
import { type Kustomization, KustomizationKind, createGitOpsManager, installGitOpsCrds } from '../index.js';

const LeaseKind = resourceKind<KubeObject & { spec?: { holderIdentity?: string; leaseDurationSeconds?: number } }>({
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  plural: 'leases',
  namespaced: true,
});

/**
 * Three operators started from the command line's sharding flags, as three Deployments would be:
 * two shards and the main instance. Each serves only its own GitRepository and Kustomization and
 * holds a Lease of its own.
 */
describe('the GitOps operator sharded by its flags', () => {
  let api: InMemoryApiServer;
  let git: GitServer;
  let client: KubeClient;
  let storageDir: string;
  const stop = new AbortController();
  const running: Promise<void>[] = [];
  const namespace = 'apps';
  const instances = {
    'shard-a': ['--shard-key', 'shard-a'],
    'shard-b': ['--shard-key', 'shard-b'],
    main: ['--shard-main'],
  } as const;
  const outcomes = new Map<string, ReconcileOutcome[]>(Object.keys(instances).map((name) => [name, []]));
  const leaseNames = new Map<string, string>();

  beforeAll(async () => {
    api = await startApiServer();
    git = await startGitServer();
    client = new KubeClient(api.kubeConfig);
    storageDir = await mkdtemp(join(tmpdir(), 'weft-gitops-shards-'));
    await installGitOpsCrds(api.kubeConfig, {});
    for (const name of [namespace, 'operators']) await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, { kind: NamespaceKind });
    for (const [name, flags] of Object.entries(instances)) {
      const options = parseCliOptions([...flags, '--leader-election-retry-period', '200ms', '--leader-election-renew-deadline', '2s', '--leader-election-lease-duration', '3s'], { POD_NAMESPACE: 'operators' });
      leaseNames.set(name, options.leaderElection!.name);
      const manager = createGitOpsManager({
        kubeConfig: api.kubeConfig,
        storageDir: join(storageDir, name),
        logger: createLogger({ level: 'silent' }),
        handleSignals: false,
        gracefulShutdownTimeout: '2s',
        leaderElection: options.leaderElection!,
        shard: options.shard!,
        onOutcome: (outcome) => outcomes.get(name)!.push(outcome),
      });
      running.push(manager.start({ signal: stop.signal }));
    }
  });

  afterAll(async () => {
    stop.abort();
    await Promise.all(running);
    client?.close();
    await git?.stop();
    await api?.[Symbol.asyncDispose]();
    await rm(storageDir, { recursive: true, force: true });
  });

  async function untilReady(name: string, timeoutMs = 20_000): Promise<Kustomization> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const object = await client.get(KustomizationKind, name, { namespace });
      if (object.status?.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True')) return object;
      if (Date.now() > deadline) throw new Error(`Kustomization ${name} never became Ready; status: ${JSON.stringify(object.status)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it('reconciles each labelled GitRepository and Kustomization in its own shard only, and the unlabelled ones in the main instance', async () => {
    const repo = await git.createRepo('fleet', {
      'shard-a/app.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-shard-a\ndata:\n  shard: a\n',
      'shard-b/app.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-shard-b\ndata:\n  shard: b\n',
      'main/app.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-main\ndata:\n  shard: none\n',
    });
    for (const name of Object.keys(instances)) {
      // A shard's GitRepository carries the shard label too: the shard's operator serves only labelled objects.
      const labels = name === 'main' ? {} : { labels: { [shardLabel]: name } };
      await client.create({ apiVersion: GitRepositoryKind.apiVersion, kind: 'GitRepository', metadata: { name, namespace, ...labels }, spec: { url: repo.url, interval: '1h', ref: { branch: 'main' } } } as GitRepository);
      await client.create({
        apiVersion: KustomizationKind.apiVersion,
        kind: 'Kustomization',
        metadata: { name, namespace, ...labels },
        spec: { sourceRef: { kind: 'GitRepository', name }, path: `./${name}`, interval: '1h', prune: true, targetNamespace: namespace },
      } as Kustomization);
    }
    for (const name of Object.keys(instances)) await untilReady(name);
    expect((await client.get(ConfigMapKind, 'from-shard-a', { namespace })).data).toEqual({ shard: 'a' });
    expect((await client.get(ConfigMapKind, 'from-main', { namespace })).data).toEqual({ shard: 'none' });

    for (const name of Object.keys(instances)) {
      const keys = new Set(outcomes.get(name)!.map((outcome) => outcome.key));
      expect(keys, `${name} reconciled ${[...keys].join(', ')}`).toEqual(new Set([`${namespace}/${name}`]));
    }
  });

  it('holds one Lease per shard, each with the timings from the flags', async () => {
    const names = [...leaseNames.values()];
    expect(new Set(names).size).toBe(3);
    for (const name of names) {
      const lease = await client.get(LeaseKind, name, { namespace: 'operators' });
      expect(lease.spec?.holderIdentity, `Lease ${name}`).toBeTruthy();
      expect(lease.spec?.leaseDurationSeconds).toBe(3);
    }
  });
});
