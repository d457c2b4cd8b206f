// Every `@example` of @weft/image-automation's public API, run against Debian's docker-registry,
// a local git server (git http-backend) and testkit's in-memory API server: each example's code is
// a verbatim part of this file and its imports are this file's imports (api-examples.test.ts
// checks both). Assertions between the examples say what they do. TMPDIR points into this run's
// directory, so what the examples write lands there and goes with it.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitRepositoryKind } from '@weft/git-source';
import {
  applySetters,
  commitAndPush,
  commitTemplateData,
  compileExclusions,
  compileGoRegexp,
  compileTagSelector,
  credentialsFromDockerConfig,
  DEFAULT_MESSAGE_TEMPLATE,
  imageAutomationControllers,
  ImagePolicyKind,
  imagePolicyController,
  ImagePolicyReconciler,
  ImageRepositoryKind,
  imageRepositoryController,
  ImageRepositoryReconciler,
  ImageUpdateAutomationKind,
  imageUpdateAutomationController,
  ImageUpdateAutomationReconciler,
  isImageAutomationError,
  latestTag,
  parseGoFloat,
  parseGoTemplate,
  parseImageReference,
  parseTagVersion,
  parseWwwAuthenticate,
  RegistryClient,
  renderTemplate,
  rewriteSetters,
  scanRepository,
  scanTags,
  selectLatestTag,
  TagStore,
  tagsRevision,
  updateImages,
  updateSetters,
  type ImagePolicy,
  type ImageRef,
  type ScanOutcome,
} from '@weft/image-automation';
import { createLogger, installCRDs, KubeClient, Manager } from '@weft/reconcile-core';
import { startApiServer, startGitServer, type GitServer, type InMemoryApiServer, type TestRepo } from '@weft/testkit';
import { of } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startRegistry, type RegistryServer } from '../../packages/image-automation/src/__tests__/support/registry-server.ts';

const marked = (tag: string) => `image: ghcr.io/org/web:${tag} # {"$imagepolicy": "apps:web"}\n`;

