import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { runWeft } from '@weft/cli';
import { type ImagePolicy, ImagePolicyKind, type ImageRepository, ImageRepositoryKind } from '@weft/image-automation';
import { type Canary, CanaryKind } from '@weft/progressive';
import { DeploymentKind, KubeClient, createLogger } from '@weft/reconcile-core';
import { eventually } from '@weft/testkit';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { parseCliOptions } from '../../examples/gitops-operator/src/cli-options';
import { type RunningOperator, startOperator } from '../../examples/gitops-operator/src/operator';
import { haveRegistryBinary, startRegistry, type RegistryServer } from '../../packages/image-automation/src/__tests__/support/registry-server';
import { clusterKubeConfig, describeCluster, testNamespace } from '../support/cluster';

/**
 * `weft install --components-extra image-automation,progressive` on the real kube-apiserver, then
 * the operator run as the ServiceAccount it installed (impersonated, so the apiserver's RBAC
 * judges every request): with only the RBAC of deploy/ and its components, it reconciles an
 * ImagePolicy against Debian's docker-registry and takes a Canary through its initialisation (the
 * kwok nodes make the primary ready), and `weft uninstall --dry-run` lists what the components added.
 */
describeCluster('weft install --components-extra on the real control plane', () => {
  let ns: string;
  let client: KubeClient;
  let scratch: string;
  let env: Record<string, string>;
  let registry: RegistryServer;
  let operator: RunningOperator | undefined;
  const shutdown = new AbortController();
  const installed = `weft-extras-${Math.random().toString(16).slice(2, 8)}`;
  const componentRoles = ['weft-gitops-operator-image-automation', 'weft-gitops-operator-progressive'];

  async function weft(...args: string[]) {
    let stdout = '';
    let stderr = '';
    const code = await runWeft(args, { stdout: { write: (text: string) => (stdout += text) }, stderr: { write: (text: string) => (stderr += text) }, env, cwd: scratch });
    return { code, stdout, stderr };
  }

  beforeAll(async () => {
    if (!haveRegistryBinary()) throw new Error("Debian's docker-registry is missing: run tools/registry/install.sh");
    ns = await testNamespace('extras');
    client = new KubeClient(clusterKubeConfig());
    scratch = await mkdtemp(join(tmpdir(), 'weft-cli-extras-'));
    await writeFile(join(scratch, 'kubeconfig'), inject('weftKubeconfig')!);
    env = { KUBECONFIG: join(scratch, 'kubeconfig'), HOME: scratch };
    registry = await startRegistry();
    for (const tag of ['1.0.0', '1.3.0', '2.0.0']) await registry.pushImage('team/web', tag, { seed: tag });
  });

  afterAll(async () => {
    shutdown.abort();
    await operator?.done;
    // What `weft install -n …` put outside the test namespace, if the test did not get to uninstall it (the CRDs stay: other suites use them).
    for (const kind of ['ClusterRole', 'ClusterRoleBinding']) {
      for (const name of ['weft-gitops-operator', 'weft-gitops-operator-apply', ...componentRoles]) await client.delete({ apiVersion: 'rbac.authorization.k8s.io/v1', kind }, name).catch(() => undefined);
    }
    await client.delete({ apiVersion: 'v1', kind: 'Namespace' }, installed).catch(() => undefined);
    client?.close();
    await registry?.stop();
    await rm(scratch, { recursive: true, force: true });
  });

  it('installs the components; the operator, as its ServiceAccount, reconciles an ImagePolicy and a Canary with only that RBAC', async () => {
    const install = await weft('install', '-n', installed, '--components-extra', 'image-automation,progressive', '--no-wait');
    expect(install.code, install.stderr).toBe(0);
    for (const line of ['CustomResourceDefinition/imagepolicies.image.weft.dev', 'CustomResourceDefinition/canaries.progressive.weft.dev', ...componentRoles.map((name) => `ClusterRoleBinding/${name}`)]) {
      expect(install.stderr).toMatch(new RegExp(`✔ ${line} (created|configured|unchanged)`));
    }
    const deployment = await client.get(DeploymentKind, 'weft-gitops-operator', { namespace: installed });
    const args = (deployment as { spec?: { template: { spec: { containers: { args: string[] }[] } } } }).spec!.template.spec.containers[0]!.args;
    const options = parseCliOptions([...args, '--no-install-crds', '--canary-min-interval', '1s', '--namespace', ns], { POD_NAMESPACE: installed });
    expect(options.controllers).toEqual(['source', 'kustomize', 'image', 'progressive']);

    // The Deployment's own arguments (but the storage and ports, of this machine), run as its ServiceAccount.
    const asServiceAccount = clusterKubeConfig();
    const exported = JSON.parse(asServiceAccount.exportConfig()) as { users: { name: string; user: Record<string, unknown> }[] };
    const impersonated = new KubeConfig();
    impersonated.loadFromString(JSON.stringify({ ...exported, users: exported.users.map((entry) => ({ ...entry, user: { ...entry.user, as: `system:serviceaccount:${installed}:weft-gitops-operator` } })) }));
    // The apiserver sees the ServiceAccount: what its RBAC does not grant is refused.
    const probe = new KubeClient(impersonated);
    await expect(probe.list({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole' })).rejects.toThrow(/forbidden/i);
    await expect(probe.delete(ImagePolicyKind, 'web', { namespace: ns })).rejects.toThrow(/forbidden/i);
    probe.close();
    operator = await startOperator({ ...options, storageDir: join(scratch, 'storage'), metricsPort: 0, healthPort: 0 }, { kubeConfig: impersonated, logger: createLogger({ level: 'silent' }), signal: shutdown.signal });

    await client.create({ apiVersion: ImageRepositoryKind.apiVersion, kind: 'ImageRepository', metadata: { name: 'web', namespace: ns }, spec: { image: `${registry.host}/team/web`, interval: '1h', insecure: true } } as ImageRepository);
    await client.create({ apiVersion: ImagePolicyKind.apiVersion, kind: 'ImagePolicy', metadata: { name: 'web', namespace: ns }, spec: { imageRepositoryRef: { name: 'web' }, policy: { semver: { range: '^1.0.0' } } } } as ImagePolicy);
    const labels = { app: 'web' };
    await client.create(
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: ns }, spec: { replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'web', image: `${registry.host}/team/web:1.3.0` }] } } } } as never,
      { kind: DeploymentKind },
    );
    await client.create({ apiVersion: CanaryKind.apiVersion, kind: 'Canary', metadata: { name: 'web', namespace: ns }, spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, service: { port: 80 }, analysis: { interval: '1s', threshold: 2 } } } as Canary);

    const policy = await eventually('the ImagePolicy to choose a tag', async () => {
      const current = await client.get(ImagePolicyKind, 'web', { namespace: ns });
      return current.status?.latestRef?.tag !== undefined && current;
    }, { timeoutMs: 60_000, intervalMs: 250 });
    expect(policy.status?.latestRef?.tag).toBe('1.3.0');
    // Initialised: primary Deployment generated and ready (kwok), Services applied, the target scaled to zero.
    const canary = await eventually('the Canary to be initialised', async () => {
      const current = await client.get(CanaryKind, 'web', { namespace: ns });
      return current.status?.phase === 'Initialized' && current;
    }, { timeoutMs: 90_000, intervalMs: 250 });
    expect(canary.status?.phase).toBe('Initialized');
    for (const name of ['web', 'web-primary', 'web-canary']) await client.get({ apiVersion: 'v1', kind: 'Service' }, name, { namespace: ns });

    // A dry run only: the CRDs are shared with the other suites of the run.
    const uninstall = await weft('uninstall', '--dry-run', '-n', installed);
    expect(uninstall.code, uninstall.stderr).toBe(0);
    for (const name of componentRoles) expect(uninstall.stderr).toContain(`✔ ClusterRole/${name} deleted (dry run)`);
    expect(uninstall.stderr).toContain('✔ CustomResourceDefinition/imagepolicies.image.weft.dev deleted (dry run)');
    expect(uninstall.stderr).toContain('✔ CustomResourceDefinition/canaries.progressive.weft.dev deleted (dry run)');
  });
});
