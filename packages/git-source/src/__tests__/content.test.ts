import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startGitServer, type GitServer } from '@weft/testkit';
import { ArtifactStorage, ArtifactTooLargeError, UnsupportedGitFeatureError, fetchArtifact, writeTarGz } from '../index.js';

// Real git processes on a shared machine: allow for a slow, busy host.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

let server: GitServer;
let work: string;
let storage: ArtifactStorage;

beforeAll(async () => {
  server = await startGitServer();
  work = await mkdtemp(join(tmpdir(), 'weft-git-content-'));
  storage = new ArtifactStorage(join(work, 'artifacts'), { retain: 10 });
});
afterAll(async () => {
  await server?.stop();
  await rm(work, { recursive: true, force: true });
});

const paths = (entries: readonly { path: string; type: string }[]) =>
  entries.filter((e) => e.type !== 'directory').map((e) => e.path).sort();

function fetchFrom(url: string, extra: object = {}) {
  return fetchArtifact({ url, ref: { branch: 'main' }, cacheDir: join(work, 'cache'), storage, ...extra });
}

describe('artifact content', () => {
  it('applies default exclusions, .sourceignore files (scoped to their directory) and spec.ignore', async () => {
    const repo = await server.createRepo('ignore', {
      '.gitignore': 'node_modules\n',
      '.github/workflows/ci.yaml': 'on: push\n',
      '.sops.yaml': 'creation_rules: []\n',
      'logo.png': 'png',
      'deploy/app.yaml': 'kind: Deployment\n',
      'deploy/notes.md': '# notes\n',
      'deploy/.sourceignore': '*.md\n',
      'docs/guide.md': '# guide\n',
      '.sourceignore': 'secret/\n',
      'secret/key.yaml': 'k: v\n',
      'README.md': 'readme\n',
    });
    const plain = await fetchFrom(repo.url);
    expect(paths(plain.artifact.entries)).toEqual(['.sourceignore', 'README.md', 'deploy/.sourceignore', 'deploy/app.yaml', 'docs/guide.md']);

    // spec.ignore comes last: it can exclude more and re-include a default exclusion; as in
    // Flux (go-git), `!/deploy` re-includes everything below deploy, overruling deploy/.sourceignore.
    const custom = await fetchFrom(repo.url, { ignore: '/*\n!/deploy\n!/.github\n' });
    expect(paths(custom.artifact.entries)).toEqual(['.github/workflows/ci.yaml', 'deploy/.sourceignore', 'deploy/app.yaml', 'deploy/notes.md']);
    const narrower = await fetchFrom(repo.url, { ignore: '/*\n!/deploy\n/deploy/**/*.md\n' });
    expect(paths(narrower.artifact.entries)).toEqual(['deploy/.sourceignore', 'deploy/app.yaml']);
  });

  it('re-applies a changed .sourceignore to unchanged subdirectories on the next build', async () => {
    const repo = await server.createRepo('ignore-change', { 'a/.sourceignore': '# nothing\n', 'a/b/x.md': 'x\n', 'a/b/y.yaml': 'y\n' });
    const first = await fetchFrom(repo.url, { sourceKey: 'ignore-change' });
    expect(paths(first.artifact.entries)).toEqual(['a/.sourceignore', 'a/b/x.md', 'a/b/y.yaml']);
    await repo.commit({ 'a/.sourceignore': '*.md\n' }, 'ignore markdown');
    const second = await fetchArtifact(
      { url: repo.url, ref: { branch: 'main' }, cacheDir: join(work, 'cache'), storage, sourceKey: 'ignore-change' },
      { previous: first.artifact },
    );
    expect(paths(second.artifact.entries)).toEqual(['a/.sourceignore', 'a/b/y.yaml']);
    await repo.commit({ 'a/b/z.yaml': 'z\n' }, 'add z');
    const third = await fetchArtifact(
      { url: repo.url, ref: { branch: 'main' }, cacheDir: join(work, 'cache'), storage, sourceKey: 'ignore-change' },
      { previous: second.artifact },
    );
    expect(paths(third.artifact.entries)).toEqual(['a/.sourceignore', 'a/b/y.yaml', 'a/b/z.yaml']);
  });

  it('keeps symlinks inside the repository and drops those pointing outside it', async () => {
    const repo = await server.createRepo('symlinks', {
      'base/app.yaml': 'kind: Service\n',
      'overlay/app.yaml': { symlink: '../base/app.yaml' },
      'escape-relative': { symlink: '../../etc/passwd' },
      'escape-absolute': { symlink: '/etc/passwd' },
      'nested/deeper/escape': { symlink: '../../../outside' },
    });
    const { artifact } = await fetchFrom(repo.url);
    expect(paths(artifact.entries)).toEqual(['base/app.yaml', 'overlay/app.yaml']);
    expect(artifact.entries.find((e) => e.path === 'overlay/app.yaml')).toMatchObject({ type: 'symlink', target: '../base/app.yaml' });
  });

  it('refuses a repository over the size limit and keeps the last good artifact', async () => {
    const repo = await server.createRepo('big', { 'small.yaml': 'a: 1\n' });
    const good = await fetchFrom(repo.url, { maxSize: 10_000, sourceKey: 'big' });
    await repo.commit({ 'blob.bin': Buffer.alloc(20_000, 7) }, 'too big');
    const failure = await fetchFrom(repo.url, { maxSize: 10_000, sourceKey: 'big' }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ArtifactTooLargeError);
    expect((failure as ArtifactTooLargeError).message).toMatch(/over the limit of 10000 bytes/);
    expect(await storage.latest('big')).toMatchObject({ digest: good.artifact.digest, revision: good.artifact.revision });
  });

  it('produces the same digest for the same tree, whatever the commit', async () => {
    const a = await server.createRepo('same-a', { 'x/y.yaml': 'y: 1\n', 'z.yaml': 'z\n' });
    const b = await server.createRepo('same-b', { 'z.yaml': 'z\n', 'x/y.yaml': 'y: 1\n' });
    await b.commit({}, 'an empty commit changes the sha, not the tree');
    const first = await fetchFrom(a.url);
    const second = await fetchFrom(b.url);
    expect(first.artifact.commit).not.toBe(second.artifact.commit);
    expect(first.artifact.digest).toBe(second.artifact.digest);
  });

  it('writes a tarball the tar CLI reads back with fixed modes, owners and times', async () => {
    const longDir = `${'d'.repeat(90)}/${'e'.repeat(90)}`;
    const bytes = writeTarGz([
      { path: 'b.yaml', type: 'file', content: Buffer.from('b\n') },
      { path: 'a', type: 'directory' },
      { path: 'a/run.sh', type: 'file', content: Buffer.from('#!/bin/sh\n'), executable: true },
      { path: 'a/link', type: 'symlink', target: 'run.sh' },
      { path: `${longDir}/${'f'.repeat(120)}.yaml`, type: 'file', content: Buffer.from('long\n') },
    ]);
    const file = join(work, 'check.tar.gz');
    await writeFile(file, bytes);
    const listing = execFileSync('tar', ['--numeric-owner', '--full-time', '-tvzf', file], { env: { TZ: 'UTC', PATH: process.env.PATH } })
      .toString()
      .trim()
      .split('\n')
      .map((line) => line.replace(/\s+/g, ' '));
    expect(listing).toEqual([
      'drwxr-xr-x 0/0 0 1970-01-01 00:00:00 a/',
      'lrwxrwxrwx 0/0 0 1970-01-01 00:00:00 a/link -> run.sh',
      '-rwxr-xr-x 0/0 10 1970-01-01 00:00:00 a/run.sh',
      '-rw-r--r-- 0/0 2 1970-01-01 00:00:00 b.yaml',
      `-rw-r--r-- 0/0 5 1970-01-01 00:00:00 ${longDir}/${'f'.repeat(120)}.yaml`,
    ]);
    const out = join(work, 'extract');
    execFileSync('mkdir', ['-p', out]);
    execFileSync('tar', ['-xzf', file, '-C', out]);
    expect(execFileSync('cat', [join(out, longDir, `${'f'.repeat(120)}.yaml`)]).toString()).toBe('long\n');
  });

  it('includes another artifact at toPath, from fromPath', async () => {
    const shared = await server.createRepo('shared', { 'deploy/base/cm.yaml': 'kind: ConfigMap\n', 'other.txt': 'x\n' });
    const app = await server.createRepo('app', { 'app.yaml': 'kind: Deployment\n', 'vendor/old.yaml': 'stale\n' });
    const sharedArtifact = (await fetchFrom(shared.url)).artifact;
    const { artifact } = await fetchFrom(app.url, {
      include: [{ artifact: sharedArtifact, fromPath: 'deploy', toPath: 'vendor/shared' }],
    });
    expect(paths(artifact.entries)).toEqual(['app.yaml', 'vendor/old.yaml', 'vendor/shared/base/cm.yaml']);
    expect(artifact.entries.filter((e) => e.type === 'directory').map((e) => e.path).sort()).toEqual([
      'vendor',
      'vendor/shared',
      'vendor/shared/base',
    ]);
  });

  it('leaves submodules out, and refuses recurseSubmodules with a clear error', async () => {
    const sub = await server.createRepo('sub', { 's.yaml': 's\n' });
    const parent = await server.createRepo('parent', { 'p.yaml': 'p\n' });
    await parent.git('-c', 'protocol.file.allow=always', 'submodule', 'add', '--quiet', sub.bare, 'modules/sub');
    await parent.git('commit', '--quiet', '-m', 'add submodule');
    await parent.git('push', '--quiet', 'origin', 'main');
    const { artifact } = await fetchFrom(parent.url);
    expect(paths(artifact.entries)).toEqual(['p.yaml']);
    const failure = await fetchFrom(parent.url, { recurseSubmodules: true }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(UnsupportedGitFeatureError);
    expect((failure as Error).message).toMatch(/submodules are not supported/);
  });
});
