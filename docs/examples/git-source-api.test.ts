// Every `@example` of @weft/git-source's public API, run against a local git server (git
// http-backend) and testkit's in-memory API server: each example's code is a verbatim part of this
// file and its imports are this file's imports (api-examples.test.ts checks both). Assertions
// between the examples say what they do. TMPDIR points into this run's directory, so the examples'
// default caches and storage land there and go with it.
import { createHmac } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ArtifactStorage,
  authFromSecretData,
  cacheGitdir,
  collectTree,
  compareVersions,
  escapesRepository,
  fetchArtifact,
  fetchCommit,
  formatRevision,
  GitRepositoryKind,
  GitRepositoryReconciler,
  gitRepositoryController,
  gitSource,
  gitSourceEvents,
  GitVerificationError,
  IgnoreRules,
  isGitSourceError,
  isSemverError,
  listRemoteRefs,
  mergeInclude,
  parseConstraint,
  parseFluxVersion,
  parseStrictVersion,
  parseVersion,
  pickLatestVersion,
  redactSecrets,
  redactUrl,
  remoteEndpoint,
  resolveRef,
  serveArtifacts,
  startWebhookReceiver,
  transferLimit,
  TreeCache,
  verifySignatures,
  webhookPath,
  writeBack,
  writeTar,
  writeTarGz,
  type FetchArtifactOptions,
  type GitArtifact,
  type GitRepository,
} from '@weft/git-source';
import { createLogger, getCondition, installCRDs, KubeClient, Manager } from '@weft/reconcile-core';
import { eventually, startApiServer, startGitServer, type GitServer, type InMemoryApiServer, type TestRepo } from '@weft/testkit';
import { firstValueFrom, type Subscription } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

