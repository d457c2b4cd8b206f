import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startGitServer, type GitServer, type TestRepo } from '@weft/testkit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ArtifactStorage, ArtifactTooLargeError, fetchArtifact } from '../index.js';

const run = promisify(execFile);

// Writing and serving 150 MB through real git on a busy 2-core machine.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

const MiB = 1 << 20;

describe('maxSize bounds the transfer, not only the archive', () => {
  let server: GitServer;
  let repo: TestRepo;
  let near: TestRepo;
  let work: string;
  beforeAll(async () => {
    server = await startGitServer();
    repo = await server.createRepo('big', { 'README.md': 'big\n' });
    work = await mkdtemp(join(tmpdir(), 'weft-git-max-size-'));
    // 15 files of 10 MiB of random bytes (incompressible), written straight into the served
    // repository without compression or delta search to keep set-up short; the data never passes
    // through this process.
    const script = [
      'set -euo pipefail',
      'git config core.looseCompression 0 && git config pack.compression 0 && git config pack.window 0',
      'data=$(for i in $(seq 1 15); do printf "100644 blob %s\\tf%s.bin\\n" "$(head -c 10485760 /dev/urandom | git hash-object -w --stdin)" "$i"; done | git mktree)',
      'root=$( (git ls-tree main; printf "040000 tree %s\\tdata\\n" "$data") | git mktree)',
      'git update-ref refs/heads/main "$(git commit-tree "$root" -p main -m "150 MB of data")"',
    ].join('\n');
    await run('bash', ['-c', script], { env: { ...server.gitEnv, GIT_DIR: repo.bare } });
    near = await server.createRepo('near', { 'README.md': 'near\n' });
    await run('bash', ['-c', 'for i in 1 2 3; do head -c 1048576 /dev/urandom > f$i.bin; done'], { cwd: near.work });
    await near.git('add', '.');
    await near.git('commit', '-q', '-m', '3 MiB of data');
    await near.git('push', '-q', 'origin', 'main');
  });
  afterAll(async () => {
    await server?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('stops a 150 MB fetch with a 10 MiB limit early: RSS rises by tens of MB, not hundreds', async () => {
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 5);
    const error = await fetchArtifact({
      url: server.url('big'),
      ref: { branch: 'main' },
      maxSize: 10 * MiB,
      cacheDir: join(work, 'cache'),
      storage: new ArtifactStorage(join(work, 'artifacts')),
    }).catch((caught: unknown) => caught);
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    const rise = (peak - before) / MiB;
    expect(error).toBeInstanceOf(ArtifactTooLargeError);
    const tooLarge = error as ArtifactTooLargeError;
    expect(tooLarge).toMatchObject({ what: 'transfer', limit: 21 * MiB, reason: 'ArtifactTooLarge', retryable: false });
    console.log(`[git-source max-size] 150 MB repository, maxSize 10 MiB: fetch stopped after ${(tooLarge.size / MiB).toFixed(1)} MiB; RSS peak rise ${rise.toFixed(0)} MB`);
    // Before the transfer was bounded the same fetch took RSS from 314 to 888 MB.
    expect(rise).toBeLessThan(120);
    expect(tooLarge.size).toBeLessThan(22 * MiB + 128 * 1024);
  });

  it('fetches a repository whose content is just within the limit', async () => {
    const { artifact } = await fetchArtifact({
      url: near.url,
      ref: { branch: 'main' },
      maxSize: 3 * MiB + 64,
      cacheDir: join(work, 'cache'),
      storage: new ArtifactStorage(join(work, 'artifacts')),
    });
    expect(artifact.entries.filter((entry) => entry.type === 'file')).toHaveLength(4);
  });
});