describe('the @examples of @weft/image-automation, run', () => {
  let registry: RegistryServer;
  let image: string;
  let git: GitServer;
  let repo: TestRepo;
  let url: string;
  let work: string;
  let log: ReturnType<typeof vi.spyOn>;
  const tmp = process.env['TMPDIR'];

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'weft-image-automation-examples-'));
    process.env['TMPDIR'] = work;
    registry = await startRegistry();
    await registry.pushTags('org/app', ['1.0.0', '1.1.0', 'app.sig']);
    image = `${registry.host}/org/app`;
    git = await startGitServer();
    repo = await git.createRepo('fleet', { 'deploy/web.yaml': marked('1.3.0') });
    url = repo.url;
    log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  }, 60_000);
  afterAll(async () => {
    vi.restoreAllMocks();
    if (tmp === undefined) delete process.env['TMPDIR'];
    else process.env['TMPDIR'] = tmp;
    await registry?.stop();
    await git?.stop();
    await rm(work, { recursive: true, force: true });
  });

  it('selects tags with Flux policies and Go semantics', () => {
    const selector = compileTagSelector({ policy: { semver: { range: '^1' } } });
    selector.select(['1.0.0', '1.4.2', '2.0.0']); // '1.4.2'
    expect(selector.select(['1.0.0', '1.4.2', '2.0.0'])).toBe('1.4.2');
    const picked = selectLatestTag(['main-a1b2c3-1700000100', 'main-d4e5f6-1700000200', 'v1.0.0'], {
      policy: { numerical: { order: 'asc' } },
      filterTags: { pattern: '^main-[a-f0-9]+-(?P<ts>[0-9]+)$', extract: '$ts' },
    }); // 'main-d4e5f6-1700000200'
    expect(picked).toBe('main-d4e5f6-1700000200');
    expect([parseTagVersion('v2025.02.03-rc.1')?.toString(), parseTagVersion('1.2')]).toEqual(['2025.2.3-rc.1', undefined]);
    parseTagVersion('v2025.02.03-rc.1')?.toString(); // '2025.2.3-rc.1'
    parseTagVersion('1.2');                          // undefined
    expect([parseGoFloat('1_000'), parseGoFloat('1e400')]).toEqual([1000, undefined]);
    parseGoFloat('1_000'); // 1000
    parseGoFloat('1e400'); // undefined (out of range)
    {
      const re = compileGoRegexp('^main-(?P<sha>[a-f0-9]+)-(?P<ts>[0-9]+)$');
      const tag = 'main-3f2a91c-1700000000';
      re.expand('$ts', tag, re.match(tag)!); // '1700000000'
      expect(re.expand('$ts', tag, re.match(tag)!)).toBe('1700000000');
    }
    expect(parseGoTemplate('{{ range .Changes }}{{ .NewValue }} {{ end }}', 'messageTemplate').render({ Changes: [{ NewValue: 'v2' }] })).toBe('v2 ');
    parseGoTemplate('{{ range .Changes }}{{ .NewValue }} {{ end }}', 'messageTemplate').render({ Changes: [{ NewValue: 'v2' }] }); // 'v2 '

    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const tags = ['latest'];
    const spec = { policy: { semver: { range: '^1' } } };
    try { selectLatestTag(tags, spec); } catch (error) { if (isImageAutomationError(error)) console.warn(error.reason); }
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('talks to registries', async () => {
    expect([parseImageReference('alpine').canonicalName, parseImageReference('127.0.0.1:5000/team/app').registry]).toEqual(['index.docker.io/library/alpine', '127.0.0.1:5000']);
    parseImageReference('alpine').canonicalName;                  // 'index.docker.io/library/alpine'
    parseImageReference('127.0.0.1:5000/team/app').registry;      // '127.0.0.1:5000'
    expect(parseWwwAuthenticate('Bearer realm="https://auth.docker.io/token",service="registry.docker.io"')[0]?.params.service).toBe('registry.docker.io');
    parseWwwAuthenticate('Bearer realm="https://auth.docker.io/token",service="registry.docker.io"')[0]?.params.service;
    // 'registry.docker.io'
    {
      const data = { '.dockerconfigjson': Buffer.from(JSON.stringify({ auths: { 'ghcr.io': { username: 'u', password: 'p' } } })).toString('base64') };
      credentialsFromDockerConfig(data, 'ghcr.io'); // { username: 'u', password: 'p' }
      expect(credentialsFromDockerConfig(data, 'ghcr.io')).toEqual({ username: 'u', password: 'p' });
    }
    {
      const client = new RegistryClient({ credentials: { username: 'u', password: 'p' } });
      const tags = await client.listTags(image);
      const { digest } = await client.headManifest(image, tags[0]!);
      await client.close();
      expect(tags).toContain('1.1.0');
      expect(digest).toMatch(/^sha256:/);
    }
    const client = new RegistryClient();
    const tags = await scanTags(client, parseImageReference(image), compileExclusions(undefined));
    await client.close();
    expect(tags).not.toContain('app.sig');

    const store = new TagStore(join(tmpdir(), 'weft', 'tags'));
    const revision = await store.setTags('ghcr.io/org/app', ['1.1.0', '1.0.0']);
    await store.tags('ghcr.io/org/app'); // ['1.1.0', '1.0.0']
    expect(await store.tags('ghcr.io/org/app')).toEqual(['1.1.0', '1.0.0']);
    expect(revision).toBe(tagsRevision(['1.1.0', '1.0.0']));
    tagsRevision(['1.0.0']); // '160432618'
    expect(tagsRevision(['1.0.0'])).toBe('160432618');
  });

  it('rewrites setters and writes back', async () => {
    const policies = new Map([['apps/web', { name: 'ghcr.io/org/web', tag: '1.4.0' }]]);
    rewriteSetters('image: ghcr.io/org/web:1.3.0 # {"$imagepolicy": "apps:web"}\n', policies).text;
    // 'image: ghcr.io/org/web:1.4.0 # {"$imagepolicy": "apps:web"}\n'
    expect(rewriteSetters(marked('1.3.0'), policies).text).toBe(marked('1.4.0'));

    const checkout = join(work, 'checkout');
    await mkdir(join(checkout, 'deploy'), { recursive: true });
    await writeFile(join(checkout, 'deploy', 'web.yaml'), marked('1.3.0'));
    const { files } = await applySetters(checkout, { path: './deploy', policies: new Map([['apps/web', { name: 'ghcr.io/org/web', tag: '1.4.0' }]]) });
    expect(files).toHaveLength(1);
    expect(await readFile(join(checkout, 'deploy', 'web.yaml'), 'utf8')).toBe(marked('1.4.0'));

    const changes = rewriteSetters(marked('1.3.0'), policies).changes;
    const message = renderTemplate(DEFAULT_MESSAGE_TEMPLATE, commitTemplateData({ namespace: 'apps', name: 'web' }, changes));
    expect(message).toContain('ghcr.io/org/web:1.4.0');
    const data = commitTemplateData({ namespace: 'apps', name: 'web' }, changes);
    expect(renderTemplate('Update {{ range .Changed.Changes }}{{ .NewValue }}{{ end }}', data)).toBe('Update ghcr.io/org/web:1.4.0');
    renderTemplate('Update {{ range .Changed.Changes }}{{ .NewValue }}{{ end }}', data);

    const result = await updateImages({
      url, branch: 'main', author: { name: 'weft', email: 'weft@example.com' },
      automation: { namespace: 'apps', name: 'web' }, path: './deploy',
      policies: new Map([['apps/web', { name: 'ghcr.io/org/web', tag: '1.4.0' }]]),
    });
    console.log(result.commit ?? 'up to date');
    expect(log).toHaveBeenLastCalledWith(expect.stringMatching(/^[0-9a-f]{40}$/));
    await repo.git('pull', '--quiet', 'origin', 'main');
    expect(await readFile(join(repo.work, 'deploy', 'web.yaml'), 'utf8')).toBe(marked('1.4.0'));
  });

  it('runs as stream operators', async () => {
    const logged = () => log.mock.calls.at(-1)?.[0];
    of(image).pipe(scanRepository({ timeout: '30s' })).subscribe((scan) => scan.ok && console.log(scan.tags.length));
    await vi.waitFor(() => expect(logged()).toBe(2));

    const scans$ = of<ScanOutcome>({ ok: true, image, tags: ['1.1.0', '1.0.0'], revision: tagsRevision(['1.1.0', '1.0.0']) });
    scans$.pipe(latestTag({ policy: { semver: { range: '^1' } } })).subscribe((latest) => latest.ok && console.log(latest.tag));
    await vi.waitFor(() => expect(logged()).toBe('1.1.0'));

    const refs$ = of(new Map<string, ImageRef>([['apps/web', { name: 'ghcr.io/org/web', tag: '1.5.0' }]]));
    const checkoutDir = join(work, 'stream-checkout');
    await mkdir(join(checkoutDir, 'apps'), { recursive: true });
    await writeFile(join(checkoutDir, 'apps', 'web.yaml'), marked('1.3.0'));
    refs$.pipe(updateSetters({ checkout: checkoutDir, path: './apps' })).subscribe((o) => o.ok && console.log(o.result.files));
    await vi.waitFor(() => expect(logged()).toEqual(['apps/web.yaml']));

    refs$.pipe(commitAndPush({ url, branch: 'main', author: { email: 'bot@example.com' }, automation: { namespace: 'apps', name: 'web' } }))
      .subscribe((o) => o.ok && console.log(o.result.commit ?? 'up to date'));
    await vi.waitFor(() => expect(logged()).toMatch(/^[0-9a-f]{40}$/), { timeout: 30_000 });
  });

  it('defines and reconciles the image automation kinds', async () => {
    const api: InMemoryApiServer = await startApiServer();
    const kubeConfig = api.kubeConfig;
    const client = new KubeClient(kubeConfig);
    try {
      await installCRDs(client, [ImageRepositoryKind, ImagePolicyKind, ImageUpdateAutomationKind]);
      await installCRDs(client, [ImageUpdateAutomationKind]);
      await installCRDs(client, [GitRepositoryKind]);
      await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'apps' } });
      await client.create({ apiVersion: 'image.weft.dev/v1', kind: 'ImagePolicy', metadata: { name: 'web', namespace: 'apps' },
        spec: { imageRepositoryRef: { name: 'web' }, policy: { semver: { range: '^1' } } } } as ImagePolicy);
      expect((await client.get(ImagePolicyKind, 'web', { namespace: 'apps' })).spec.policy).toEqual({ semver: { range: '^1' } });

      const tagStore = new TagStore(join(tmpdir(), 'weft', 'tags'));
      const manager = new Manager({ kubeConfig, logger: createLogger({ level: 'silent' }), handleSignals: false });
      manager.add(imageRepositoryController({ namespace: 'apps' }).reconcile(new ImageRepositoryReconciler({ tagStore })));
      manager.add(imagePolicyController({ namespace: 'apps' }).reconcile(new ImagePolicyReconciler({ tagStore })));
      manager.add(imageUpdateAutomationController({ namespace: 'apps' }).reconcile(new ImageUpdateAutomationReconciler()));
      const stop = new AbortController();
      const running = manager.start({ signal: stop.signal });
      stop.abort();
      await running;

      const other = new Manager({ kubeConfig, logger: createLogger({ level: 'silent' }), handleSignals: false });
      const added = vi.spyOn(other, 'add');
      {
        const manager = other;
        for (const controller of imageAutomationControllers({ namespace: 'apps', tagStore: new TagStore(join(tmpdir(), 'weft', 'tags')) })) manager.add(controller);
      }
      expect(added).toHaveBeenCalledTimes(3);

      const repositories = imageRepositoryController({ kubeConfig, namespace: 'apps' }).reconcile(new ImageRepositoryReconciler()).subscribe();
      const policies = imagePolicyController({ kubeConfig, namespace: 'apps' }).reconcile(new ImagePolicyReconciler({ tagStore })).subscribe();
      const automations = imageUpdateAutomationController({ kubeConfig, namespace: 'apps' }).reconcile(new ImageUpdateAutomationReconciler()).subscribe();
      for (const subscription of [repositories, policies, automations]) subscription.unsubscribe();
    } finally {
      client.close();
      await api.stop();
    }
  });
});
