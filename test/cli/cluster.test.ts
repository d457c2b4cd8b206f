import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runWeft } from '@weft/cli';
import { type Kustomization, KustomizationKind, createGitOpsManager, installGitOpsCrds, readyCondition } from '@weft/delivery';
import { type GitRepository, GitRepositoryKind } from '@weft/git-source';
import { ConfigMapKind, DeploymentKind, KubeClient, createLogger } from '@weft/reconcile-core';
import { eventually } from '@weft/testkit';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { clusterKubeConfig, describeCluster, testNamespace } from '../support/cluster';
import { type GitServer, type TestRepo, startGitServer } from '../support/git-server';

const configMap = (name: string, data: Record<string, string>) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n${Object.entries(data)
    .map(([key, value]) => `  ${key}: ${JSON.stringify(value)}`)
    .join('\n')}\n`;

/** `weft reconcile`, `weft diff` and `weft install` on the real kube-apiserver, with the GitOps operator running. */
describeCluster('weft on the real control plane with the operator running', () => {
  let ns: string;
  let client: KubeClient;
  let git: GitServer;
  let repo: TestRepo;
  let scratch: string;
  let env: Record<string, string>;
  const stop = new AbortController();
  let running: Promise<void>;
  const installed = `${'weft-cli'}-${Math.random().toString(16).slice(2, 8)}`;

  async function weft(...args: string[]) {
    let stdout = '';
    let stderr = '';
    const code = await runWeft(args, { stdout: { write: (text: string) => (stdout += text) }, stderr: { write: (text: string) => (stderr += text) }, env, cwd: scratch });
    return { code, stdout, stderr };
  }

  beforeAll(async () => {
    ns = await testNamespace('cli');
    const kubeConfig = clusterKubeConfig();
    client = new KubeClient(kubeConfig);
    await installGitOpsCrds(kubeConfig, {});
    scratch = await mkdtemp(join(tmpdir(), 'weft-cli-cluster-'));
    await writeFile(join(scratch, 'kubeconfig'), inject('weftKubeconfig')!);
    env = { KUBECONFIG: join(scratch, 'kubeconfig'), HOME: scratch };
    git = await startGitServer();
    running = createGitOpsManager({ kubeConfig, storageDir: join(scratch, 'storage'), namespace: ns, logger: createLogger({ level: 'silent' }), handleSignals: false, gracefulShutdownTimeout: '5s' }).start({ signal: stop.signal });
    repo = await git.createRepo('shop', { 'app/settings.yaml': configMap('settings', { mode: 'fast' }), 'app/extra.yaml': configMap('extra', { a: '1' }) });
    await client.create({ apiVersion: GitRepositoryKind.apiVersion, kind: 'GitRepository', metadata: { name: 'shop', namespace: ns }, spec: { url: repo.url, interval: '1h', ref: { branch: 'main' } } } as GitRepository);
    await client.create({ apiVersion: KustomizationKind.apiVersion, kind: 'Kustomization', metadata: { name: 'app', namespace: ns }, spec: { sourceRef: { kind: 'GitRepository', name: 'shop' }, path: './app', targetNamespace: ns, interval: '1h', prune: true } } as Kustomization);
    await eventually('Kustomization app Ready', async () => readyCondition(await client.get(KustomizationKind, 'app', { namespace: ns }))?.status === 'True', { timeoutMs: 60_000 });
  });

  afterAll(async () => {
    stop.abort();
    await running;
    const left = await client.list(KustomizationKind, { namespace: ns }).catch(() => ({ items: [] as Kustomization[] }));
    await Promise.all(left.items.map((item) => client.patch(KustomizationKind, item.metadata.name, { metadata: { finalizers: null } }, { namespace: ns }).catch(() => undefined)));
    // What `weft install -n …` put outside the test namespace (the CRDs stay: other suites use them).
    for (const kind of ['ClusterRole', 'ClusterRoleBinding']) {
      for (const name of ['weft-gitops-operator', 'weft-gitops-operator-apply']) await client.delete({ apiVersion: 'rbac.authorization.k8s.io/v1', kind }, name).catch(() => undefined);
    }
    await client.delete({ apiVersion: 'v1', kind: 'Namespace' }, installed).catch(() => undefined);
    client?.close();
    await git?.stop();
    await rm(scratch, { recursive: true, force: true });
  });

  it('reconcile --with-source: the new commit is fetched and applied, and the command says so', async () => {
    const head = await repo.commit({ 'app/settings.yaml': configMap('settings', { mode: 'slow' }) }, 'slow');
    const result = await weft('reconcile', 'kustomization', 'app', '-n', ns, '--with-source', '--timeout', '90s');
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toContain(`✔ fetched revision main@sha1:${head}`);
    expect(lines.at(-1)).toBe(`✔ applied revision main@sha1:${head}`);
    expect((await client.get(ConfigMapKind, 'settings', { namespace: ns })).data).toEqual({ mode: 'slow' });
    const status = (await weft('get', 'ks', 'app', '-n', ns)).stdout.split('\n')[1]!.split(/\s{3,}/);
    expect(status.slice(0, 4)).toEqual(['app', `main@sha1:${head}`, 'False', 'True']);
  });

  it('diff: server-side dry run of local files against the live objects; exit 1 with changes, Secret values masked, nothing written; 0 without', async () => {
    const local = join(scratch, 'checkout', 'app');
    await mkdir(local, { recursive: true });
    await writeFile(join(local, 'settings.yaml'), configMap('settings', { mode: 'slow' }));
    await writeFile(join(local, 'extra.yaml'), configMap('extra', { a: '1' }));
    expect(await weft('diff', 'kustomization', 'app', '-n', ns, '--path', local)).toMatchObject({ code: 0, stdout: '' });

    await writeFile(join(local, 'settings.yaml'), configMap('settings', { mode: 'fast', replicas: '3' }));
    await writeFile(join(local, 'token.yaml'), 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: token\nstringData:\n  token: hunter2\n');
    await rm(join(local, 'extra.yaml'));
    const changed = await weft('diff', 'kustomization', 'app', '-n', ns, '--path', local);
    expect(changed.code, changed.stderr).toBe(1);
    expect(changed.stdout).toContain(`► ConfigMap/${ns}/settings drifted`);
    expect(changed.stdout).toMatch(/\n-  mode: slow\n\+  mode: fast\n\+  replicas: "3"\n/);
    expect(changed.stdout).toContain(`► Secret/${ns}/token created`);
    expect(changed.stdout).toContain(`► ConfigMap/${ns}/extra deleted`);
    expect(changed.stdout).not.toContain('hunter2');
    expect((await client.get(ConfigMapKind, 'settings', { namespace: ns })).data).toEqual({ mode: 'slow' });

    // A Secret that exists: its values are masked on both sides of the diff.
    await client.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'token', namespace: ns }, stringData: { token: 'swordfish' } });
    const secret = await weft('diff', 'kustomization', 'app', '-n', ns, '--path', local);
    expect(secret.stdout).toContain(`► Secret/${ns}/token drifted`);
    expect(secret.stdout).not.toMatch(/hunter2|swordfish|aHVudGVyMg|c3dvcmRmaXNo/);
  });

  it('install: the CRDs and the operator server-side applied in another namespace, waited on until available (kwok nodes); a second install changes nothing; --dry-run and uninstall --dry-run write nothing', async () => {
    const plan = await weft('install', '--dry-run', '-n', installed);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain(`► Deployment/${installed}/weft-gitops-operator created (dry run)`);
    await expect(client.get(DeploymentKind, 'weft-gitops-operator', { namespace: installed })).rejects.toThrow(/not found/i);

    const install = await weft('install', '-n', installed, '--timeout', '120s');
    expect(install.code, install.stderr).toBe(0);
    expect(install.stderr).toContain(`✔ Namespace/${installed} created`);
    expect(install.stderr).toContain(`✔ Deployment/${installed}/weft-gitops-operator created`);
    expect(install.stderr.trimEnd().split('\n').at(-1)).toBe('✔ install finished: the operator is available');
    const deployment = await client.get(DeploymentKind, 'weft-gitops-operator', { namespace: installed });
    expect(deployment.status?.availableReplicas).toBe(2);
    expect(deployment.metadata.managedFields?.some((entry) => entry.manager === 'weft' && entry.operation === 'Apply')).toBe(true);
    const binding = await client.get({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding' }, 'weft-gitops-operator');
    expect(binding['subjects']).toEqual([{ kind: 'ServiceAccount', name: 'weft-gitops-operator', namespace: installed }]);

    const again = await weft('install', '-n', installed, '--no-wait');
    expect(again.stderr).toContain(`✔ Deployment/${installed}/weft-gitops-operator unchanged`);

    const uninstall = await weft('uninstall', '--dry-run', '-n', installed);
    expect(uninstall.code).toBe(0);
    expect(uninstall.stderr).toContain(`✔ Deployment/${installed}/weft-gitops-operator deleted (dry run)`);
    expect(uninstall.stderr).toContain('✔ CustomResourceDefinition/kustomizations.kustomize.weft.dev deleted (dry run)');
    await client.get(DeploymentKind, 'weft-gitops-operator', { namespace: installed });
    await client.get({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition' }, 'kustomizations.kustomize.weft.dev');
  });
});
