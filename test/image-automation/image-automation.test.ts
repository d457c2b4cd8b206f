/**
 * The image automation reconcilers on the real kube-apiserver: a real registry (Debian's
 * docker-registry, htpasswd auth) scanned by ImageRepository, ImagePolicy selecting from the
 * tags kept on disk, ImageUpdateAutomation committing to a real git server.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { GitRepositoryKind } from '@weft/git-source';
import {
  ImagePolicyKind,
  ImageRepositoryKind,
  ImageUpdateAutomationKind,
  TagStore,
  imageAutomationControllers,
  tagsRevision,
  type ImagePolicy,
  type ImageRepository,
  type ImageUpdateAutomation,
} from '@weft/image-automation';
import { KubeClient, Manager, createLogger, installCRDs, type KubeObject, type ReconcileOutcome } from '@weft/reconcile-core';
import { eventually } from '@weft/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveRegistryBinary, startRegistry, type RegistryServer } from '../../packages/image-automation/src/__tests__/support/registry-server';
import { clusterKubeConfig, hasCluster, testNamespace } from '../support/cluster';
import { startGitServer, type GitServer } from '../support/git-server';

if (!haveRegistryBinary() && process.env.CI === 'true') throw new Error('CI=true but docker-registry is not installed (tools/registry/install.sh)');

type Conditioned = { status?: { conditions?: { type: string; status: string; reason: string; message: string }[] } };
const condition = (object: Conditioned, type: string) => object.status?.conditions?.find((c) => c.type === type);

describe.skipIf(!hasCluster || !haveRegistryBinary())('image automation reconcilers on the real apiserver', () => {
  let namespace: string;
  let client: KubeClient;
  let registry: RegistryServer;
  let git: GitServer;
  let work: string;
  let stopManager: AbortController;
  let running: Promise<void>;
  const outcomes: ReconcileOutcome[] = [];
  const events: { reason: string; message: string; object: string }[] = [];
  let logs = '';
  const wrongPassword = 'registry-wrong-password-4242';

  const startManager = (tagStore: TagStore) => {
    const kubeConfig = clusterKubeConfig();
    const destination = new Writable({ write: (chunk, _encoding, done) => ((logs += chunk.toString()), done()) });
    const manager = new Manager({
      kubeConfig,
      handleSignals: false,
      logger: createLogger({ level: 'debug', destination }),
      recorder: { event: (object: KubeObject, _type: string, reason: string, message: string) => events.push({ reason, message, object: `${object.kind}/${object.metadata.name}` }) },
      onOutcome: (outcome) => outcomes.push(outcome),
    });
    for (const controller of imageAutomationControllers({ namespace, tagStore, retry: { baseDelayMs: 200, maxDelayMs: 2000 } })) manager.add(controller);
    stopManager = new AbortController();
    running = manager.start({ signal: stopManager.signal });
  };

  beforeAll(async () => {
    namespace = await testNamespace('image-automation');
    client = new KubeClient(clusterKubeConfig());
    await installCRDs(client, [ImageRepositoryKind, ImagePolicyKind, ImageUpdateAutomationKind, GitRepositoryKind]);
    registry = await startRegistry({ auth: 'htpasswd' });
    git = await startGitServer({ username: 'git', password: 'git-password' });
    work = await mkdtemp(join(tmpdir(), 'weft-image-cluster-'));
    const dockerConfig = (password: string) =>
      Buffer.from(JSON.stringify({ auths: { [registry.host]: { username: registry.username, password } } })).toString('base64');
    await client.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'registry', namespace }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': dockerConfig(registry.password) } } as never);
    await client.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'registry-wrong', namespace }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': dockerConfig(wrongPassword) } } as never);
    await client.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'git', namespace }, stringData: { username: 'git', password: 'git-password' } } as never);
    startManager(new TagStore(join(work, 'tags')));
  });

  afterAll(async () => {
    stopManager?.abort();
    await running?.catch(() => undefined);
    await registry?.stop();
    await git?.stop();
    client?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const until = <T extends KubeObject>(kind: { kind: string } & Parameters<KubeClient['get']>[0], name: string, check: (object: T) => boolean, timeoutMs = 40_000): Promise<T> =>
    eventually(
      `${kind.kind} ${name} to match`,
      async () => {
        const object = (await client.get(kind, name, { namespace })) as T;
        if (!check(object)) throw new Error(`status: ${JSON.stringify((object as Conditioned).status)}`);
        return object;
      },
      { timeoutMs, intervalMs: 200 },
    );
  const requestReconcile = (kind: Parameters<KubeClient['patch']>[0], name: string) =>
    client.patch(kind, name, { metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': String(Date.now()) } } }, { namespace });
  const createRepository = (name: string, spec: ImageRepository['spec']) =>
    client.create({ apiVersion: ImageRepositoryKind.apiVersion, kind: 'ImageRepository', metadata: { name, namespace }, spec } as ImageRepository);
  const createPolicy = (name: string, spec: ImagePolicy['spec']) =>
    client.create({ apiVersion: ImagePolicyKind.apiVersion, kind: 'ImagePolicy', metadata: { name, namespace }, spec } as ImagePolicy);

  it('scans with the credentials of a dockerconfigjson Secret and reports Flux status', async () => {
    const tags = ['1.0.0', '1.1.0', '1.2.0-rc.1', 'sha256-abc.sig', ...Array.from({ length: 12 }, (_, i) => `0.${i}.0`)];
    await registry.pushTags('team/web', tags);
    await createRepository('web', { image: `${registry.host}/team/web`, interval: '1h', insecure: true, secretRef: { name: 'registry' } });
    const ready = await until<ImageRepository>(ImageRepositoryKind, 'web', (r) => condition(r, 'Ready')?.status === 'True');
    const stored = tags.filter((t) => !t.endsWith('.sig')).sort().reverse();
    expect(ready.status).toMatchObject({
      canonicalImageName: `${registry.host}/team/web`,
      observedExclusionList: ['^.*\\.sig$'],
      observedGeneration: ready.metadata.generation,
      lastScanResult: { tagCount: 15, revision: tagsRevision(stored), latestTags: stored.slice(0, 10) },
    });
    expect(condition(ready, 'Ready')).toMatchObject({ reason: 'Succeeded', message: `successful scan: found 15 tags with checksum ${tagsRevision(stored)}` });
    expect(condition(ready, 'Reconciling')).toBeUndefined();
  });

  it('reports refused credentials as AuthenticationFailed without showing them anywhere, and recovers', async () => {
    await createRepository('locked', { image: `${registry.host}/team/web`, interval: '1h', insecure: true, secretRef: { name: 'registry-wrong' } });
    const failed = await until<ImageRepository>(ImageRepositoryKind, 'locked', (r) => condition(r, 'Ready')?.status === 'False');
    expect(condition(failed, 'Ready')).toMatchObject({ reason: 'AuthenticationFailed' });
    expect(condition(failed, 'Ready')?.message).toMatch(/^scan failed: registry .*: authentication failed \(HTTP 401\)/);
    expect(condition(failed, 'Reconciling')).toMatchObject({ status: 'True', reason: 'ProgressingWithRetry' });
    await client.patch(ImageRepositoryKind, 'locked', { spec: { secretRef: { name: 'registry' } } }, { namespace });
    await until<ImageRepository>(ImageRepositoryKind, 'locked', (r) => condition(r, 'Ready')?.status === 'True');
    for (const text of [JSON.stringify(failed), JSON.stringify(events), logs, JSON.stringify(outcomes.map((o) => String(o.error)))]) {
      expect(text).not.toContain(wrongPassword);
      expect(text).not.toContain(registry.password);
    }
    expect(events.some((e) => e.object === 'ImageRepository/locked' && e.reason === 'AuthenticationFailed')).toBe(true);
  });

  it('selects by policy, follows new tags, looks the digest up, and stalls an invalid policy', async () => {
    await createPolicy('web', { imageRepositoryRef: { name: 'web' }, policy: { semver: { range: '^1.0.0' } }, digestReflectionPolicy: 'IfNotPresent' });
    const first = await until<ImagePolicy>(ImagePolicyKind, 'web', (p) => condition(p, 'Ready')?.status === 'True');
    expect(first.status?.latestRef).toMatchObject({ name: `${registry.host}/team/web`, tag: '1.1.0', digest: expect.stringMatching(/^sha256:/) });
    expect(condition(first, 'Ready')?.message).toBe(`Latest image tag for ${registry.host}/team/web resolved to 1.1.0 with digest ${first.status!.latestRef!.digest}`);

    const pushed = await registry.pushImage('team/web', '1.3.0');
    await requestReconcile(ImageRepositoryKind, 'web');
    const next = await until<ImagePolicy>(ImagePolicyKind, 'web', (p) => p.status?.latestRef?.tag === '1.3.0');
    expect(next.status?.latestRef?.digest).toBe(pushed.digest);
    expect(next.status?.observedPreviousRef).toEqual(first.status?.latestRef);
    expect(condition(next, 'Ready')?.message).toContain(`(previously ${registry.host}/team/web:1.1.0@${first.status!.latestRef!.digest})`);

    await createPolicy('broken', { imageRepositoryRef: { name: 'web' }, policy: { semver: { range: 'not-a-range' } } });
    const stalled = await until<ImagePolicy>(ImagePolicyKind, 'broken', (p) => condition(p, 'Stalled')?.status === 'True');
    expect(condition(stalled, 'Stalled')?.reason).toBe('InvalidPolicy');
    expect(condition(stalled, 'Ready')).toMatchObject({ status: 'False', reason: 'InvalidPolicy' });

    await createPolicy('orphan', { imageRepositoryRef: { name: 'missing' }, policy: { alphabetical: {} } });
    const orphan = await until<ImagePolicy>(ImagePolicyKind, 'orphan', (p) => condition(p, 'Ready')?.status === 'False');
    expect(condition(orphan, 'Ready')?.reason).toBe('DependencyNotReady');
  });

  it('trusts a registry CA from certSecretRef, and refreshes the digest of a moved tag with digestReflectionPolicy Always', async () => {
    const tls = await startRegistry({ tls: true });
    try {
      const first = await tls.pushImage('team/worker', '1.0.0', { seed: 'first' });
      await client.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'registry-ca', namespace }, stringData: { 'ca.crt': tls.caPem! } } as never);
      await createRepository('worker-untrusted', { image: `${tls.host}/team/worker`, interval: '1h' });
      const untrusted = await until<ImageRepository>(ImageRepositoryKind, 'worker-untrusted', (r) => condition(r, 'Ready')?.status === 'False');
      expect(condition(untrusted, 'Ready')?.reason).toBe('ReadOperationFailed');
      await createRepository('worker', { image: `${tls.host}/team/worker`, interval: '1h', certSecretRef: { name: 'registry-ca' } });
      await until<ImageRepository>(ImageRepositoryKind, 'worker', (r) => condition(r, 'Ready')?.status === 'True');
      await createPolicy('worker', { imageRepositoryRef: { name: 'worker' }, policy: { semver: { range: '*' } }, digestReflectionPolicy: 'Always', interval: '1s' });
      await until<ImagePolicy>(ImagePolicyKind, 'worker', (p) => p.status?.latestRef?.digest === first.digest);
      // The same tag pushed again with other content: the next interval reflects the new digest.
      const second = await tls.pushImage('team/worker', '1.0.0', { seed: 'second' });
      expect(second.digest).not.toBe(first.digest);
      const moved = await until<ImagePolicy>(ImagePolicyKind, 'worker', (p) => p.status?.latestRef?.digest === second.digest);
      expect(moved.status?.observedPreviousRef).toEqual({ name: `${tls.host}/team/worker`, tag: '1.0.0', digest: first.digest });
      await createPolicy('worker-no-interval', { imageRepositoryRef: { name: 'worker' }, policy: { semver: { range: '*' } }, digestReflectionPolicy: 'Always' });
      const stalled = await until<ImagePolicy>(ImagePolicyKind, 'worker-no-interval', (p) => condition(p, 'Stalled')?.status === 'True');
      expect(condition(stalled, 'Stalled')?.reason).toBe('IntervalNotConfigured');
    } finally {
      await tls.stop();
    }
  });

  it('keeps the last scan in use while the registry is down, and across a restart', async () => {
    const outage = await startRegistry();
    await outage.pushTags('team/api', ['2.0.0', '2.1.0']);
    await createRepository('api', { image: `${outage.host}/team/api`, interval: '1h', insecure: true });
    await until<ImageRepository>(ImageRepositoryKind, 'api', (r) => condition(r, 'Ready')?.status === 'True');
    await outage.stop();
    await requestReconcile(ImageRepositoryKind, 'api');
    const down = await until<ImageRepository>(ImageRepositoryKind, 'api', (r) => condition(r, 'Ready')?.status === 'False');
    expect(condition(down, 'Ready')).toMatchObject({ reason: 'ReadOperationFailed', message: expect.stringMatching(/^scan failed: registry /) });
    expect(down.status?.lastScanResult?.tagCount).toBe(2);

    // Restart: a new manager and tag store over the same directory; the registry is still down.
    stopManager.abort();
    await running;
    startManager(new TagStore(join(work, 'tags')));
    await createPolicy('api', { imageRepositoryRef: { name: 'api' }, policy: { semver: { range: '>=2.0.0' } } });
    const policy = await until<ImagePolicy>(ImagePolicyKind, 'api', (p) => condition(p, 'Ready')?.status === 'True');
    expect(policy.status?.latestRef).toEqual({ name: `${outage.host}/team/api`, tag: '2.1.0' });
  });

  it('commits the selected tag to git, to the checkout branch or another, and only when something changed', async () => {
    const manifest = (ref: string) => `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: ${registry.host}/team/web:${ref} # {"$imagepolicy": "${namespace}:web"}\n`;
    // The policy reflects digests, so the whole-ref setter writes tag@digest, as Flux does.
    const refOf = async () => {
      const latest = (await client.get(ImagePolicyKind, 'web', { namespace })).status!.latestRef!;
      return `${latest.tag}@${latest.digest}`;
    };
    const repo = await git.createRepo('fleet', { 'apps/web.yaml': manifest('1.0.0'), 'README.md': 'fleet\n' });
    await client.create({ apiVersion: GitRepositoryKind.apiVersion, kind: 'GitRepository', metadata: { name: 'fleet', namespace }, spec: { url: repo.url, interval: '1h', ref: { branch: 'main' }, secretRef: { name: 'git' } } } as never);
    const automation = (name: string, push?: ImageUpdateAutomation['spec']['git']['push']) =>
      client.create({
        apiVersion: ImageUpdateAutomationKind.apiVersion,
        kind: 'ImageUpdateAutomation',
        metadata: { name, namespace },
        spec: {
          sourceRef: { kind: 'GitRepository', name: 'fleet' },
          interval: '1h',
          git: { commit: { author: { name: 'Weft', email: 'weft@example.com' }, messageTemplate: 'Update {{ range .Changed.Changes }}{{ .NewValue }}{{ end }}' }, ...(push ? { push } : {}) },
          update: { path: './apps', strategy: 'Setters' },
          policySelector: { matchExpressions: [{ key: 'skip', operator: 'DoesNotExist' }] },
        },
      } as ImageUpdateAutomation);
    await automation('to-branch', { branch: 'image-updates' });
    const toBranch = await until<ImageUpdateAutomation>(ImageUpdateAutomationKind, 'to-branch', (a) => condition(a, 'Ready')?.status === 'True');
    const branchHead = execFileSync('git', ['--git-dir', repo.bare, 'rev-parse', 'image-updates'], { env: git.gitEnv }).toString().trim();
    expect(toBranch.status?.lastPushCommit).toBe(branchHead);
    expect(condition(toBranch, 'Ready')?.message).toBe(`pushed commit '${branchHead.slice(0, 7)}' to branch 'image-updates'`);

    await automation('same-branch');
    const same = await until<ImageUpdateAutomation>(ImageUpdateAutomationKind, 'same-branch', (a) => condition(a, 'Ready')?.status === 'True');
    const mainHead = execFileSync('git', ['--git-dir', repo.bare, 'rev-parse', 'main'], { env: git.gitEnv }).toString().trim();
    expect(same.status).toMatchObject({ lastPushCommit: mainHead, observedPolicies: { web: { name: `${registry.host}/team/web`, tag: '1.3.0' } } });
    expect(same.status?.observedSourceRevision).toMatch(/^main@sha1:[0-9a-f]{40}$/);
    const current = await refOf();
    expect(execFileSync('git', ['--git-dir', repo.bare, 'show', 'main:apps/web.yaml'], { env: git.gitEnv }).toString()).toBe(manifest(current));
    expect(execFileSync('git', ['--git-dir', repo.bare, 'log', '-1', '--format=%s', 'main'], { env: git.gitEnv }).toString().trim()).toBe(`Update ${registry.host}/team/web:${current}`);

    // Nothing changed: a new run commits nothing.
    await requestReconcile(ImageUpdateAutomationKind, 'same-branch');
    const again = await until<ImageUpdateAutomation>(ImageUpdateAutomationKind, 'same-branch', (a) => condition(a, 'Ready')?.message === 'repository up-to-date');
    expect(again.status?.lastPushCommit).toBe(mainHead);
    expect(execFileSync('git', ['--git-dir', repo.bare, 'rev-parse', 'main'], { env: git.gitEnv }).toString().trim()).toBe(mainHead);

    // A new tag: the policy moves, the automation follows.
    await registry.pushImage('team/web', '1.4.0');
    await requestReconcile(ImageRepositoryKind, 'web');
    const moved = await until<ImageUpdateAutomation>(ImageUpdateAutomationKind, 'same-branch', (a) => a.status?.observedPolicies?.['web']?.tag === '1.4.0' && a.status.lastPushCommit !== mainHead);
    expect(execFileSync('git', ['--git-dir', repo.bare, 'show', `${moved.status!.lastPushCommit}:apps/web.yaml`], { env: git.gitEnv }).toString()).toBe(manifest(await refOf()));
  });
});
