import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startGitServer, type GitServer, type TestRepo } from '@weft/testkit';
import { ArtifactStorage, GitRefNotFoundError, fetchArtifact, type GitRef } from '../index.js';

// Real git processes on a shared machine: allow for a slow, busy host.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

let server: GitServer;
let work: string;
let repo: TestRepo;
let storage: ArtifactStorage;

beforeAll(async () => {
  server = await startGitServer();
  work = await mkdtemp(join(tmpdir(), 'weft-git-refs-'));
  storage = new ArtifactStorage(join(work, 'artifacts'));
  repo = await server.createRepo('refs', { 'app.yaml': 'v: 0\n' });
});
afterAll(async () => {
  await server?.stop();
  await rm(work, { recursive: true, force: true });
});

const fetchRef = (ref: GitRef | undefined, url = repo.url) =>
  fetchArtifact({ url, ...(ref ? { ref } : {}), cacheDir: join(work, 'cache'), storage });

describe('every ref kind, with Flux precedence', () => {
  it('branch, lightweight and annotated tags, semver, name and commit', async () => {
    const c1 = await repo.commit({ 'app.yaml': 'v: 1\n' }, 'one');
    await repo.git('tag', 'v1.0.0');
    const c2 = await repo.commit({ 'app.yaml': 'v: 2\n' }, 'two');
    await repo.git('tag', '-a', 'v1.1.0', '-m', 'release 1.1.0');
    await repo.git('tag', 'v2.0.0-rc.1');
    await repo.git('tag', 'not-a-version');
    const c3 = await repo.commit({ 'app.yaml': 'v: 3\n' }, 'three');
    await repo.git('push', '--quiet', 'origin', 'HEAD:refs/pull/1/head', '--tags');

    expect((await fetchRef({ branch: 'main' })).artifact.revision).toBe(`main@sha1:${c3}`);
    expect((await fetchRef({ tag: 'v1.0.0' })).artifact.revision).toBe(`v1.0.0@sha1:${c1}`);
    // An annotated tag resolves to the commit it points to, not the tag object.
    expect((await fetchRef({ tag: 'v1.1.0' })).artifact.revision).toBe(`v1.1.0@sha1:${c2}`);
    // Pre-releases are skipped unless the range names one (Masterminds), and non-versions are ignored.
    expect((await fetchRef({ semver: '>=1.0.0' })).artifact.revision).toBe(`v1.1.0@sha1:${c2}`);
    expect((await fetchRef({ semver: '~1.0' })).artifact.revision).toBe(`v1.0.0@sha1:${c1}`);
    expect((await fetchRef({ semver: '>=2.0.0-rc.0' })).artifact.revision).toBe(`v2.0.0-rc.1@sha1:${c2}`);
    expect((await fetchRef({ name: 'refs/pull/1/head' })).artifact.revision).toBe(`refs/pull/1/head@sha1:${c3}`);
    const pinned = await fetchRef({ commit: c1 });
    expect(pinned.artifact.revision).toBe(`sha1:${c1}`);
    expect(Buffer.from(pinned.artifact.entries.find((e) => e.path === 'app.yaml')!.content!).toString()).toBe('v: 1\n');
    expect((await fetchRef({ branch: 'main', commit: c2 })).artifact.revision).toBe(`main@sha1:${c2}`);

    // Precedence: commit > name > semver > tag > branch.
    expect((await fetchRef({ branch: 'main', tag: 'v1.0.0', semver: '1.1.x', name: 'refs/tags/v1.0.0', commit: c2 })).artifact.revision).toBe(
      `main@sha1:${c2}`,
    );
    expect((await fetchRef({ branch: 'main', tag: 'v1.0.0', semver: '1.1.x', name: 'refs/pull/1/head' })).artifact.revision).toBe(
      `refs/pull/1/head@sha1:${c3}`,
    );
    expect((await fetchRef({ branch: 'main', tag: 'v1.0.0', semver: '1.1.x' })).artifact.revision).toBe(`v1.1.0@sha1:${c2}`);
    expect((await fetchRef({ branch: 'main', tag: 'v1.0.0' })).artifact.revision).toBe(`v1.0.0@sha1:${c1}`);
  });

  it('defaults to the master branch', async () => {
    const master = await server.createRepo('default-master', { 'a.yaml': 'a\n' }, { branch: 'master' });
    const head = await master.git('rev-parse', 'HEAD');
    expect((await fetchRef(undefined, master.url)).artifact.revision).toBe(`master@sha1:${head}`);
    // A repository without master fails clearly, even though HEAD names another branch.
    await expect(fetchRef(undefined, repo.url)).rejects.toThrow(GitRefNotFoundError);
    await expect(fetchRef(undefined, repo.url)).rejects.toThrow(/branch "master" not found/);
  });

  it('reports missing refs, unmatched ranges and commits not in the branch', async () => {
    await expect(fetchRef({ branch: 'nope' })).rejects.toThrow(/branch "nope" not found/);
    await expect(fetchRef({ tag: 'v9' })).rejects.toThrow(/tag "v9" not found/);
    await expect(fetchRef({ semver: '>=5.0.0' })).rejects.toThrow(/a tag matching semver ">=5.0.0" not found/);
    await expect(fetchRef({ commit: 'f'.repeat(40) })).rejects.toThrow(GitRefNotFoundError);
  });

  it('follows a force-pushed branch, a moved tag and a deleted branch', async () => {
    const r = await server.createRepo('rewrite', { 'x.yaml': 'x: 1\n' });
    const c1 = await r.commit({ 'x.yaml': 'x: 2\n' }, 'two');
    await r.git('tag', 'stable');
    await r.git('push', '--quiet', 'origin', 'stable');
    const first = await fetchRef({ branch: 'main' }, r.url);
    expect(first.artifact.revision).toBe(`main@sha1:${c1}`);

    // Rewrite history: amend the tip and force-push.
    await r.git('commit', '--quiet', '--amend', '-m', 'rewritten');
    await r.git('push', '--quiet', '--force', 'origin', 'main');
    const rewritten = await r.git('rev-parse', 'HEAD');
    expect(rewritten).not.toBe(c1);
    const second = await fetchArtifact(
      { url: r.url, ref: { branch: 'main' }, cacheDir: join(work, 'cache'), storage },
      { previous: first.artifact },
    );
    expect(second.changed).toBe(true);
    expect(second.artifact.revision).toBe(`main@sha1:${rewritten}`);

    // Move the tag.
    const c3 = await r.commit({ 'x.yaml': 'x: 3\n' }, 'three');
    await r.git('tag', '--force', 'stable');
    await r.git('push', '--quiet', '--force', 'origin', 'stable');
    expect((await fetchRef({ tag: 'stable' }, r.url)).artifact.revision).toBe(`stable@sha1:${c3}`);

    // Delete a branch.
    await r.git('push', '--quiet', 'origin', 'HEAD:refs/heads/feature');
    expect((await fetchRef({ branch: 'feature' }, r.url)).artifact.revision).toBe(`feature@sha1:${c3}`);
    await r.git('push', '--quiet', 'origin', '--delete', 'feature');
    await expect(fetchRef({ branch: 'feature' }, r.url)).rejects.toThrow(/branch "feature" not found/);
  });
});