describe('the @examples of @weft/git-source, run', () => {
  let git: GitServer;
  let repo: TestRepo;
  let url: string;
  let work: string;
  let cacheDir: string;
  let storage: ArtifactStorage;
  let artifact: GitArtifact;
  let log: ReturnType<typeof vi.spyOn>;
  const tmp = process.env['TMPDIR'];

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'weft-git-source-examples-'));
    process.env['TMPDIR'] = work;
    git = await startGitServer();
    repo = await git.createRepo('app', { 'deploy/cm.yaml': 'kind: ConfigMap\n', 'README.md': 'docs\n' });
    for (const tag of ['v1.0.0', 'v1.4.2', 'v2.0.0']) await repo.git('tag', tag);
    await repo.git('push', '--quiet', 'origin', '--tags');
    url = repo.url;
    cacheDir = join(work, 'cache');
    storage = new ArtifactStorage(join(work, 'artifacts'));
    log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    if (tmp === undefined) delete process.env['TMPDIR'];
    else process.env['TMPDIR'] = tmp;
    await git?.stop();
    await rm(work, { recursive: true, force: true });
  });

  it('fetches: refs, a commit, its tree, an artifact', async () => {
    {
      const secret = { data: { username: Buffer.from('u').toString('base64'), password: Buffer.from('p').toString('base64') } };
      const auth = authFromSecretData(secret.data ?? {});
      expect(auth).toEqual({ username: 'u', password: 'p' });
    }
    const endpoint = remoteEndpoint('https://bot:t0ken@example.com/app.git', undefined);
    // { url: 'https://example.com/app.git', auth: { username: 'bot', password: 't0ken' } }
    expect(endpoint).toEqual({ url: 'https://example.com/app.git', auth: { username: 'bot', password: 't0ken' } });

    const refs = await listRemoteRefs(url, { auth: { username: 'u', password: 'p' } });
    expect(refs.map((ref) => ref.ref)).toContain('refs/tags/v1.4.2');
    const latest = resolveRef(url, refs, { semver: '>=1.0.0 <2.0.0' }).revisionName; // e.g. 'v1.4.2'
    expect(latest).toBe('v1.4.2');
    expect(formatRevision({ revisionName: 'main', commit: 'abc…' })).toBe('main@sha1:abc…');
    formatRevision({ revisionName: 'main', commit: 'abc…' }); // 'main@sha1:abc…'

    expect(cacheGitdir('/var/cache/weft', 'https://example.com/app.git', true)).toMatch(/^\/var\/cache\/weft\/[0-9a-f]{24}-shallow\.git$/);
    cacheGitdir('/var/cache/weft', 'https://example.com/app.git', true); // '/var/cache/weft/<hash>-shallow.git'
    expect(transferLimit(10 << 20)).toBe(22020096);
    transferLimit(10 << 20); // 22020096

    const gitdir = await fetchCommit(url, resolveRef(url, await listRemoteRefs(url), { branch: 'main' }), { cacheDir });
    const commit = resolveRef(url, refs, { branch: 'main' }).commit;
    {
      const entries = await collectTree(gitdir, commit, { url, ignore: '*.md\n' });
      expect(entries.map((entry) => entry.path)).toContain('deploy/cm.yaml');
      expect(entries.map((entry) => entry.path)).not.toContain('README.md');
    }
    {
      const cache = new TreeCache();
      await collectTree(gitdir, commit, { url, treeCache: cache }); // later builds reuse unchanged directories
    }
    const armoredKey = '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nnot a key\n-----END PGP PUBLIC KEY BLOCK-----\n';
    const unsigned = async () => {
      await verifySignatures(url, gitdir, { commit }, { mode: 'HEAD', publicKeys: [armoredKey] });
    };
    await expect(unsigned()).rejects.toBeInstanceOf(GitVerificationError);

    {
      const { artifact } = await fetchArtifact({ url, ref: { branch: 'main' } });
      console.log(artifact.revision, artifact.digest);
    }
    expect(log).toHaveBeenLastCalledWith(`main@sha1:${commit}`, expect.stringMatching(/^sha256:[0-9a-f]{64}$/));
    ({ artifact } = await fetchArtifact({ url, ref: { branch: 'main' }, cacheDir, storage }));

    const options: FetchArtifactOptions = { url, ref: { branch: 'not-there' }, cacheDir, storage };
    try { await fetchArtifact(options); } catch (error) { if (isGitSourceError(error)) console.log(error.reason); }
    expect(log).toHaveBeenLastCalledWith('GitOperationFailed');
  });

  it('keeps secrets out of what it prints', () => {
    expect([
      redactUrl('https://bot:token@example.com/app.git'), // 'https://example.com/app.git'
      redactUrl('https://bot:ab/S3cr3t@example.com/app.git'), // 'https://***@example.com/app.git'
      redactUrl('https://example.com/app.git?access_token=abc'), // 'https://example.com/app.git?access_token=***'
      redactUrl('bot:token@example.com:org/app.git'), // 'example.com:org/app.git'
    ]).toEqual(['https://example.com/app.git', 'https://***@example.com/app.git', 'https://example.com/app.git?access_token=***', 'example.com:org/app.git']);
    redactUrl('https://bot:token@example.com/app.git'); // 'https://example.com/app.git'
    redactUrl('https://bot:ab/S3cr3t@example.com/app.git'); // 'https://***@example.com/app.git'
    redactUrl('https://example.com/app.git?access_token=abc'); // 'https://example.com/app.git?access_token=***'
    redactUrl('bot:token@example.com:org/app.git'); // 'example.com:org/app.git'
    expect(redactSecrets('GET https://bot:s3cret@example.com/app.git failed', 'https://bot:s3cret@example.com/app.git')).toBe('GET https://example.com/app.git failed');
    redactSecrets('GET https://bot:s3cret@example.com/app.git failed', 'https://bot:s3cret@example.com/app.git');
    // 'GET https://example.com/app.git failed'
  });

  it('builds, archives, stores and serves artifacts', async () => {
    const rules = new IgnoreRules({ specIgnore: '/*\n!/deploy\n' });
    rules.ignores('docs/README.md', false); // true
    expect(rules.ignores('docs/README.md', false)).toBe(true);
    expect(escapesRepository('overlay/app.yaml', '../base/app.yaml')).toBe(false);
    expect(escapesRepository('a', '../../etc/passwd')).toBe(true);
    escapesRepository('overlay/app.yaml', '../base/app.yaml'); // false
    escapesRepository('a', '../../etc/passwd'); // true

    const entries = artifact.entries;
    const shared = artifact;
    const merged = mergeInclude(entries, { artifact: shared, fromPath: 'deploy', toPath: 'vendor/shared' });
    expect(merged.map((entry) => entry.path)).toContain('vendor/shared/cm.yaml');

    const bytes = writeTarGz([{ path: 'a.yaml', type: 'file', content: Buffer.from('x: 1\n') }]);
    const tar = writeTar([{ path: 'a', type: 'directory' }]);
    expect(tar.length % 512).toBe(0);
    const tarGzBytes = bytes;
    {
      const storage = new ArtifactStorage(join(tmpdir(), 'weft', 'artifacts'));
      const artifact = await storage.put('default/app', 'main@sha1:…', tarGzBytes);
      expect((await storage.read(artifact)).equals(tarGzBytes)).toBe(true);
    }
    {
      const server = await serveArtifacts(storage);
      console.log(server.url(artifact));
      const response = await fetch(server.url(artifact));
      expect(Buffer.from(await response.arrayBuffer()).equals(await storage.read(artifact))).toBe(true);
      await server.stop();
    }
  });

  it('streams revisions, polled or triggered by a webhook', async () => {
    let subscription: Subscription;
    {
      subscription = gitSource({ url, ref: { branch: 'main' }, interval: '1m' })
        .subscribe((artifact) => console.log(artifact.revision));
    }
    subscription.unsubscribe();
    const options = { url, ref: { branch: 'not-there' }, interval: '1m', cacheDir, storage };
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    subscription = gitSourceEvents(options).subscribe((event) => { if (event.type === 'error') console.warn(event.error.message); });
    await eventually('a warning', () => warn.mock.calls.length > 0);
    expect(String(warn.mock.calls[0]![0])).toMatch(/branch "not-there" not found/);
    subscription.unsubscribe();

    const token = 'webhook-token';
    expect(webhookPath({ name: 'app', token })).toMatch(/^\/hook\/[0-9a-f]{64}$/);
    webhookPath({ name: 'app', token }); // '/hook/3f2a…'
    const revisions: string[] = [];
    const deploy = (artifact: GitArtifact) => revisions.push(artifact.revision);
    const hooks = await startWebhookReceiver({ receivers: [{ name: 'app', type: 'github', token }] });
    const triggered = gitSource({ url, ref: { branch: 'main' }, trigger: hooks.trigger('app') }).subscribe(deploy);
    await eventually('the first revision', () => revisions.length === 1);
    const next = await repo.commit({ 'deploy/cm.yaml': 'kind: ConfigMap\ndata: {}\n' }, 'next');
    const delivered = firstValueFrom(hooks.deliveries);
    const body = '{"ref":"refs/heads/main"}';
    const signature = `sha256=${createHmac('sha256', token).update(body).digest('hex')}`;
    const response = await fetch(hooks.url('app'), { method: 'POST', headers: { 'X-GitHub-Event': 'push', 'X-Hub-Signature-256': signature, 'Content-Type': 'application/json' }, body });
    expect(response.status).toBe(200);
    await delivered;
    await eventually('the pushed revision, long before the 1m interval', () => revisions.includes(`main@sha1:${next}`));
    triggered.unsubscribe();
    await hooks.stop();
  });

  it('writes back a change', async () => {
    await writeBack({
      url, branch: 'main', author: { name: 'weft', email: 'weft@example.com' }, message: 'Update image',
      change: async (dir) => { await writeFile(join(dir, 'deploy/tag.txt'), 'v1.2.3\n'); },
    });
    const main = (await listRemoteRefs(url)).find((ref) => ref.ref === 'refs/heads/main')!.oid;
    const { entries } = (await fetchArtifact({ url, ref: { commit: main, branch: 'main' }, cacheDir, storage })).artifact;
    expect(entries.find((entry) => entry.path === 'deploy/tag.txt')?.content?.toString()).toBe('v1.2.3\n');
  });

  it('reconciles GitRepository objects', async () => {
    const api: InMemoryApiServer = await startApiServer();
    const kubeConfig = api.kubeConfig;
    const client = new KubeClient(kubeConfig);
    try {
      await installCRDs(client, [GitRepositoryKind]);
      for (const namespace of ['flux-system', 'apps']) await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
      const manager = new Manager({ kubeConfig, logger: createLogger({ level: 'silent' }), handleSignals: false });
      manager.add(gitRepositoryController({ namespace: 'flux-system' }).reconcile(new GitRepositoryReconciler({ storage })));
      const stop = new AbortController();
      const running = manager.start({ signal: stop.signal });
      await client.create({ apiVersion: 'source.weft.dev/v1', kind: 'GitRepository', metadata: { name: 'app', namespace: 'flux-system' }, spec: { url, interval: '1m', ref: { branch: 'main' } } } as GitRepository);
      const ready = await eventually('the GitRepository to be Ready', async () => {
        const object = await client.get(GitRepositoryKind, 'app', { namespace: 'flux-system' });
        return getCondition(object, 'Ready')?.status === 'True' && object;
      });
      expect(ready.status?.artifact?.revision).toMatch(/^main@sha1:/);
      stop.abort();
      await running;

      const subscription = gitRepositoryController({ kubeConfig, namespace: 'apps' }).reconcile(new GitRepositoryReconciler()).subscribe();
      subscription.unsubscribe();
    } finally {
      client.close();
      await api.stop();
    }
  });

  it('reads versions and ranges as Masterminds semver does', () => {
    const range = parseConstraint('>=1.2.0, <2.0.0 || 3.x');
    range.check(parseVersion('3.4.5')); // true
    expect(range.check(parseVersion('3.4.5'))).toBe(true);
    {
      const v = parseVersion('v1.2');
      v.toString(); // '1.2.0'
      v.original;   // 'v1.2'
      expect([v.toString(), v.original]).toEqual(['1.2.0', 'v1.2']);
    }
    expect(parseVersion('v2.1').toString()).toBe('2.1.0');
    parseVersion('v2.1').toString(); // '2.1.0'
    expect(parseStrictVersion('1.2.3-rc.1').prerelease).toBe('rc.1');
    parseStrictVersion('1.2.3-rc.1').prerelease; // 'rc.1'
    expect(compareVersions(parseVersion('1.0.0-rc.10'), parseVersion('1.0.0-rc.9'))).toBe(1);
    compareVersions(parseVersion('1.0.0-rc.10'), parseVersion('1.0.0-rc.9')); // 1
    expect(parseFluxVersion('v1.2.3').original).toBe('v1.2.3');
    parseFluxVersion('v1.2.3').original; // 'v1.2.3'
    expect(pickLatestVersion([{ name: 'v1.0.0' }, { name: 'v1.1.0' }], parseConstraint('~1.0'))?.candidate.name).toBe('v1.0.0');
    pickLatestVersion([{ name: 'v1.0.0' }, { name: 'v1.1.0' }], parseConstraint('~1.0'))?.candidate.name; // 'v1.0.0'

    const tag = 'latest';
    const skipped: string[] = [];
    const skip = (name: string) => skipped.push(name);
    try { parseVersion(tag); } catch (error) { if (isSemverError(error)) skip(tag); }
    expect(skipped).toEqual(['latest']);
  });
});
