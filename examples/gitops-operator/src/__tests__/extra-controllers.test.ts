import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeploymentKind, KubeClient, NamespaceKind, createLogger, type Condition } from '@weft/reconcile-core';
import { type ImagePolicy, ImagePolicyKind, type ImageRepository, ImageRepositoryKind } from '@weft/image-automation';
import { type Canary, CanaryKind } from '@weft/progressive';
import { type InMemoryApiServer, eventually, startApiServer } from '@weft/testkit';
import type { ViewSnapshot } from '@weft/web-view';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveRegistryBinary, startRegistry, type RegistryServer } from '../../../../packages/image-automation/src/__tests__/support/registry-server.js';
import { parseCliOptions } from '../cli-options.js';
import { type RunningOperator, startOperator } from '../operator.js';

const ready = (object: { status?: { conditions?: readonly Condition[] } }) => object.status?.conditions?.find((condition) => condition.type === 'Ready');

/**
 * The operator as `--controllers=source,kustomize,image,progressive` runs it, on the in-memory
 * API server: it installs the five extra CRDs, an ImagePolicy picks its tag from Debian's
 * docker-registry, a Canary is initialised (its primary Deployment generated), and the operator's
 * web view shows both. Without the registry binary the suite fails in CI and is skipped elsewhere
 * (tools/registry/install.sh installs it).
 */
describe.skipIf(!haveRegistryBinary() && process.env['CI'] !== 'true')('the GitOps operator with image automation and canaries', () => {
  let api: InMemoryApiServer;
  let registry: RegistryServer;
  let client: KubeClient;
  let storageDir: string;
  let operator: RunningOperator;
  const shutdown = new AbortController();
  const namespace = 'apps';

  beforeAll(async () => {
    if (!haveRegistryBinary()) throw new Error("CI=true but Debian's docker-registry is missing: run tools/registry/install.sh");
    [api, registry] = await Promise.all([startApiServer(), startRegistry()]);
    for (const tag of ['1.0.0', '1.2.0', '2.0.0-rc.1']) await registry.pushImage('team/web', tag, { seed: tag });
    client = new KubeClient(api.kubeConfig);
    storageDir = await mkdtemp(join(tmpdir(), 'weft-gitops-extras-'));
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }, { kind: NamespaceKind });
    const options = parseCliOptions(['--controllers=source,kustomize,image,progressive', '--storage-dir', storageDir, '--no-leader-elect', '--ui-port', '0', '--canary-min-interval', '1s'], {});
    operator = await startOperator(options, { kubeConfig: api.kubeConfig, logger: createLogger({ level: 'warn' }), signal: shutdown.signal });
  });

  afterAll(async () => {
    shutdown.abort();
    await operator?.done;
    client?.close();
    await Promise.all([api?.[Symbol.asyncDispose](), registry?.stop(), storageDir && rm(storageDir, { recursive: true, force: true })]);
  });

  it('reconciles an ImagePolicy against a real registry: the repository scanned, the highest 1.x tag chosen', async () => {
    await client.create({ apiVersion: ImageRepositoryKind.apiVersion, kind: 'ImageRepository', metadata: { name: 'web', namespace }, spec: { image: `${registry.host}/team/web`, interval: '1h', insecure: true } } as ImageRepository);
    await client.create({ apiVersion: ImagePolicyKind.apiVersion, kind: 'ImagePolicy', metadata: { name: 'web', namespace }, spec: { imageRepositoryRef: { name: 'web' }, policy: { semver: { range: '^1.0.0' } } } } as ImagePolicy);
    const policy = await eventually('the ImagePolicy to choose a tag', async () => {
      const current = await client.get(ImagePolicyKind, 'web', { namespace });
      return ready(current)?.status === 'True' && current;
    }, { timeoutMs: 20_000, intervalMs: 100 });
    expect(policy.status?.latestRef).toMatchObject({ name: `${registry.host}/team/web`, tag: '1.2.0' });
    expect((await client.get(ImageRepositoryKind, 'web', { namespace })).status?.lastScanResult?.tagCount).toBe(3);
  });

  it('reconciles a Canary: marked Initializing at once, its primary Deployment generated at the first tick', async () => {
    const labels = { app: 'web' };
    await client.create(
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace }, spec: { replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'web', image: `${registry.host}/team/web:1.2.0` }] } } } } as never,
      { kind: DeploymentKind },
    );
    await client.create({ apiVersion: CanaryKind.apiVersion, kind: 'Canary', metadata: { name: 'web', namespace }, spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, service: { port: 80 }, analysis: { interval: '1s', threshold: 2 } } } as Canary);
    const canary = await eventually('the Canary to be marked', async () => {
      const current = await client.get(CanaryKind, 'web', { namespace });
      return current.status?.phase !== undefined && current;
    }, { timeoutMs: 10_000, intervalMs: 50 });
    expect(canary.status?.phase).toBe('Initializing');
    const primary = await eventually('the primary Deployment', () => client.get(DeploymentKind, 'web-primary', { namespace }).catch(() => false), { timeoutMs: 15_000, intervalMs: 100 });
    expect((primary as { spec: { template: { spec: { containers: { image: string }[] } } } }).spec.template.spec.containers[0]!.image).toBe(`${registry.host}/team/web:1.2.0`);
  });

  it("shows the ImagePolicy and the Canary in the operator's web view, read from its own controllers' caches", async () => {
    const snapshot = await eventually('the view to list both', async () => {
      const state = (await (await fetch(new URL('api/state', operator.webViewUrl!))).json()) as ViewSnapshot;
      return state.imagePolicies.some((policy) => policy.tag === '1.2.0') && state.canaries.length === 1 && state;
    }, { timeoutMs: 10_000, intervalMs: 100 });
    expect(snapshot.served).toEqual({ GitRepository: true, Kustomization: true, ImagePolicy: true, Canary: true });
    expect(snapshot.imagePolicies.map((policy) => policy.id)).toEqual([`ImagePolicy/${namespace}/web`]);
    expect(snapshot.canaries.map((canary) => canary.id)).toEqual([`Canary/${namespace}/web`]);
    const controllers = operator.manager.controllerList.map((controller) => controller.kind.kind);
    expect(controllers).toEqual(['GitRepository', 'Kustomization', 'ImageRepository', 'ImagePolicy', 'ImageUpdateAutomation', 'Canary']);
  });
});
