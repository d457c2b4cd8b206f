/**
 * End to end on the real control plane: a tag pushed to the registry becomes a commit in git,
 * the GitRepository picks it up and the GitOps operator (@weft/delivery's createGitOpsManager) rolls the Deployment out on kwok nodes —
 * the image controllers running in the operator's own Manager.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Kustomization, KustomizationKind, createGitOpsManager, installGitOpsCrds } from '@weft/delivery';
import { type GitRepository, GitRepositoryKind } from '@weft/git-source';
import {
  type ImagePolicy,
  ImagePolicyKind,
  type ImageRepository,
  ImageRepositoryKind,
  type ImageUpdateAutomation,
  ImageUpdateAutomationKind,
  TagStore,
  imageAutomationControllers,
} from '@weft/image-automation';
import { DeploymentKind, KubeClient, createLogger, installCRDs } from '@weft/reconcile-core';
import { eventually } from '@weft/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveRegistryBinary, startRegistry, type RegistryServer } from '../../packages/image-automation/src/__tests__/support/registry-server';
import { clusterKubeConfig, hasCluster, testNamespace } from '../support/cluster';
import { startGitServer, type GitServer } from '../support/git-server';

describe.skipIf(!hasCluster || !haveRegistryBinary())('a new image, from the registry to a rolled-out Deployment', () => {
  let namespace: string;
  let client: KubeClient;
  let registry: RegistryServer;
  let git: GitServer;
  let work: string;
  const stop = new AbortController();
  let running: Promise<void>;

  beforeAll(async () => {
    namespace = await testNamespace('image-e2e');
    const kubeConfig = clusterKubeConfig();
    client = new KubeClient(kubeConfig);
    await installGitOpsCrds(kubeConfig, {});
    await installCRDs(client, [ImageRepositoryKind, ImagePolicyKind, ImageUpdateAutomationKind]);
    registry = await startRegistry();
    git = await startGitServer();
    work = await mkdtemp(join(tmpdir(), 'weft-image-e2e-'));
    const manager = createGitOpsManager({ kubeConfig, storageDir: work, namespace, logger: createLogger({ level: 'silent' }), handleSignals: false, gracefulShutdownTimeout: '5s' });
    for (const controller of imageAutomationControllers({ namespace, tagStore: new TagStore(join(work, 'tags')), retry: { baseDelayMs: 200, maxDelayMs: 2000 } })) manager.add(controller);
    running = manager.start({ signal: stop.signal });
  }, 120_000);

  afterAll(async () => {
    stop.abort();
    await running?.catch(() => undefined);
    const left = await client.list(KustomizationKind, { namespace }).catch(() => ({ items: [] as Kustomization[] }));
    await Promise.all(left.items.map((item) => client.patch(KustomizationKind, item.metadata.name, { metadata: { finalizers: null } }, { namespace }).catch(() => undefined)));
    client?.close();
    await registry?.stop();
    await git?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('pushes 1.1.0, commits it, and rolls the Deployment out', async () => {
    const image = `${registry.host}/demo/web`;
    await registry.pushImage('demo/web', '1.0.0');
    const deployment = (tag: string) =>
      [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata:',
        '  name: web',
        'spec:',
        '  replicas: 2',
        '  selector:',
        '    matchLabels: { app: web }',
        '  template:',
        '    metadata:',
        '      labels: { app: web }',
        '    spec:',
        '      containers:',
        '        - name: web',
        `          image: ${image}:${tag} # {"$imagepolicy": "${namespace}:web"}`,
        '',
      ].join('\n');
    const repo = await git.createRepo('app', { 'deploy/web.yaml': deployment('1.0.0') });
    await client.create({ apiVersion: GitRepositoryKind.apiVersion, kind: 'GitRepository', metadata: { name: 'app', namespace }, spec: { url: repo.url, interval: '1s', ref: { branch: 'main' } } } as GitRepository);
    await client.create({
      apiVersion: KustomizationKind.apiVersion,
      kind: 'Kustomization',
      metadata: { name: 'app', namespace },
      spec: { sourceRef: { kind: 'GitRepository', name: 'app' }, path: './deploy', interval: '1m', prune: true, wait: true, timeout: '60s', targetNamespace: namespace },
    } as Kustomization);
    await client.create({ apiVersion: ImageRepositoryKind.apiVersion, kind: 'ImageRepository', metadata: { name: 'web', namespace }, spec: { image, interval: '2s', insecure: true } } as ImageRepository);
    await client.create({ apiVersion: ImagePolicyKind.apiVersion, kind: 'ImagePolicy', metadata: { name: 'web', namespace }, spec: { imageRepositoryRef: { name: 'web' }, policy: { semver: { range: '^1.0.0' } } } } as ImagePolicy);
    await client.create({
      apiVersion: ImageUpdateAutomationKind.apiVersion,
      kind: 'ImageUpdateAutomation',
      metadata: { name: 'app', namespace },
      spec: { sourceRef: { kind: 'GitRepository', name: 'app' }, interval: '1m', git: { commit: { author: { name: 'Weft', email: 'weft@example.com' } } }, update: { path: './deploy', strategy: 'Setters' } },
    } as ImageUpdateAutomation);

    const rolledOut = (tag: string) =>
      eventually(
        `Deployment web to run ${tag} on 2 available replicas`,
        async () => {
          const current = await client.get(DeploymentKind, 'web', { namespace });
          const status = current.status;
          return (
            current.spec?.template.spec?.containers[0]?.image === `${image}:${tag}` &&
            status?.observedGeneration === current.metadata.generation &&
            status?.updatedReplicas === 2 &&
            status.availableReplicas === 2 &&
            status.replicas === 2 &&
            current
          );
        },
        { timeoutMs: 90_000, intervalMs: 250 },
      );
    await rolledOut('1.0.0');

    // The release: one push to the registry, nothing else.
    await registry.pushImage('demo/web', '1.1.0');
    await rolledOut('1.1.0');
    const head = await repo.git('ls-remote', 'origin', 'refs/heads/main');
    const commit = head.split(/\s/)[0]!;
    const automation = await client.get(ImageUpdateAutomationKind, 'app', { namespace });
    expect(automation.status?.lastPushCommit).toBe(commit);
    const source = await client.get(GitRepositoryKind, 'app', { namespace });
    expect(source.status?.artifact?.revision).toBe(`main@sha1:${commit}`);
    // The Kustomization records the revision once its health check has seen the rollout.
    await eventually(
      `Kustomization app to be Ready at ${commit}`,
      async () => {
        const kustomization = await client.get(KustomizationKind, 'app', { namespace });
        return kustomization.status?.lastAppliedRevision === `main@sha1:${commit}` && kustomization.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
  });
});
