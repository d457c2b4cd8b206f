import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ArtifactStorage, serveArtifacts, writeTar, writeTarGz } from '@weft/git-source';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArtifactError, ArtifactReader, untar } from '../index.js';

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const digestOf = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

describe('reading GitRepository artifacts', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-artifact-fs-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('unpacks what git-source packs: files, nested directories, long paths and link targets (PAX), symlinks', () => {
    const long = `${'deep/'.repeat(40)}leaf.yaml`;
    const entries = untar(
      writeTar([
        { path: 'apps', type: 'directory' },
        { path: 'apps/web.yaml', type: 'file', content: Buffer.from('kind: ConfigMap\n') },
        { path: long, type: 'file', content: Buffer.from('x: ü\n') },
        { path: 'link.yaml', type: 'symlink', target: 'apps/web.yaml' },
        { path: 'long-link.yaml', type: 'symlink', target: long },
        { path: 'empty.yaml', type: 'file', content: new Uint8Array() },
      ]),
      'test.tar',
    );
    const byPath = new Map(entries.map((entry) => [entry.path, entry]));
    expect([...byPath.keys()].sort()).toEqual(['apps', 'apps/web.yaml', long, 'link.yaml', 'long-link.yaml', 'empty.yaml'].sort());
    expect(text(byPath.get('apps/web.yaml')!.content!)).toBe('kind: ConfigMap\n');
    expect(text(byPath.get(long)!.content!)).toBe('x: ü\n');
    expect(byPath.get('link.yaml')).toEqual({ path: 'link.yaml', type: 'symlink', target: 'apps/web.yaml' });
    expect(byPath.get('long-link.yaml')).toEqual({ path: 'long-link.yaml', type: 'symlink', target: long });
  });

  it('refuses a path, or a symlink target, that leaves the root', () => {
    expect(() => untar(writeTar([{ path: '../escape.yaml', type: 'file', content: Buffer.from('a') }]), 'evil.tar')).toThrow(ArtifactError);
    expect(() => untar(writeTar([{ path: 'apps/out', type: 'symlink', target: '../../etc/passwd' }]), 'evil.tar')).toThrow(/symlink outside its root: 'apps\/out'/);
    expect(() => untar(writeTar([{ path: 'abs', type: 'symlink', target: '/etc/passwd' }]), 'evil.tar')).toThrow(ArtifactError);
  });

  it('reads from the storage in process, checks the digest and caches by digest', async () => {
    const storage = new ArtifactStorage(join(dir, 'storage'));
    const bytes = writeTarGz([{ path: 'deploy/cm.yaml', type: 'file', content: Buffer.from('a: 1\n') }]);
    const stored = await storage.put('default/app', 'main@sha1:abc', bytes);
    const reader = new ArtifactReader({ storage });
    const artifact = { ...stored, url: 'http://127.0.0.1:1/unreachable.tar.gz' };
    const fs = await reader.read(artifact);
    expect(text(await fs.readFile('/deploy/cm.yaml'))).toBe('a: 1\n');
    expect(await fs.stat('/deploy')).toEqual({ type: 'directory', size: 0 });
    expect(await reader.read(artifact)).toBe(fs);
    await expect(reader.read({ ...artifact, digest: `sha256:${'0'.repeat(64)}` })).rejects.toThrow(/digest mismatch/);
  });

  it('falls back to the artifact URL (file://) when the storage does not hold it, naming the artifact when nothing does', async () => {
    const bytes = writeTarGz([{ path: 'a.yaml', type: 'file', content: Buffer.from('b: 2\n') }]);
    const file = join(dir, 'elsewhere.tar.gz');
    await writeFile(file, bytes);
    const reader = new ArtifactReader({ storage: new ArtifactStorage(join(dir, 'empty')) });
    const fs = await reader.read({ path: 'artifacts/elsewhere.tar.gz', digest: digestOf(bytes), url: pathToFileURL(file).href });
    expect(text(await fs.readFile('/a.yaml'))).toBe('b: 2\n');
    const missing = reader.read({ path: 'artifacts/gone.tar.gz', digest: `sha256:${'1'.repeat(64)}`, url: 'file:///nonexistent/gone.tar.gz' });
    await expect(missing).rejects.toBeInstanceOf(ArtifactError);
    await expect(missing).rejects.toThrow(/artifacts\/gone\.tar\.gz could not be read/);
  });
  it('downloads from an http(s) artifact URL (source-controller style, another process) without a storage', async () => {
    const storage = new ArtifactStorage(join(dir, 'served'));
    const bytes = writeTarGz([{ path: 'apps/x.yaml', type: 'file', content: Buffer.from('c: 3\n') }]);
    const stored = await storage.put('default/remote', 'main@sha1:def', bytes);
    const server = await serveArtifacts(storage, { host: '127.0.0.1', port: 0 });
    try {
      const fs = await new ArtifactReader().read({ ...stored, url: server.url(stored) });
      expect(text(await fs.readFile('/apps/x.yaml'))).toBe('c: 3\n');
      await expect(new ArtifactReader().read({ path: 'artifacts/none.tar.gz', digest: `sha256:${'2'.repeat(64)}`, url: `${server.origin}/artifacts/${'2'.repeat(64)}.tar.gz` })).rejects.toThrow(/HTTP 404/);
    } finally {
      await server.stop();
    }
  });
});
