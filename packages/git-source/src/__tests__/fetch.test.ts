import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startGitServer, type GitServer } from '@weft/testkit';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { ArtifactStorage, cacheGitdir, fetchArtifact, listRemoteRefs } from '../index.js';

// Real git processes on a shared machine: allow for a slow, busy host.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

let server: GitServer;
let work: string;
const auth = { username: 'flux', password: 'p4ss-word' };

beforeAll(async () => {
  server = await startGitServer(auth);
  work = await mkdtemp(join(tmpdir(), 'weft-git-source-test-'));
});
afterAll(async () => {
  await server?.stop();
  await rm(work, { recursive: true, force: true });
});

function options(url: string, extra: object = {}) {
  return { url, auth, cacheDir: join(work, 'cache'), storage: new ArtifactStorage(join(work, 'artifacts')), ...extra };
}

describe('fetching revisions', () => {
  it('lists refs with one request', async () => {
    const repo = await server.createRepo('list', { 'a.yaml': 'a: 1\n' });
    const before = server.requests.length;
    const refs = await listRemoteRefs(repo.url, { auth });
    expect(server.requests.length - before).toBe(1);
    expect(refs.find((r) => r.ref === 'refs/heads/main')?.oid).toMatch(/^[0-9a-f]{40}$/);
  });

  it('fetches under a spec.timeout of 1000h and of 2^33 ms (AbortSignal.timeout() would abort at once, or throw a RangeError)', async () => {
    const repo = await server.createRepo('long-timeout', { 'a.yaml': 'a: 1\n' });
    for (const timeout of ['1000h', 2 ** 33]) {
      const fetched = await fetchArtifact(options(repo.url, { ref: { branch: 'main' }, timeout }));
      expect(fetched.artifact.revision, `timeout ${timeout}`).toMatch(/^main@sha1:/);
    }
  });

  it('fetches a branch, then skips when the ref has not moved, then fetches the new commit', async () => {
    const repo = await server.createRepo('branch', { 'deploy/a.yaml': 'a: 1\n', 'README.md': 'hi\n' });
    const first = await fetchArtifact(options(repo.url, { ref: { branch: 'main' } }));
    const head = await repo.git('rev-parse', 'HEAD');
    expect(first.artifact.revision).toBe(`main@sha1:${head}`);
    expect(first.artifact.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(first.artifact.entries.map((e) => e.path).sort()).toEqual(['README.md', 'deploy', 'deploy/a.yaml']);

    const before = server.requests.length;
    const second = await fetchArtifact(options(repo.url, { ref: { branch: 'main' } }), { previous: first.artifact });
    expect(second.changed).toBe(false);
    expect(server.requests.length - before).toBe(1);

    const next = await repo.commit({ 'deploy/b.yaml': 'b: 2\n' }, 'add b');
    const third = await fetchArtifact(options(repo.url, { ref: { branch: 'main' } }), { previous: second.artifact });
    expect(third.changed).toBe(true);
    expect(third.artifact.revision).toBe(`main@sha1:${next}`);
    expect(third.artifact.entries.map((e) => e.path)).toContain('deploy/b.yaml');

    // The cache is a valid (shallow) git repository: git itself checks the packs and indexes Weft wrote.
    const gitdir = cacheGitdir(join(work, 'cache'), repo.url, true);
    const packs = readdirSync(join(gitdir, 'objects', 'pack')).filter((f) => f.endsWith('.idx'));
    expect(packs).toHaveLength(2);
    for (const idx of packs) execFileSync('git', ['verify-pack', join(gitdir, 'objects', 'pack', idx)]);
    execFileSync('git', ['--git-dir', gitdir, 'fsck', '--no-dangling', '--connectivity-only', next], { env: server.gitEnv });
    expect(execFileSync('git', ['--git-dir', gitdir, 'cat-file', '-p', `${next}:deploy/b.yaml`]).toString()).toBe('b: 2\n');
  });
});
