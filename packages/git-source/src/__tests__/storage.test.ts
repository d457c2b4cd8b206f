import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventually } from '@weft/testkit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ArtifactStorage, writeTarGz } from '../index.js';

// Real git processes on a shared machine: allow for a slow, busy host.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'weft-git-storage-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const tarOf = (text: string) => writeTarGz([{ path: 'a.yaml', type: 'file', content: Buffer.from(text) }]);

describe('artifact storage', () => {
  it('stores content-addressed, keeps the last N per source and collects the rest', async () => {
    const storage = new ArtifactStorage(join(work, 'gc'), { retain: 2 });
    const one = await storage.put('ns/app', 'main@sha1:1', tarOf('1'));
    const again = await storage.put('ns/other', 'main@sha1:1', tarOf('1'));
    expect(again.path).toBe(one.path);
    await storage.put('ns/app', 'main@sha1:2', tarOf('2'));
    await storage.put('ns/app', 'main@sha1:3', tarOf('3'));
    // '1' is out of ns/app's last two but still ns/other's: kept once.
    const files = (await readdir(join(work, 'gc', 'artifacts'))).sort();
    expect(files).toHaveLength(3);
    await storage.put('ns/other', 'main@sha1:4', tarOf('4'));
    await storage.put('ns/other', 'main@sha1:5', tarOf('5'));
    expect(await readdir(join(work, 'gc', 'artifacts'))).not.toContain(one.path.slice('artifacts/'.length));
    expect((await storage.latest('ns/app'))?.revision).toBe('main@sha1:3');
  });

  it('after a crash mid-write still serves the last good artifact, and collects the partial file', async () => {
    const root = join(work, 'crash');
    const storage = new ArtifactStorage(root);
    const good = await storage.put('ns/app', 'main@sha1:good', tarOf('good'));

    // A separate process runs the real storage code on a large artifact and is killed
    // (SIGKILL, no cleanup) as soon as its temporary file appears.
    const script = join(work, 'crash.mts');
    const storageModule = fileURLToPath(new URL('../artifact/storage.ts', import.meta.url));
    await writeFile(
      script,
      `import { ArtifactStorage } from ${JSON.stringify(storageModule)};
       const storage = new ArtifactStorage(${JSON.stringify(root)});
       await storage.put('ns/app', 'main@sha1:crashed', Buffer.alloc(160 << 20, 1));`,
    );
    const tsx = fileURLToPath(new URL('../../../../node_modules/tsx/dist/cli.mjs', import.meta.url));
    const child = spawn(process.execPath, [tsx, script], { stdio: 'ignore' });
    let partial: string;
    try {
      // Until the temporary file appears, or the child has exited without leaving one.
      partial = await eventually('the child to have a temporary artifact file open', async () => {
        const found = (await readdir(join(root, 'artifacts'))).find((f) => f.includes('.tmp-'));
        return found ?? (child.exitCode !== null && `none: the child exited with ${child.exitCode}`);
      }, { timeoutMs: 20_000, intervalMs: 5 });
    } finally {
      child.kill('SIGKILL');
      await new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(undefined) : child.once('exit', resolve)));
    }
    expect(partial).toMatch(/\.tmp-/);

    expect(await storage.latest('ns/app')).toMatchObject({ revision: 'main@sha1:good', digest: good.digest });
    expect((await storage.read(good)).equals(tarOf('good'))).toBe(true);
    // The partial file is never an artifact; a grace period protects writes in progress.
    expect((await storage.collectGarbage()).removed).toEqual([]);
    expect((await storage.collectGarbage({ temporaryGraceMs: 0 })).removed).toEqual([`artifacts/${partial}`]);
    expect(await readdir(join(root, 'artifacts'))).toEqual([good.path.slice('artifacts/'.length)]);
  });

  it('an aborted write leaves no file and keeps the previous artifact', async () => {
    const storage = new ArtifactStorage(join(work, 'abort'));
    const good = await storage.put('s', 'r1', tarOf('ok'));
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(storage.put('s', 'r2', Buffer.alloc(3 << 20, 1), { signal: controller.signal })).rejects.toThrow('stop');
    expect(await storage.latest('s')).toMatchObject({ revision: 'r1', digest: good.digest });
    expect(await readdir(join(work, 'abort', 'artifacts'))).toEqual([good.path.slice('artifacts/'.length)]);
  });
  it('a write that stores fewer bytes than asked (a file system filling up) goes on from there: the stored artifact is whole', async () => {
    // What a nearly full file system does: the first write of the artifact stores part of its
    // chunk and reports the count; the file must still end up with every byte, in order.
    const probe = await open(join(work, 'probe'), 'w');
    const prototype = Object.getPrototypeOf(probe) as { write: (...args: unknown[]) => Promise<{ bytesWritten: number }> };
    await probe.close();
    const write = prototype.write;
    let short = 0;
    const spy = vi.spyOn(prototype, 'write').mockImplementation(function (this: unknown, ...args: unknown[]) {
      const [buffer, offset, length, position] = args as [Uint8Array, number, number, number];
      if (short++ === 0 && length > 4096) return write.call(this, buffer, offset, 4096, position);
      return write.apply(this, args);
    });
    try {
      const storage = new ArtifactStorage(join(work, 'short'));
      const bytes = writeTarGz([{ path: 'blob.bin', type: 'file', content: randomBytes(1536 * 1024) }]);
      const stored = await storage.put('ns/app', 'main@sha1:1', bytes);
      expect(short).toBeGreaterThan(1);
      const onDisk = await readFile(storage.locate(stored));
      expect(onDisk.byteLength).toBe(bytes.byteLength);
      expect(`sha256:${createHash('sha256').update(onDisk).digest('hex')}`).toBe(stored.digest);
    } finally {
      spy.mockRestore();
    }
  });
});
