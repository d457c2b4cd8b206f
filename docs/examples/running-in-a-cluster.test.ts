// Runs the operator sample of docs/running-in-a-cluster.md (gitOpsOperatorWithExtras, in
// running-in-a-cluster.ts) on the in-memory API server: its image and canary controllers reconcile.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeClient, NamespaceKind, installCRDs } from '@weft/reconcile-core';
import { type ImagePolicy, ImagePolicyKind } from '@weft/image-automation';
import { type Canary, CanaryKind } from '@weft/progressive';
import { eventually, startApiServer } from '@weft/testkit';
import { expect, it } from 'vitest';
import { gitOpsOperatorWithExtras, gitOpsWithExtrasCrds } from './running-in-a-cluster.js';

it('runs the GitOps operator with image automation and canaries in one Manager', async () => {
  await using api = await startApiServer();
  const client = new KubeClient(api.kubeConfig);
  const storageDir = await mkdtemp(join(tmpdir(), 'weft-docs-operator-'));
  const stop = new AbortController();
  try {
    await installCRDs(client, gitOpsWithExtrasCrds);
    for (const name of ['weft-system', 'apps']) await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, { kind: NamespaceKind });
    const operator = gitOpsOperatorWithExtras(api.kubeConfig, storageDir);
    const running = operator.start({ signal: stop.signal });
    await client.create({ apiVersion: ImagePolicyKind.apiVersion, kind: 'ImagePolicy', metadata: { name: 'web', namespace: 'apps' }, spec: { imageRepositoryRef: { name: 'web' }, policy: { semver: { range: '^1.0.0' } } } } as ImagePolicy);
    await client.create({ apiVersion: CanaryKind.apiVersion, kind: 'Canary', metadata: { name: 'web', namespace: 'apps' }, spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, service: { port: 80 } } } as Canary);
    // The policy's ImageRepository does not exist: the ImagePolicy controller says so; the Canary controller marks the new Canary.
    const policy = await eventually('the ImagePolicy to be reconciled', async () => {
      const current = await client.get(ImagePolicyKind, 'web', { namespace: 'apps' });
      return current.status?.conditions?.find((condition) => condition.type === 'Ready') && current;
    }, { timeoutMs: 20_000, intervalMs: 100 });
    expect(policy.status?.conditions?.find((condition) => condition.type === 'Ready')?.status).toBe('False');
    await eventually('the Canary to be marked Initializing', async () => (await client.get(CanaryKind, 'web', { namespace: 'apps' })).status?.phase === 'Initializing', { timeoutMs: 20_000, intervalMs: 100 });
    stop.abort();
    await running;
  } finally {
    stop.abort();
    client.close();
    await rm(storageDir, { recursive: true, force: true });
  }
});
