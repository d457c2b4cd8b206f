import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startGitServer, type GitServer } from '@weft/testkit';
import { WriteBackConflictError, writeBack } from '../index.js';

// Real git processes on a shared machine: allow for a slow, busy host.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

let server: GitServer;
const auth = { username: 'bot', password: 'bot-pass' };
const author = { name: 'Weft Bot', email: 'bot@weft.dev' };

beforeAll(async () => {
  server = await startGitServer(auth);
});
afterAll(() => server?.stop());

const setTag = (tag: string) => async (dir: string) => {
  await writeFile(join(dir, 'deploy', 'tag.txt'), `${tag}\n`);
};

describe('write-back', () => {
  it('commits a change to the branch and pushes it', async () => {
    const repo = await server.createRepo('wb-same', { 'deploy/tag.txt': 'v1\n' });
    const result = await writeBack({ url: repo.url, auth, branch: 'main', author, message: 'Update to v2', change: setTag('v2') });
    expect(result.attempts).toBe(1);
    await repo.git('pull', '--quiet', 'origin', 'main');
    expect(await repo.git('rev-parse', 'HEAD')).toBe(result.commit);
    expect(await repo.git('log', '-1', '--format=%an <%ae>|%s')).toBe('Weft Bot <bot@weft.dev>|Update to v2');
    expect(await readFile(join(repo.work, 'deploy/tag.txt'), 'utf8')).toBe('v2\n');
  });

  it('stages modified, added and deleted files of one change together', async () => {
    const files = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`apps/app-${i}.yaml`, `tag: v1 # ${i}\n`]));
    const repo = await server.createRepo('wb-many', { ...files, 'old.txt': 'gone\n' });
    const result = await writeBack({
      url: repo.url, auth, branch: 'main', author, message: 'many',
      change: async (dir) => {
        for (let i = 0; i < 50; i += 2) await writeFile(join(dir, 'apps', `app-${i}.yaml`), `tag: v2 # ${i}\n`);
        await mkdir(join(dir, 'new', 'deep'), { recursive: true });
        await writeFile(join(dir, 'new', 'deep', 'file.txt'), 'new\n');
        await rm(join(dir, 'old.txt'));
      },
    });
    await repo.git('pull', '--quiet', 'origin', 'main');
    expect(await repo.git('rev-parse', 'HEAD')).toBe(result.commit);
    const changed = (await repo.git('show', '--name-status', '--format=', 'HEAD')).split('\n').sort();
    expect(changed).toEqual([...Array.from({ length: 25 }, (_, i) => `M\tapps/app-${i * 2}.yaml`), 'A\tnew/deep/file.txt', 'D\told.txt'].sort());
    expect(await repo.git('status', '--porcelain')).toBe('');
  });

  it('does not commit when nothing changed', async () => {
    const repo = await server.createRepo('wb-noop', { 'deploy/tag.txt': 'v1\n' });
    const before = await repo.git('ls-remote', 'origin', 'main');
    const result = await writeBack({ url: repo.url, auth, branch: 'main', author, message: 'noop', change: setTag('v1') });
    expect(result.commit).toBeUndefined();
    expect(await repo.git('ls-remote', 'origin', 'main')).toBe(before);
  });

  it('creates a new branch from the base, then builds on it, or replaces it with force', async () => {
    const repo = await server.createRepo('wb-new', { 'deploy/tag.txt': 'v1\n' });
    const base = await repo.git('rev-parse', 'HEAD');
    const first = await writeBack({ url: repo.url, auth, branch: 'main', pushBranch: 'auto', author, message: 'v2', change: setTag('v2') });
    await repo.git('fetch', '--quiet', 'origin');
    expect(await repo.git('rev-parse', 'origin/auto^')).toBe(base);
    expect(await repo.git('rev-parse', 'origin/main')).toBe(base);
    const second = await writeBack({ url: repo.url, auth, branch: 'main', pushBranch: 'auto', author, message: 'v3', change: setTag('v3') });
    await repo.git('fetch', '--quiet', 'origin');
    expect(await repo.git('rev-parse', 'origin/auto^')).toBe(first.commit);
    const forced = await writeBack({
      url: repo.url, auth, branch: 'main', pushBranch: 'auto', force: true, author, message: 'v4', change: setTag('v4'),
    });
    await repo.git('fetch', '--quiet', '--force', 'origin');
    expect(await repo.git('rev-parse', 'origin/auto')).toBe(forced.commit);
    expect(await repo.git('rev-parse', 'origin/auto^')).toBe(base);
    expect(second.commit).not.toBe(forced.commit);
  });

  it('retries on a non-fast-forward by fetching and re-applying the change', async () => {
    const repo = await server.createRepo('wb-race', { 'deploy/tag.txt': 'v1\n', 'other.txt': 'o1\n' });
    let calls = 0;
    const result = await writeBack({
      url: repo.url,
      auth,
      branch: 'main',
      author,
      message: 'Update to v2',
      change: async (dir) => {
        calls++;
        // Someone else pushes while the first attempt is in progress.
        if (calls === 1) await repo.commit({ 'other.txt': 'o2\n' }, 'concurrent change');
        await setTag('v2')(dir);
      },
    });
    expect(result.attempts).toBe(2);
    await repo.git('pull', '--quiet', 'origin', 'main');
    expect(await repo.git('log', '--format=%s', '-3')).toBe('Update to v2\nconcurrent change\ninitial commit');
    expect(await readFile(join(repo.work, 'other.txt'), 'utf8')).toBe('o2\n');
    expect(await readFile(join(repo.work, 'deploy/tag.txt'), 'utf8')).toBe('v2\n');
  });

  it('gives up after the configured attempts', async () => {
    const repo = await server.createRepo('wb-busy', { 'deploy/tag.txt': 'v1\n' });
    let n = 0;
    const failure = await writeBack({
      url: repo.url,
      auth,
      branch: 'main',
      author,
      message: 'never lands',
      attempts: 2,
      change: async (dir) => {
        await repo.commit({ 'busy.txt': `${n++}\n` }, 'always racing');
        await setTag('v9')(dir);
      },
    }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(WriteBackConflictError);
    expect((failure as Error).message).toMatch(/rejected as not a fast-forward 2 times/);
  });
});
