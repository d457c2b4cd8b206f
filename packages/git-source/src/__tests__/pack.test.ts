import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { applyDelta, indexPack, objectId, readPackIndex, writePackIndex } from '../protocol/pack.js';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'weft-pack-'));
});
afterAll(() => rm(work, { recursive: true, force: true }));

const git = (...args: string[]) =>
  execFileSync('git', args, {
    cwd: work,
    env: { PATH: process.env.PATH, HOME: work, GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'a', GIT_AUTHOR_EMAIL: 'a@b', GIT_COMMITTER_NAME: 'a', GIT_COMMITTER_EMAIL: 'a@b' },
    maxBuffer: 1 << 28,
  });

describe('pack indexing against git', () => {
  it('finds the same objects, offsets and CRCs as git index-pack, with deltas', async () => {
    git('init', '--quiet', 'repo');
    const repo = join(work, 'repo');
    // Similar versions of a large file make git store deltas (including copies of more than 64 KiB).
    const base = Array.from({ length: 20_000 }, (_, i) => `line ${i} ${'x'.repeat(i % 17)}`).join('\n');
    for (let version = 0; version < 6; version++) {
      await writeFile(join(repo, 'big.txt'), `${base}\nversion ${version}\n${'tail '.repeat(version * 10)}`);
      await writeFile(join(repo, `small-${version}.txt`), `small ${version}\n`);
      execFileSync('git', ['-C', repo, 'add', '-A'], { env: { PATH: process.env.PATH, HOME: work } });
      execFileSync('git', ['-C', repo, '-c', 'user.name=a', '-c', 'user.email=a@b', 'commit', '--quiet', '-m', `v${version}`], {
        env: { PATH: process.env.PATH, HOME: work },
      });
    }
    const packBase = join(work, 'out');
    const revs = execFileSync('git', ['-C', repo, 'rev-list', '--objects', '--all']).toString();
    execFileSync('git', ['-C', repo, 'pack-objects', '--quiet', '--delta-base-offset', '--window=10', packBase], { input: revs });
    const name = execFileSync('ls', [work]).toString().split('\n').find((f) => f.startsWith('out-') && f.endsWith('.pack'))!;
    const pack = await readFile(join(work, name));
    const gitIndex = readPackIndex(await readFile(join(work, name.replace(/\.pack$/, '.idx'))));

    const { objects, checksum } = indexPack(pack);
    expect(objects).toHaveLength(gitIndex.size);
    for (const object of objects) expect(gitIndex.get(object.oid)).toBe(object.offset);
    const verbose = execFileSync('git', ['verify-pack', '-v', join(work, name)]).toString();
    expect(verbose).toMatch(/chain length = 1: \d+ objects?/);

    // Our index is byte-for-byte what git writes (same version, order, CRCs and checksums).
    const ours = writePackIndex(objects, checksum);
    expect(ours.equals(await readFile(join(work, name.replace(/\.pack$/, '.idx'))))).toBe(true);
  });

  it('applies a delta copy of the maximal 0x10000-byte size', () => {
    const base = Buffer.alloc(0x10000 + 5, 7);
    // base size, result size (varints), then a copy from offset 0 with size bits all zero (= 0x10000).
    const varint = (n: number) => {
      const bytes: number[] = [];
      do {
        let byte = n & 0x7f;
        n >>>= 7;
        if (n > 0) byte |= 0x80;
        bytes.push(byte);
      } while (n > 0);
      return bytes;
    };
    const delta = Buffer.from([...varint(base.length), ...varint(0x10000 + 2), 0x80, 0x02, 0x68, 0x69]);
    const result = applyDelta(base, delta);
    expect(result.length).toBe(0x10002);
    expect(result.subarray(0x10000).toString()).toBe('hi');
    expect(objectId({ type: 'blob', content: Buffer.from('hello\n') })).toBe('ce013625030ba8dba906f756967f9e9ca394464a');
  });
});
