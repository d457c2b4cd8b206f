import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigMapKind, KubeClient, NamespaceKind, resourceKind, shardLabel, type KubeObject } from '@weft/reconcile-core';
import { eventually, type GitServer, type InMemoryApiServer, startApiServer, startGitServer } from '@weft/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shardLeaseName } from '../cli-options.js';

type Reported = KubeObject & { status?: { conditions?: { type: string; status: string }[] } };
const GitRepositoryKind = resourceKind<Reported>({ apiVersion: 'source.weft.dev/v1', kind: 'GitRepository', plural: 'gitrepositories', namespaced: true });
const KustomizationKind = resourceKind<Reported>({ apiVersion: 'kustomize.weft.dev/v1', kind: 'Kustomization', plural: 'kustomizations', namespaced: true });
const LeaseKind = resourceKind<KubeObject & { spec?: { holderIdentity?: string; leaseDurationSeconds?: number } }>({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', plural: 'leases', namespaced: true });

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const main = fileURLToPath(new URL('../main.ts', import.meta.url));

/**
 * The operator's own command line, three times, as three Deployments would run it: `--shard-key
 * shard-a`, `--shard-key shard-b` and `--shard-main`, each electing a leader on a Lease of its own
 * with the timings from its flags. Each serves only its own GitRepository and Kustomization.
 */
describe('the GitOps operator sharded by its flags', () => {
  let api: InMemoryApiServer;
  let git: GitServer;
  let client: KubeClient;
  let storageDir: string;
  const namespace = 'apps';
  const operators = new Map<string, { process: ChildProcess; stderr: string[] }>();
  const instances: Record<string, string[]> = { 'shard-a': ['--shard-key', 'shard-a'], 'shard-b': ['--shard-key', 'shard-b'], main: ['--shard-main'] };

  /** The first operator installs the CRDs; the others pass --no-install-crds, as deploy/ does. */
  function startOperator(name: string): void {
    const args = [main, '--kubeconfig', api.kubeconfigPath, '--storage-dir', join(storageDir, name), '--log-level', 'warn', ...instances[name]!];
    if (operators.size > 0) args.push('--no-install-crds');
    args.push('--leader-election-lease-duration', '3s', '--leader-election-renew-deadline', '2s', '--leader-election-retry-period', '200ms');
    const child = spawn(join(root, 'node_modules', '.bin', 'tsx'), args, { cwd: root, env: { ...process.env, POD_NAMESPACE: 'operators' }, stdio: ['ignore', 'ignore', 'pipe'] });
    const stderr: string[] = [];
    child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
    operators.set(name, { process: child, stderr });
  }

  beforeAll(async () => {
    api = await startApiServer();
    git = await startGitServer();
    client = new KubeClient(api.kubeConfig);
    storageDir = await mkdtemp(join(tmpdir(), 'weft-gitops-shards-'));
    for (const name of [namespace, 'operators']) await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, { kind: NamespaceKind });
    startOperator('shard-a');
  });

  afterAll(async () => {
    await Promise.all(
      [...operators.values()].map(
        ({ process: child }) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
          }),
      ),
    );
    client?.close();
    await git?.stop();
    await api?.[Symbol.asyncDispose]();
    await rm(storageDir, { recursive: true, force: true });
  });

  const isReady = (object: Reported) => object.status?.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True') ?? false;
  /** testkit's `eventually`, quoting each operator's exit code and last stderr when the wait fails. */
  const until = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000) =>
    eventually(what, probe, { timeoutMs }).catch((error: Error) => {
      const logs = [...operators].map(([name, { process: child, stderr }]) => `${name} (exit ${child.exitCode}): ${stderr.join('').slice(-800)}`).join('\n');
      throw new Error(`${error.message}\n${logs}`, { cause: error });
    });

  it('reconciles each labelled GitRepository and Kustomization only in its own shard, the unlabelled ones in the main instance', async () => {
    const repo = await git.createRepo('fleet', Object.fromEntries(Object.keys(instances).map((name) => [`${name}/app.yaml`, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-${name}\ndata:\n  shard: ${name}\n`])));
    // shard-a's operator installs the CRDs as it starts; the objects can be created once they are served.
    for (const name of Object.keys(instances)) {
      // A shard's GitRepository carries the shard label too: a shard's operator serves only labelled objects.
      const labels = name === 'main' ? {} : { labels: { [shardLabel]: name } };
      await until(`GitRepository ${name} created`, () => client.create({ apiVersion: GitRepositoryKind.apiVersion, kind: 'GitRepository', metadata: { name, namespace, ...labels }, spec: { url: repo.url, interval: '1h', ref: { branch: 'main' } } } as Reported));
      await client.create({
        apiVersion: KustomizationKind.apiVersion,
        kind: 'Kustomization',
        metadata: { name, namespace, ...labels },
        spec: { sourceRef: { kind: 'GitRepository', name }, path: `./${name}`, interval: '1h', prune: true, targetNamespace: namespace },
      } as Reported);
    }
    startOperator('main');
    for (const name of ['shard-a', 'main']) await until(`Kustomization ${name} Ready`, async () => ((await client.get(KustomizationKind, name, { namespace }).then(isReady)) ? true : undefined));
    expect((await client.get(ConfigMapKind, 'from-shard-a', { namespace })).data).toEqual({ shard: 'shard-a' });
    expect((await client.get(ConfigMapKind, 'from-main', { namespace })).data).toEqual({ shard: 'main' });
    // Nobody serves shard-b yet: neither shard-a's operator nor the main instance touched its objects.
    expect((await client.get(KustomizationKind, 'shard-b', { namespace })).status).toBeUndefined();
    expect((await client.get(GitRepositoryKind, 'shard-b', { namespace })).status).toBeUndefined();
    await expect(client.get(ConfigMapKind, 'from-shard-b', { namespace })).rejects.toThrow();

    startOperator('shard-b');
    await until('Kustomization shard-b Ready', async () => ((await client.get(KustomizationKind, 'shard-b', { namespace }).then(isReady)) ? true : undefined));
    expect((await client.get(ConfigMapKind, 'from-shard-b', { namespace })).data).toEqual({ shard: 'shard-b' });
  }, 120_000);

  it('holds one Lease per shard, named as Flux names its own, with the lease duration from the flags', async () => {
    const names = ['sharding.fluxcd.io/key in (shard-a)', 'sharding.fluxcd.io/key in (shard-b)', '!sharding.fluxcd.io/key'].map((selector) => shardLeaseName('weft-gitops-operator', selector));
    expect(new Set(names).size).toBe(3);
    for (const name of names) {
      const lease = await until(`Lease ${name} held`, async () => {
        const found = await client.get(LeaseKind, name, { namespace: 'operators' });
        return found.spec?.holderIdentity ? found : undefined;
      });
      expect(lease.spec?.leaseDurationSeconds).toBe(3);
    }
  }, 60_000);
});
